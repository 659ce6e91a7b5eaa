// The plan's paused limit through the real bot, against Plex, Jellyfin and Emby doubles. The state the bot reads is
// what the servers send: Plex `Player state="paused"` in `/status/sessions` (python-plexapi
// `PlexSession.player.state`: "playing", "paused", "buffering"; the Plex double's fixtures in plex-payloads.ts),
// Jellyfin `PlayState.IsPaused` on `GET /Sessions` (@jellyfin/sdk `PlayerStateInfo.IsPaused`; mediabrowser-activity.ts),
// and Emby the same field on its `GET /Sessions` (Emby 4.8.11 OpenAPI `Session.SessionInfo.PlayState` →
// `PlayerStateInfo.IsPaused`, emby-schema.ts, which the Emby fixtures in mediabrowser-activity.ts satisfy).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { streamToJson } from '../../src/db/live-sessions.ts';
import { auditLog, mediaServers, members, outbox, type Plan } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '220000000000000001', username: 'owner' };
const ALICE = { id: '220000000000000002', username: 'alice' };
const BOB = { id: '220000000000000003', username: 'bob' };
const ALERTS = { id: '320000000000000002', name: 'alerts' };
const alicePlex = { id: 7101, title: 'alice_plex' };
const bobPlex = { id: 7102, title: 'bob_plex' };
const ALICE_JF = { id: 'a1ce0000000000000000000000000011', name: 'alice' };
const ALICE_EMBY = { id: '71', name: 'alice' };

const paused = (user: { id: number; title: string }, key: number) => {
  const s = playingMovie(user, key);
  return { ...s, player: { ...s.player, state: 'paused' } };
};

