// Server-wide limits (`/server limits`) through the real bot, against Plex, Jellyfin and Emby doubles: the command
// (validated, audited, shown in /server list), and a server over its own cap stopping the newest stream (never the
// owner's) with the on-screen reason, one DM in the member's language, one alert, once; dry run alerts instead.
// What the bot reads is what the servers send: Plex `/status/sessions` with the owner as `User id="1"` (python-plexapi
// `PlexSession.user`; the double's fixtures in plex-payloads.ts), Jellyfin and Emby `GET /Sessions` (@jellyfin/sdk
// `SessionInfo`; mediabrowser-activity.ts). Stops: Plex `/status/sessions/terminate` with the reason, Jellyfin and
// Emby `POST /Sessions/{id}/Message` then `/Playing/Stop` (mediabrowser-routes.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { auditLog, mediaServers } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { adminSession, refusalCheck, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';
import { mediaBrowser4kTranscode, plex4kTranscode, plexHdTranscode } from '../helpers/transcodes.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const BOB = { id: '230000000000000003', username: 'bob' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const alicePlex = { id: 7201, title: 'alice_plex' };
const bobPlex = { id: 7202, title: 'bob_plex' };
const ownerPlex = { id: 1, title: 'owner' };
const ALICE_MB = { id: 'a1ce0000000000000000000000000021', name: 'alice' };
const BOB_MB = { id: 'b0b00000000000000000000000000022', name: 'bob' };

const mbSession = (user: typeof ALICE_MB, n: number) => ({
  id: `session-${user.name}-${n}`,
  user,
  device: `TV ${n}`,
  client: 'Jellyfin Android TV',
  deviceId: `mb-${user.name}-${n}`,
  ip: `192.0.2.${n}`,
  item: { name: `Film ${n}`, type: 'Movie' as const },
});

