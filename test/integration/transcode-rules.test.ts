// The plan's rule on converted (transcoded) video through the real bot, against a Plex, a Jellyfin and an Emby
// double. What the bot reads is what the servers send: Plex's selected Media/Part/Stream `decision`s and the library
// item's original Media (`GET /library/metadata/{ratingKey}`), Jellyfin/Emby `PlayState.PlayMethod`,
// `TranscodingInfo.IsVideoDirect` and the file's streams on `NowPlayingItem.MediaStreams` (sources beside the
// fixtures: plex-payloads.ts, mediabrowser-activity.ts; test/helpers/transcodes.ts picks the values).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { auditLog, type Plan } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import type { SessionSpec } from '../doubles/jellyfin.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';
import {
  mediaBrowser4kTranscode,
  mediaBrowserHdTranscode,
  plex4kDirectPlay,
  plex4kTranscode,
  plexHdTranscode,
} from '../helpers/transcodes.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const BOB = { id: '230000000000000003', username: 'bob' };
const CAROL = { id: '230000000000000004', username: 'carol' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const alicePlex = { id: 7201, title: 'alice_plex' };
const BOB_JF = { id: 'b0b00000000000000000000000000021', name: 'bob' };
const CAROL_EMBY = { id: 'ca401000000000000000000000000031', name: 'carol' };
const SECOND = 1000;

const mbSession = (user: { id: string; name: string }, id: string, title: string): SessionSpec => ({
  id,
  user,
  device: `TV ${id}`,
  client: 'Android TV',
  deviceId: `dev-${id}`,
  ip: '192.0.2.20',
  item: { name: title, type: 'Movie' },
});

describe('transcode rules', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const alerts = () => discord.messagesIn(ALERTS.id);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB, CAROL],
      channels: [{ id: '330000000000000001', name: 'general' }, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-tttt1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: alicePlex.id, name: alicePlex.title }]);
    jellyfin = await startJellyfinDouble({ token: 'jf-key-tttt2222qqqq', users: [BOB_JF] });
    emby = await startEmbyDouble({ token: 'emby-key-tttt3333rrrr', users: [CAROL_EMBY] });
    bot = await startTestBot({ discord });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: jellyfin.token,
    });
    await admin('server', 'add', { platform: 'emby', name: 'Embo', url: emby.url, token: emby.token });
    const created = await admin('plan', 'create', {
      name: 'NoUHD',
      'stream-cap': 5,
      downloads: false,
      transcodes: 'no-4k',
    });
    assert.match(text(created), /converted streams: no 4K conversions/);
    await admin('plan', 'create', { name: 'Original', 'stream-cap': 5, downloads: false, grace: 60 });
    const edited = await admin('plan', 'edit', { name: 'Original', transcodes: 'none' });
    assert.match(text(edited), /converted streams: no conversions/);
    await admin('plan', 'create', { name: 'OneConv', 'stream-cap': 5, downloads: false, 'transcode-cap': 1 });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: alicePlex.title });
    await admin('user', 'plan', { member: ALICE.id, plan: 'NoUHD' });
    await admin('user', 'link', { member: BOB.id, server: 'Jelly', account: 'bob' });
    await admin('user', 'plan', { member: BOB.id, plan: 'Original' });
    await admin('user', 'link', { member: CAROL.id, server: 'Embo', account: 'carol' });
    await admin('user', 'plan', { member: CAROL.id, plan: 'OneConv' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await jellyfin?.stop();
    await emby?.stop();
  });

  test('/plan list and /quota show the rule; edits are audited', async () => {
    const list = text(await admin('plan', 'list'));
    assert.match(list, /Converted streams: no 4K conversions/);
    assert.match(list, /Converted streams: at most 1 converted at once/);
    assert.match(list, /Converted streams: no conversions/);
    assert.match(
      text(await discord.invoke({ user: ALICE.id, command: 'quota' })),
      /Converted streams\nAllowed, except from a 4K original/,
    );
    assert.match(
      text(await discord.invoke({ user: CAROL.id, command: 'quota' })),
      /Converted streams\nAt most 1 at once/,
    );
    const edits = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'plan.edit'));
    assert.deepEqual(
      edits.map((e) => [e.before, e.after].map((p) => (p as Plan).transcodes)),
      [['allow', 'none']],
    );
    // 0 clears the cap (and is audited); the plan then allows every conversion.
    assert.match(
      text(await admin('plan', 'edit', { name: 'OneConv', 'transcode-cap': 0 })),
      /converted streams: allowed/,
    );
    assert.match(
      text(await admin('plan', 'edit', { name: 'OneConv', 'transcode-cap': 1 })),
      /at most 1 converted at once/,
    );
    const caps = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'plan.edit'));
    assert.deepEqual(
      caps.slice(1).map((e) => [e.before, e.after].map((p) => (p as Plan).transcodeCap)),
      [
        [1, null],
        [null, 1],
      ],
    );
  });

  test('dry run: the admins hear once what would happen, nothing is stopped', async () => {
    await admin('enforcement', 'dry-run', { enabled: true });
    plex.setSessions([plex4kTranscode(playingMovie(alicePlex, 11))]);
    await runNow();
    await until('the dry-run alert', () => alerts().length === 1);
    assert.match(
      text(alerts()[0]!),
      /4K conversion \(original 2160p\), not allowed: would be stopped \(dry run\)/,
    );
    await runNow();
    assert.equal(plex.terminations.length, 0);
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    assert.equal(alerts().length, 1, 'one alert per breach');
    await admin('enforcement', 'dry-run', { enabled: false });
  });

  test('Plex no-4k: the converted 4K original is stopped with the reason; 1080p conversions and 4K direct plays stay', async () => {
    discord.clearRecords();
    plex.setSessions([
      plex4kTranscode(playingMovie(alicePlex, 11)),
      plexHdTranscode(playingMovie(alicePlex, 12)),
      plex4kDirectPlay(playingMovie(alicePlex, 13)),
    ]);
    await runNow();
    assert.equal(plex.terminations.length, 1);
    assert.equal(
      plex.terminations[0]?.reason,
      "4K can't be converted on this server: choose the 1080p version or a player that plays 4K.",
    );
    await until('the DM and the alert', () => discord.dmsTo(ALICE.id).length === 1 && alerts().length === 1);
    assert.match(text(discord.dmsTo(ALICE.id)[0]!), /NoUHD.*does not let the server convert 4K/s);
    assert.match(text(alerts()[0]!), /Movie 11.*4K conversion \(original 2160p\), not allowed: stopped/s);
    await runNow();
    await runNow();
    assert.equal(plex.terminations.length, 1, 'nothing on the next cycles');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    plex.setSessions([]);
  });

  test('Jellyfin none, with a grace: warned first, stopped at its end with the reason on screen', async () => {
    discord.clearRecords();
    jellyfin.setSessions([mediaBrowserHdTranscode(mbSession(BOB_JF, 'jf-1', 'Arrival'))]);
    await runNow();
    await until('the warning', () => discord.dmsTo(BOB.id).length === 1);
    assert.match(text(discord.dmsTo(BOB.id)[0]!), /being converted.*Original/s);
    assert.equal(jellyfin.playstateCommands.length, 0, 'within the grace');
    bot.clock.advance(61 * SECOND);
    await runNow();
    assert.deepEqual(
      jellyfin.playstateCommands.map((c) => c.command),
      ['Stop'],
    );
    assert.match(jellyfin.messages[0]?.text ?? '', /does not include converted streams.*"Original" quality/);
    await until('the DM and the alert', () => discord.dmsTo(BOB.id).length === 2 && alerts().length === 1);
    await runNow();
    assert.equal(jellyfin.playstateCommands.length, 1);
    assert.equal(discord.dmsTo(BOB.id).length, 2);
  });

  test('Jellyfin: a member who switches to the original during the grace is left alone', async () => {
    discord.clearRecords();
    const before = jellyfin.playstateCommands.length;
    const session = mbSession(BOB_JF, 'jf-2', 'Heat');
    jellyfin.setSessions([mediaBrowserHdTranscode(session)]);
    await runNow();
    await until('the warning', () => discord.dmsTo(BOB.id).length === 1);
    jellyfin.setSessions([session]); // now a direct play
    bot.clock.advance(61 * SECOND);
    await runNow();
    assert.equal(jellyfin.playstateCommands.length, before);
    assert.equal(alerts().length, 0);
    jellyfin.setSessions([]);
  });

  test('Emby transcode cap: the newest conversion beyond the cap is stopped, across the member’s streams', async () => {
    // Carol uses Discord in German: /quota says the rule in German, and so does her DM.
    const quota = text(await discord.invoke({ user: CAROL.id, command: 'quota', locale: 'de' }));
    assert.match(quota, /Umgewandelte Streams\nHöchstens 1 gleichzeitig/);
    discord.clearRecords();
    emby.setSessions([mediaBrowser4kTranscode(mbSession(CAROL_EMBY, 'em-1', 'Dune'))]);
    await runNow();
    bot.clock.advance(5 * SECOND);
    emby.setSessions([
      mediaBrowser4kTranscode(mbSession(CAROL_EMBY, 'em-1', 'Dune')),
      mediaBrowserHdTranscode(mbSession(CAROL_EMBY, 'em-2', 'Heat')),
      mbSession(CAROL_EMBY, 'em-3', 'Alien'),
    ]);
    await runNow();
    assert.deepEqual(emby.playstateCommands, [{ sessionId: 'em-2', command: 'Stop' }]);
    assert.match(emby.messages[0]?.text ?? '', /allows 1 converted stream at once/);
    await until('the DM and the alert', () => discord.dmsTo(CAROL.id).length === 1 && alerts().length === 1);
    assert.match(text(alerts()[0]!), /over the transcode cap of 1: stopped/);
    assert.match(
      text(discord.dmsTo(CAROL.id)[0]!),
      /Heat.*umgewandelt.*1 umgewandelten Stream gleichzeitig/s,
    );
  });
});
