// Behaviours of the enforcement cycle that each test below pins, through the real bot against the doubles:
// counting, remembered stops, stops a player ignores, failed re-reads, the owner, servers going down, and the
// download switches (dry run, turning the switch off, the weekly reset fired by the real croner schedule).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { breachEpisodes, stoppedSessions } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, type SessionSpec, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';
import { type FlakyProxy, startFlakyProxy } from '../helpers/flaky-proxy.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const BOB = { id: '230000000000000002', username: 'bob' };
const ERIN = { id: '230000000000000003', username: 'erin' };
const FRAN = { id: '230000000000000004', username: 'fran' };
const GUS = { id: '230000000000000005', username: 'gus' };
const GENERAL = { id: '330000000000000001', name: 'general' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-token-behaviour-1';
const JF_TOKEN = 'jf-key-behaviour-000111';
const JF = {
  erin: 'e0000000000000000000000000000001',
  fran: 'f0000000000000000000000000000001',
  gus: '90000000000000000000000000000001',
};

const bobPlex = { id: 7002, title: 'bob_plex' };
const owner = { id: 1, title: 'the_owner' };

/** A Plex session; `device` is the player's machineIdentifier (one device, one id). */
const plexSession = (
  user: { id: number; title: string },
  key: number,
  device = `dev-${user.id}-${key}`,
): PlexSessionSpec => ({
  user,
  player: {
    state: 'playing',
    device: `Device ${device}`,
    product: 'Plex for Android',
    address: `203.0.113.${key % 250}`,
    machineIdentifier: device,
    title: `Player ${device}`,
  },
  type: 'movie',
  title: `Movie ${key}`,
  sessionKey: String(key),
});

const jfSession = (who: keyof typeof JF, n: number): SessionSpec => ({
  user: { id: JF[who], name: who },
  device: `${who} device ${n}`,
  client: 'Jellyfin Android',
  deviceId: `${who}-dev-${n}`,
  ip: `192.0.2.${n}`,
  item: { name: `Film ${n}`, type: 'Movie' },
});

describe('enforcement behaviour', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: PlexDouble;
  let proxy: FlakyProxy;
  let jelly: JellyfinDouble;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const runNow = async () => text(await admin('enforcement', 'run-now'));
  const quota = async (user: { id: string }) =>
    text(await discord.invoke({ user: user.id, command: 'quota' }));
  const alerts = () => discord.messagesIn(ALERTS.id).map(text);
  const openEpisodes = async () =>
    (await bot.bot.ctx.db.select().from(breachEpisodes)).filter((e) => e.closedAt === null);
  const downloadsAllowed = (who: keyof typeof JF) => {
    const policy = jelly.user(JF[who])?.Policy as { EnableContentDownloading: boolean } | undefined;
    return policy?.EnableContentDownloading;
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, BOB, ERIN, FRAN, GUS],
      channels: [GENERAL, ALERTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([
      { id: 1, name: 'the_owner' },
      { id: 7002, name: 'bob_plex' },
    ]);
    proxy = await startFlakyProxy(plex.url);
    jelly = await startJellyfinDouble({
      token: JF_TOKEN,
      users: [
        { id: JF.erin, name: 'erin' },
        { id: JF.fran, name: 'fran', downloads: true },
        { id: JF.gus, name: 'gus', downloads: true },
      ],
    });
    bot = await startTestBot({ discord, schedule: 'paused' });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: proxy.url, token: PLEX_TOKEN });
    await admin('server', 'add', { platform: 'jellyfin', name: 'Jelly', url: jelly.url, token: JF_TOKEN });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('plan', 'create', {
      name: 'Mobile',
      'stream-cap': 1,
      downloads: true,
      'download-allotment': 1,
    });
    await admin('user', 'link', { member: BOB.id, server: 'PlexMain', account: 'bob_plex' });
    await admin('user', 'plan', { member: BOB.id, plan: 'Solo' });
    // The server owner's Discord account is linked to the owner's Plex account and has a plan of one stream.
    await admin('user', 'link', { member: ADMIN.id, server: 'PlexMain', account: 'the_owner' });
    await admin('user', 'plan', { member: ADMIN.id, plan: 'Solo' });
    await admin('user', 'link', { member: ERIN.id, server: 'Jelly', account: 'erin' });
    await admin('user', 'plan', { member: ERIN.id, plan: 'Solo' });
    for (const m of [FRAN, GUS]) {
      await admin('user', 'link', { member: m.id, server: 'Jelly', account: m.username });
      await admin('user', 'plan', { member: m.id, plan: 'Mobile' });
    }
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [proxy, plex, jelly]) await d?.stop();
  });

  test('/quota counts two sessions of one device (a quality change) once, as enforcement does', async () => {
    // A quality change: the same item on the same player, from the same address, under a new session key.
    const first = plexSession(bobPlex, 101, 'bob-tv');
    const changed = plexSession(bobPlex, 102, 'bob-tv');
    plex.setSessions([
      first,
      { ...changed, title: first.title, player: { ...changed.player, address: first.player?.address } },
    ]);
    const report = await runNow();
    assert.match(report, /Nobody is over their stream cap/);
    assert.equal(plex.terminations.length, 0);
    assert.match(await quota(BOB), /1 of 1 at once/);
  });

  test('the owner’s sessions are never counted, even when the owner is linked and has a plan', async () => {
    plex.setSessions([plexSession(owner, 201), plexSession(owner, 202), plexSession(owner, 203)]);
    const report = await runNow();
    assert.match(report, /Nobody is over their stream cap/);
    assert.equal(plex.terminations.length, 0);
    assert.equal(discord.dmsTo(ADMIN.id).length, 0);
    assert.match(await quota(ADMIN), /0 of 1 at once/);
  });

  test('a stopped session Plex still lists is not counted again, across a restart', async () => {
    const b1 = plexSession(bobPlex, 111);
    const b2 = plexSession(bobPlex, 112);
    plex.setSessions([b1, b2]);
    await runNow();
    assert.equal(plex.terminations.length, 2, 'both of Bob’s streams are stopped');
    assert.equal(discord.dmsTo(BOB.id).length, 1);
    // Plex keeps listing the two stopped sessions (Tracearr #314/#357) while Bob starts one stream: within his cap.
    const b3 = plexSession(bobPlex, 113);
    plex.setSessions([b1, b2, b3]);
    await bot.restart();
    const report = await runNow();
    assert.match(report, /Nobody is over their stream cap/);
    assert.equal(plex.terminations.length, 2, 'Bob is not stopped a second time');
    assert.equal(discord.dmsTo(BOB.id).length, 1);
    assert.match(await quota(BOB), /1 of 1 at once/);
    assert.equal((await bot.bot.ctx.db.select().from(stoppedSessions)).length, 2);
  });

  test('a stopped session is forgotten once Plex no longer lists it, and its key counts again later', async () => {
    plex.setSessions([plexSession(bobPlex, 113)]);
    await runNow();
    assert.equal((await bot.bot.ctx.db.select().from(stoppedSessions)).length, 0);
    // Plex reuses small session keys: a new playback under key 111 is a new stream.
    plex.setSessions([plexSession(bobPlex, 113), plexSession(bobPlex, 111, 'bob-phone')]);
    await runNow();
    assert.equal(plex.terminations.length, 4);
    assert.equal(discord.dmsTo(BOB.id).length, 2, 'a new episode');
    plex.setSessions([]);
    await runNow();
  });

  test('a failed re-read before acting keeps the episode open: no second DM for the same breach', async () => {
    await admin('enforcement', 'dry-run', { enabled: true });
    plex.setSessions([plexSession(bobPlex, 121), plexSession(bobPlex, 122)]);
    await runNow();
    const dms = discord.dmsTo(BOB.id).length;
    assert.equal((await openEpisodes()).length, 1);
    proxy.failSessionRead(2); // the first read of the next cycle works, the confirmation read fails
    const report = await runNow();
    assert.match(report, /Nobody is over their stream cap/, 'no action on a failed confirmation');
    assert.equal((await openEpisodes()).length, 1, 'the episode stays open');
    await runNow();
    assert.equal(discord.dmsTo(BOB.id).length, dms, 'same breach: no second DM');
    plex.setSessions([]);
    await runNow();
    assert.equal((await openEpisodes()).length, 0, 'closed once a read shows Bob within his cap');
    await admin('enforcement', 'dry-run', { enabled: false });
  });

  test('a Jellyfin player that ignores Stop: the alert is updated, and the episode stays open', async () => {
    jelly.setSessions([
      { ...jfSession('erin', 1), ignoresStop: true },
      { ...jfSession('erin', 2), ignoresStop: true },
    ]);
    const alertsBefore = discord.messagesIn(ALERTS.id).length;
    const report = await runNow();
    assert.equal(jelly.playstateCommands.filter((c) => c.command === 'Stop').length, 2);
    assert.match(report, /Over the stream cap: erin, 2 of 1 \(0 stopped, 2 not stopped/);
    const posted = discord.messagesIn(ALERTS.id).slice(alertsBefore);
    assert.equal(posted.length, 1, 'one alert, edited in place');
    const body = text(posted[0]!);
    assert.match(body, /player ignored it: still playing/);
    assert.doesNotMatch(body, /→ stopped/);
    await runNow();
    assert.equal(discord.dmsTo(ERIN.id).length, 1, 'same episode');
    assert.equal((await openEpisodes()).length, 1);
    assert.match(await quota(ERIN), /2 of 1 at once/, 'the streams still count');
  });

  test('while Erin’s server is down her episode stays open, and admins hear once across many cycles', async () => {
    jelly.fault = 'server-error';
    for (let i = 0; i < 3; i++) {
      bot.clock.advance(5 * MINUTE);
      await runNow();
    }
    assert.equal((await openEpisodes()).length, 1, 'a server that was not read proves nothing');
    assert.equal(alerts().filter((a) => /Server unreachable: Jelly/.test(a)).length, 1);
    jelly.fault = null;
    for (let i = 0; i < 2; i++) {
      bot.clock.advance(5 * MINUTE);
      await runNow();
    }
    assert.equal(alerts().filter((a) => /Server back: Jelly/.test(a)).length, 1);
    assert.equal(discord.dmsTo(ERIN.id).length, 1, 'still the same episode');
    jelly.setSessions([]);
    await runNow();
    assert.equal((await openEpisodes()).length, 0);
  });

  const overQuota = () => {
    const at = bot.clock.now();
    for (const who of ['fran', 'gus'] as const) {
      jelly.addActivity(
        { user: { id: JF[who], name: who }, item: { id: `${who}-a`, name: 'Arrival' }, date: at },
        { user: { id: JF[who], name: who }, item: { id: `${who}-b`, name: 'Dune' }, date: at },
      );
    }
  };

  test('dry run for downloads notifies but switches nothing off', async () => {
    // Wednesday 25 November 2026, 12:00 UTC.
    bot.clock.set('2026-11-25T12:00:00Z');
    await admin('enforcement', 'download-allotments', { enabled: true });
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    await admin('enforcement', 'dry-run', { enabled: true });
    overQuota();
    const report = await runNow();
    assert.match(report, /Over the download allotment: fran, 2 of 1/);
    assert.match(report, /Over the download allotment: gus, 2 of 1/);
    assert.equal(jelly.policyUpdates.length, 0);
    assert.equal(downloadsAllowed('fran'), true);
    assert.match(alerts().at(-1)!, /Dry run is on: downloads were not switched off/);
  });

  test('turning switch-off-downloads off switches everyone back on', async () => {
    await admin('enforcement', 'dry-run', { enabled: false });
    bot.clock.advance(5 * MINUTE);
    await runNow();
    assert.equal(downloadsAllowed('fran'), false);
    assert.equal(downloadsAllowed('gus'), false);
    await admin('enforcement', 'switch-off-downloads', { enabled: false });
    assert.equal(downloadsAllowed('fran'), true);
    assert.equal(downloadsAllowed('gus'), true);
  });

  test('the weekly reset fired by the croner schedule switches everyone back on', async () => {
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    bot.clock.advance(5 * MINUTE);
    await runNow();
    assert.equal(downloadsAllowed('fran'), false);
    assert.equal(downloadsAllowed('gus'), false);
    const schedule = bot.bot.schedule;
    assert.ok(schedule, 'the schedule is built (paused: only fire() runs it)');
    bot.clock.set('2026-11-28T23:59:00Z');
    await schedule.fire('weekly-reset');
    assert.equal(downloadsAllowed('fran'), false, 'still Saturday');
    // Sunday 29 November 2026 00:00 UTC: a new week.
    bot.clock.set('2026-11-29T00:00:00Z');
    await schedule.fire('weekly-reset');
    assert.equal(downloadsAllowed('fran'), true);
    assert.equal(downloadsAllowed('gus'), true);
  });

  test('the poll fired by the croner schedule runs a cycle', async () => {
    const schedule = bot.bot.schedule;
    assert.ok(schedule);
    const before = bot.bot.ctx.lastCycle();
    bot.clock.advance(MINUTE);
    await schedule.fire('poll');
    const after = bot.bot.ctx.lastCycle();
    assert.ok(after && after !== before);
    assert.equal(after.startedAt.getTime(), bot.clock.now().getTime());
  });

  test('the embedded database’s hourly maintenance, fired by the croner schedule, checkpoints it', {
    skip: process.env.DATABASE_URL ? 'PostgreSQL runs its own autovacuum and checkpoints' : false,
  }, async () => {
    const schedule = bot.bot.schedule;
    assert.ok(schedule);
    const lsn = async () =>
      (
        (await bot.bot.ctx.db.execute(
          sql`select checkpoint_lsn::text as lsn from pg_control_checkpoint()`,
        )) as unknown as Array<{ lsn: string }>
      )[0]?.lsn;
    const before = await lsn();
    await runNow();
    await schedule.fire('embedded-maintenance');
    assert.notEqual(await lsn(), before);
  });
});