describe('server limits', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const alerts = () => discord.messagesIn(ALERTS.id);
  const limitsOf = async (name: string) => {
    const [row] = await bot.bot.ctx.db.select().from(mediaServers).where(eq(mediaServers.name, name));
    return { streams: row?.maxStreams, transcodes: row?.maxTranscodes };
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB],
      channels: [{ id: '330000000000000001', name: 'general' }, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-llll1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([
      { id: alicePlex.id, name: alicePlex.title },
      { id: bobPlex.id, name: bobPlex.title },
    ]);
    jellyfin = await startJellyfinDouble({ token: 'jf-key-llll2222mmmm', users: [ALICE_MB, BOB_MB] });
    emby = await startEmbyDouble({ token: 'emby-key-llll3333nnnn', users: [ALICE_MB, BOB_MB] });
    bot = await startTestBot({ discord });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: jellyfin.token,
    });
    await admin('server', 'add', { platform: 'emby', name: 'Emby', url: emby.url, token: emby.token });
    // Plans roomy enough that only the servers' own limits ever stop anything.
    await admin('plan', 'create', { name: 'Roomy', 'stream-cap': 5, downloads: false });
    for (const [who, plexName] of [
      [ALICE, alicePlex.title],
      [BOB, bobPlex.title],
    ] as const) {
      await admin('user', 'link', { member: who.id, server: 'PlexMain', account: plexName });
      await admin('user', 'link', { member: who.id, server: 'Jelly', account: who.username });
      await admin('user', 'link', { member: who.id, server: 'Emby', account: who.username });
      await admin('user', 'plan', { member: who.id, plan: 'Roomy' });
    }
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    // Alice's language (German) comes from a command she ran.
    await discord.invoke({ user: ALICE.id, command: 'quota', locale: 'de' });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await jellyfin?.stop();
    await emby?.stop();
  });

  test('/server limits: refusals change nothing; a cap is stored, audited and shown in /server list', async () => {
    const refused = refusalCheck(async () => ({
      plex: await limitsOf('PlexMain'),
      audit: (await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'server.limits')))
        .length,
    }));
    await refused(() => admin('server', 'limits', { server: 'PlexMain' }), /Nothing to change/);
    await refused(() => admin('server', 'limits', { server: 'Nowhere', streams: 2 }), /no server named/);
    await refused(
      () => admin('server', 'limits', { server: 'PlexMain', streams: 2, clear: 'streams' }),
      /not both at once/,
    );
    await refused(
      () => admin('server', 'limits', { server: 'PlexMain', streams: 2, transcodes: 3 }),
      /no higher than `streams`/,
    );
    assert.match(text(await admin('server', 'list')), /PlexMain[\s\S]*Limits \(`\/server limits`\): none/);

    const set = await admin('server', 'limits', { server: 'PlexMain', streams: 2, transcodes: 1 });
    assert.equal(set.ephemeral, true);
    assert.match(text(set), /at most 2 streams at once, at most 1 transcode at once/);
    assert.deepEqual(await limitsOf('PlexMain'), { streams: 2, transcodes: 1 });
    assert.match(
      text(await admin('server', 'list')),
      /at most 2 streams at once, at most 1 transcode at once/,
    );
    // 0 removes one cap, `clear` the other.
    await admin('server', 'limits', { server: 'PlexMain', transcodes: 0 });
    assert.deepEqual(await limitsOf('PlexMain'), { streams: 2, transcodes: null });
    await admin('server', 'limits', { server: 'PlexMain', clear: 'both' });
    assert.deepEqual(await limitsOf('PlexMain'), { streams: null, transcodes: null });
    const audit = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'server.limits'));
    assert.deepEqual(
      audit.map((a) => [a.before, a.after]),
      [
        [
          { streams: null, transcodes: null },
          { streams: 2, transcodes: 1 },
        ],
        [
          { streams: 2, transcodes: 1 },
          { streams: 2, transcodes: null },
        ],
        [
          { streams: 2, transcodes: null },
          { streams: null, transcodes: null },
        ],
      ],
    );
  });

  test('dry run: a server over its cap alerts once with what would happen, nothing is stopped', async () => {
    await admin('server', 'limits', { server: 'PlexMain', streams: 1 });
    await admin('enforcement', 'dry-run', { enabled: true });
    plex.setSessions([playingMovie(alicePlex, 11)]);
    await runNow();
    bot.clock.advance(MINUTE);
    plex.setSessions([playingMovie(alicePlex, 11), playingMovie(bobPlex, 12)]);
    await runNow();
    await until('the dry-run alert', () => alerts().length === 1);
    assert.match(text(alerts()[0]!), /PlexMain[\s\S]*would be stopped \(dry run\)/);
    await runNow();
    assert.equal(plex.terminations.length, 0);
    assert.equal(discord.dmsTo(BOB.id).length, 0);
    assert.equal(alerts().length, 1, 'one alert per stream');
  });

  test("Plex: over the cap the newest member's stream is stopped with the reason, one DM, one alert; the owner's never", async () => {
    await admin('enforcement', 'dry-run', { enabled: false });
    await admin('server', 'limits', { server: 'PlexMain', streams: 2 });
    plex.setSessions([playingMovie(alicePlex, 11), playingMovie(bobPlex, 12)]);
    await runNow();
    assert.equal(plex.terminations.length, 0, 'two streams: within the cap of 2');
    discord.clearRecords();
    bot.clock.advance(MINUTE);
    // The owner starts a third: it counts, but it is never the one stopped; Bob's is the newest member's.
    plex.setSessions([playingMovie(alicePlex, 11), playingMovie(bobPlex, 12), playingMovie(ownerPlex, 13)]);
    await runNow();
    assert.deepEqual(
      plex.terminations.map((t) => t.reason),
      ['This server is at its limit of 2 streams; try again later.'],
    );
    await until('the DM and the alert', () => discord.dmsTo(BOB.id).length === 1 && alerts().length === 1);
    assert.match(text(discord.dmsTo(BOB.id)[0]!), /Movie 12[\s\S]*allows 2 streams at once/);
    assert.match(text(alerts()[0]!), new RegExp(`PlexMain\\*\\* had 3 streams.*<@${BOB.id}>: stopped`, 's'));
    // Plex lists a stopped session for a while: it is not counted, and nothing else is stopped.
    bot.clock.advance(MINUTE);
    await runNow();
    await runNow();
    assert.equal(plex.terminations.length, 1);
    assert.equal(discord.dmsTo(BOB.id).length, 1);
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    assert.equal(alerts().length, 1);
    await admin('server', 'limits', { server: 'PlexMain', clear: 'streams' });
    plex.setSessions([]);
    await runNow();
  });

  test('Plex: over the transcode cap the newest transcode is stopped (an audio-only one counts); direct plays never for it', async () => {
    await admin('server', 'limits', { server: 'PlexMain', transcodes: 1 });
    discord.clearRecords();
    plex.setSessions([plex4kTranscode(playingMovie(alicePlex, 21))]);
    await runNow();
    bot.clock.advance(MINUTE);
    // Bob starts a direct play, then a stream whose audio only is converted: a transcode all the same.
    const audioOnly = {
      ...playingMovie(bobPlex, 23),
      delivery: { video: 'directplay' as const, audio: 'transcode' as const },
    };
    plex.setSessions([plex4kTranscode(playingMovie(alicePlex, 21)), playingMovie(bobPlex, 22), audioOnly]);
    await runNow();
    assert.deepEqual(
      plex.terminations.slice(-1).map((t) => t.reason),
      ['This server is at its limit of 1 transcoded stream; try again later.'],
    );
    const stopped = plex.terminations.length;
    await until('the DM and the alert', () => discord.dmsTo(BOB.id).length === 1 && alerts().length === 1);
    assert.match(text(discord.dmsTo(BOB.id)[0]!), /Movie 23.*converts \(transcodes\) 1 stream at once/s);
    assert.match(text(alerts()[0]!), /had 2 transcodes \(limit 1 transcoded streams at once/);
    // One transcode left (Alice's, the older): nothing more; a second one with the cap raised to 2 is kept.
    bot.clock.advance(MINUTE);
    await runNow();
    await admin('server', 'limits', { server: 'PlexMain', transcodes: 2 });
    plex.setSessions([
      plex4kTranscode(playingMovie(alicePlex, 21)),
      plexHdTranscode(playingMovie(bobPlex, 24)),
    ]);
    await runNow();
    assert.equal(plex.terminations.length, stopped);
    await admin('server', 'limits', { server: 'PlexMain', clear: 'both' });
    plex.setSessions([]);
    await runNow();
  });

  for (const platform of ['Jelly', 'Emby'] as const) {
    test(`${platform}: over the transcode cap the newest transcode is stopped, the direct play kept`, async () => {
      const double = platform === 'Jelly' ? jellyfin : emby;
      const commands = double.playstateCommands.length;
      await admin('server', 'limits', { server: platform, transcodes: 1 });
      discord.clearRecords();
      double.setSessions([mediaBrowser4kTranscode(mbSession(ALICE_MB, 31))]);
      await runNow();
      bot.clock.advance(MINUTE);
      double.setSessions([
        mediaBrowser4kTranscode(mbSession(ALICE_MB, 31)),
        mbSession(BOB_MB, 32),
        { ...mbSession(BOB_MB, 33), transcoding: true },
      ]);
      await runNow();
      assert.deepEqual(
        double.playstateCommands.slice(commands).map((c) => [c.sessionId, c.command]),
        [['session-bob-33', 'Stop']],
      );
      assert.equal(
        double.messages.at(-1)?.text,
        'This server is at its limit of 1 transcoded stream; try again later.',
      );
      await until('the DM and the alert', () => discord.dmsTo(BOB.id).length === 1 && alerts().length === 1);
      await admin('server', 'limits', { server: platform, clear: 'transcodes' });
      double.setSessions([]);
      await runNow();
    });
  }

  for (const platform of ['Jelly', 'Emby'] as const) {
    test(`${platform}: the newest stream over the cap is stopped with a message in the member's language`, async () => {
      const double = platform === 'Jelly' ? jellyfin : emby;
      const [commands, messages] = [double.playstateCommands.length, double.messages.length];
      await admin('server', 'limits', { server: platform, streams: 1 });
      discord.clearRecords();
      double.setSessions([mbSession(BOB_MB, 1)]);
      await runNow();
      bot.clock.advance(MINUTE);
      double.setSessions([mbSession(BOB_MB, 1), mbSession(ALICE_MB, 2)]);
      await runNow();
      assert.deepEqual(
        double.playstateCommands.slice(commands).map((c) => [c.sessionId, c.command]),
        [['session-alice-2', 'Stop']],
      );
      assert.deepEqual(
        double.messages.slice(messages).map((m) => m.text),
        ['Dieser Server ist an seiner Grenze von 1 Stream; versuch es später noch einmal.'],
      );
      await until(
        'the DM and the alert',
        () => discord.dmsTo(ALICE.id).length === 1 && alerts().length === 1,
      );
      assert.match(text(discord.dmsTo(ALICE.id)[0]!), /Film 2 auf TV 2 \([A-Za-z]+\) wurde beendet/);
      await runNow();
      assert.equal(double.playstateCommands.length, commands + 1, 'once');
      assert.equal(discord.dmsTo(BOB.id).length, 0);
      await admin('server', 'limits', { server: platform, streams: 0 });
      double.setSessions([]);
    });
  }
});