describe('paused limit', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  const session = adminSession(() => discord, ADMIN.id);
  const { admin, runNow } = session;
  const alerts = () => discord.messagesIn(ALERTS.id);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB],
      channels: [{ id: '320000000000000001', name: 'general' }, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-pppp1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([
      { id: alicePlex.id, name: alicePlex.title },
      { id: bobPlex.id, name: bobPlex.title },
    ]);
    jellyfin = await startJellyfinDouble({ token: 'jf-key-pppp2222qqqq', users: [ALICE_JF] });
    emby = await startEmbyDouble({ token: 'emby-key-pppp3333', users: [ALICE_EMBY] });
    bot = await startTestBot({ discord });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-pppp2222qqqq',
    });
    await admin('server', 'add', {
      platform: 'emby',
      name: 'Emby',
      url: emby.url,
      token: 'emby-key-pppp3333',
    });
    const created = await admin('plan', 'create', {
      name: 'Pause20',
      'stream-cap': 1,
      downloads: false,
      'paused-limit': 20,
    });
    assert.match(text(created), /paused streams: stopped after 20 min/);
    await admin('plan', 'create', { name: 'Roomy', 'stream-cap': 1, downloads: false });
    const edited = await admin('plan', 'edit', {
      name: 'Roomy',
      'paused-limit': 20,
      'paused-action': 'uncount',
    });
    assert.match(text(edited), /paused streams: no longer counted after 20 min/);
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: alicePlex.title });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'link', { member: ALICE.id, server: 'Emby', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Pause20' });
    await admin('user', 'link', { member: BOB.id, server: 'PlexMain', account: bobPlex.title });
    await admin('user', 'plan', { member: BOB.id, plan: 'Roomy' });
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

  test('/quota and /plan list show the rule; an edit is audited', async () => {
    const quota = await discord.invoke({ user: ALICE.id, command: 'quota' });
    assert.match(text(quota), /Paused streams\nStopped after 20 min/);
    const list = await admin('plan', 'list');
    assert.match(text(list), /Paused streams: no longer counted after 20 min/);
    const edits = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'plan.edit'));
    assert.deepEqual(
      edits.map((e) => [e.before, e.after].map((p) => (p as Plan).pausedAction)),
      [['stop', 'uncount']],
    );
  });

  test('dry run: past the limit the admins hear once what would happen, nothing is stopped', async () => {
    await admin('enforcement', 'dry-run', { enabled: true });
    plex.setSessions([paused(alicePlex, 11)]);
    await runNow(); // the pause starts now
    bot.clock.advance(21 * MINUTE);
    await runNow();
    await until('the dry-run alert', () => alerts().length === 1);
    assert.match(text(alerts()[0]!), /would be stopped \(dry run\)/);
    await runNow();
    assert.equal(plex.terminations.length, 0);
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    assert.equal(alerts().length, 1, 'one alert per pause');
  });

  test('Plex: a stream paused past the limit is stopped with a message, one DM, one alert, once', async () => {
    await admin('enforcement', 'dry-run', { enabled: false });
    discord.clearRecords();
    await runNow();
    assert.equal(plex.terminations.length, 1);
    assert.match(plex.terminations[0]?.reason ?? '', /paused for more than 20 min/);
    await until('the DM and the alert', () => discord.dmsTo(ALICE.id).length === 1 && alerts().length === 1);
    assert.match(text(discord.dmsTo(ALICE.id)[0]!), /Pause20.*paused for more than 20 min/s);
    assert.match(text(alerts()[0]!), /stopped/);
    bot.clock.advance(MINUTE);
    await runNow();
    await runNow();
    assert.equal(plex.terminations.length, 1, 'nothing on the next cycles');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
  });

  test('Jellyfin: the same, through PlayState.IsPaused; a pause shorter than the limit is left alone', async () => {
    plex.setSessions([]);
    discord.clearRecords();
    jellyfin.setSessions([
      {
        user: ALICE_JF,
        device: 'Living room TV',
        client: 'Jellyfin Android TV',
        deviceId: 'jf-tv',
        ip: '192.0.2.10',
        item: { name: 'Arrival', type: 'Movie' },
        paused: true,
      },
    ]);
    await runNow();
    bot.clock.advance(19 * MINUTE);
    await runNow();
    assert.equal(jellyfin.playstateCommands.length, 0, '19 minutes: within the limit');
    bot.clock.advance(2 * MINUTE);
    await runNow();
    assert.deepEqual(
      jellyfin.playstateCommands.map((c) => c.command),
      ['Stop'],
    );
    assert.equal(jellyfin.messages.length, 1);
    await until('the DM and the alert', () => discord.dmsTo(ALICE.id).length === 1 && alerts().length === 1);
    await runNow();
    assert.equal(jellyfin.playstateCommands.length, 1);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
  });

  test('Emby: the same, through PlayState.IsPaused; playing again in time resets the pause', async () => {
    jellyfin.setSessions([]);
    discord.clearRecords();
    const session = (paused: boolean) => ({
      id: 'e3b70000000000000000000000000031',
      user: ALICE_EMBY,
      device: 'Bedroom Roku',
      client: 'Emby for Roku',
      deviceId: 'em-roku',
      ip: '192.0.2.30',
      item: { name: 'Solaris', type: 'Movie' as const },
      paused,
    });
    emby.setSessions([session(true)]);
    await runNow(); // the pause starts now
    bot.clock.advance(15 * MINUTE);
    emby.setSessions([session(false)]);
    await runNow(); // playing again: the pause is over
    emby.setSessions([session(true)]);
    await runNow(); // a new pause starts now
    bot.clock.advance(15 * MINUTE);
    await runNow();
    assert.equal(emby.playstateCommands.length, 0, '30 minutes paused in all, but never 20 in one go');
    bot.clock.advance(6 * MINUTE);
    await runNow();
    assert.deepEqual(
      emby.playstateCommands.map((c) => [c.sessionId, c.command]),
      [['e3b70000000000000000000000000031', 'Stop']],
    );
    assert.equal(emby.messages.length, 1);
    assert.match(emby.messages[0]?.text ?? '', /paused for more than 20 min/);
    await until('the DM and the alert', () => discord.dmsTo(ALICE.id).length === 1 && alerts().length === 1);
    assert.match(text(discord.dmsTo(ALICE.id)[0]!), /Pause20.*paused for more than 20 min/s);
    await runNow();
    assert.equal(emby.playstateCommands.length, 1, 'once per pause');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    emby.setSessions([]);
  });

  test('a retry after a crash between a stop and its notices tells the member once; pressing play in time wins', async () => {
    const { db } = bot.bot.ctx;
    const [server] = await db.select().from(mediaServers).where(eq(mediaServers.name, 'PlexMain'));
    const [alice] = await db.select().from(members).where(eq(members.discordUserId, ALICE.id));
    assert.ok(server && alice);
    plex.setSessions([playingMovie(alicePlex, 42)]);
    const [resumed] = await bot.bot.ctx.media.forRow(server).listStreams();
    assert.ok(resumed);
    discord.clearRecords();
    const terminations = plex.terminations.length;
    // `attempts` as the outbox left them: 1 is a claim taken over from an instance that died during its attempt.
    const queue = (key: string, attempts: number) =>
      db.insert(outbox).values({
        key: `paused-stop:${server.id}:${key}:0`,
        kind: 'paused-stop',
        groupKey: `paused-stop:${server.id}:${key}:0`,
        attempts,
        dueAt: bot.clock.now(),
        payload: {
          memberId: alice.id,
          serverId: server.id,
          stream: streamToJson({ ...resumed, key, title: `Movie ${key}` }),
          notice: {
            memberName: 'alice',
            discordUserId: ALICE.id,
            planName: 'Pause20',
            server: 'PlexMain',
            device: resumed.device,
            title: `Movie ${key}`,
            limitMinutes: 20,
            pausedSince: new Date(0).toISOString(),
          },
          dm: true,
        },
      });
    await queue('43', 1); // stopped by the attempt that died: gone now
    await queue('44', 0); // a first attempt finding it gone: the member ended it
    await queue('42', 0); // playing again
    await bot.bot.ctx.effects.drain();
    await until('the retried stop’s DM', () => discord.dmsTo(ALICE.id).length === 1);
    await bot.bot.ctx.effects.drain();
    const outcomes = await db
      .select({ key: outbox.key, result: outbox.result })
      .from(outbox)
      .where(eq(outbox.kind, 'paused-stop'));
    const outcomeOf = (key: string) =>
      (outcomes.find((o) => o.key === `paused-stop:${server.id}:${key}:0`)?.result as { outcome?: string })
        ?.outcome;
    assert.deepEqual(['43', '44', '42'].map(outcomeOf), ['stopped', 'already-ended', 'resumed']);
    assert.equal(plex.terminations.length, terminations, 'nothing to stop: gone, or playing');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.match(text(discord.dmsTo(ALICE.id)[0]!), /Movie 43/);
    assert.equal(alerts().length, 1);
  });

  test('uncount: a long pause stops counting, so a second stream plays without a breach', async () => {
    jellyfin.setSessions([]);
    discord.clearRecords();
    plex.setSessions([paused(bobPlex, 21)]);
    await runNow();
    bot.clock.advance(21 * MINUTE);
    plex.setSessions([paused(bobPlex, 21), playingMovie(bobPlex, 22)]);
    const before = plex.terminations.length;
    const report = await runNow();
    assert.doesNotMatch(report, /Over the stream cap/);
    assert.equal(plex.terminations.length, before);
    assert.match(text(await discord.invoke({ user: BOB.id, command: 'quota' })), /1 of 1 at once/);
    // Pressing play again makes it count: two of one, and the cap is enforced.
    plex.setSessions([playingMovie(bobPlex, 21), playingMovie(bobPlex, 22)]);
    assert.match(await runNow(), /Over the stream cap: bob, 2 of 1/);
    assert.equal(plex.terminations.length, before + 2);
    assert.equal(discord.dmsTo(BOB.id).length, 1, 'the breach DM, nothing about pauses');
  });
});
