// The SQL statements of one enforcement cycle do not grow with the number of streams, and a steady
// stream does not rewrite its stream_log row every cycle (the dead-row churn that grew PGlite's files).
// Statements are counted exactly through the database's driver (Database.statements), never timed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asc, sql } from 'drizzle-orm';
import { downloads, sharingPlaces, streamLog } from '../../src/db/schema.ts';
import { LAST_SEEN_REFRESH_MS } from '../../src/db/stream-log.ts';
import { PLACE_REFRESH_MS } from '../../src/sense/places.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexActivitySpec, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const GENERAL = { id: '310000000000000001', name: 'general' };

const session = (round: number, n: number): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
  player: {
    state: 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n + 1}`,
    machineIdentifier: `dev-${round}-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(round * 1000 + n),
});

const download = (round: number, n: number, progress: number): PlexActivitySpec => ({
  uuid: `dl-${round}-${n}`,
  type: 'media.download',
  userID: 7001,
  subtitle: `Episode ${n}`,
  progress,
});

describe('statements per cycle', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });

  /** Statements sent during one cycle. */
  async function cycle(): Promise<number> {
    const before = bot.bot.database.statements();
    await bot.bot.ctx.runCycleNow();
    return bot.bot.database.statements() - before;
  }

  /** Row versions of stream_log: a rewritten row gets a new xmin. */
  const rowVersions = () =>
    bot.bot.ctx.db
      .select({ id: streamLog.id, xmin: sql<string>`xmin::text` })
      .from(streamLog)
      .orderBy(asc(streamLog.id));

  /**
   * One session life cycle with `count` streams: they appear, stay unchanged, stay past the refresh interval,
   * one changes state, and all end. Returns the statements of each cycle.
   */
  async function lifeCycle(round: number, count: number): Promise<number[]> {
    const specs = Array.from({ length: count }, (_, n) => session(round, n));
    plex.setSessions(specs);
    const counts = [await cycle()];
    bot.clock.advance(MINUTE);
    const versions = await rowVersions();
    counts.push(await cycle());
    assert.deepEqual(await rowVersions(), versions, 'an unchanged stream does not rewrite its row');
    bot.clock.advance(LAST_SEEN_REFRESH_MS);
    counts.push(await cycle());
    bot.clock.advance(MINUTE);
    plex.setSessions(specs.map((s, n) => (n === 0 ? { ...s, player: { ...s.player, state: 'paused' } } : s)));
    counts.push(await cycle());
    bot.clock.advance(MINUTE);
    counts.push(await cycle());
    const lastSighting = bot.clock.now();
    bot.clock.advance(MINUTE);
    plex.setSessions([]);
    counts.push(await cycle());
    const rows = await bot.bot.ctx.db.select().from(streamLog).orderBy(asc(streamLog.id));
    const mine = rows.filter((r) => r.sessionKey.startsWith(String(round)) && r.sessionKey.length === 4);
    assert.equal(mine.length, count, 'one row per session');
    for (const r of mine) {
      assert.equal(
        r.lastSeenAt.toISOString(),
        lastSighting.toISOString(),
        'the last sighting is kept when it ends',
      );
    }
    assert.deepEqual(
      mine.map((r) => r.state),
      specs.map((_, n) => (n === 0 ? 'paused' : 'playing')),
    );
    bot.clock.advance(20 * MINUTE);
    return counts;
  }

  /**
   * `count` downloads of one member: they appear, are seen again still incomplete two hours later, complete, and
   * go away. Returns the statements of each cycle, and checks the folded rows (earliest start, latest incomplete
   * sighting, as src/policy/downloads.ts folds them).
   */
  async function downloadLife(round: number, count: number): Promise<number[]> {
    const specs = (progress: number) => Array.from({ length: count }, (_, n) => download(round, n, progress));
    const first = bot.clock.now();
    plex.setActivities(specs(10));
    const counts = [await cycle()];
    bot.clock.advance(2 * HOUR);
    const stillIncomplete = bot.clock.now();
    plex.setActivities(specs(60));
    counts.push(await cycle());
    bot.clock.advance(MINUTE);
    plex.setActivities(specs(100));
    counts.push(await cycle());
    bot.clock.advance(MINUTE);
    plex.setActivities([]);
    counts.push(await cycle());
    const rows = (await bot.bot.ctx.db.select().from(downloads)).filter((r) =>
      r.downloadKey.startsWith(`dl-${round}-`),
    );
    assert.equal(rows.length, count, 'one row per download');
    for (const r of rows) {
      assert.equal(r.startedAt.toISOString(), first.toISOString(), 'the first sighting is the start');
      assert.equal(r.lastSeenIncompleteAt?.toISOString(), stillIncomplete.toISOString());
      assert.ok(r.memberId !== null, 'attributed to the member');
    }
    bot.clock.advance(HOUR);
    return counts;
  }

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [GENERAL] });
    plex = await startPlexDouble({ token: 'plex-token-aaaa1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    // The outbox runner off: its polling between cycles would be counted in whichever cycle it overlaps.
    bot = await startTestBot({ discord, outboxIntervalMs: 0 });
    await admin('server', 'add', {
      platform: 'plex',
      name: 'PlexMain',
      url: plex.url,
      token: 'plex-token-aaaa1111',
    });
    await admin('plan', 'create', { name: 'Wide', 'stream-cap': 50, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Wide' });
    // Settle what a first cycle learns once (the account id of the link).
    plex.setSessions([session(9, 0)]);
    await cycle();
    plex.setSessions([]);
    await cycle();
    bot.clock.advance(20 * MINUTE);
  });

  after(async () => {
    await bot?.stop();
    await plex?.stop();
    await discord?.stop();
  });

  test('1 and 20 streams cost the same statements in every phase of their life', async () => {
    const one = await lifeCycle(1, 1);
    const twenty = await lifeCycle(2, 20);
    assert.deepEqual(twenty, one);
    // The steady cycle writes nothing to stream_log; the new, refreshed, changed and ended cycles write once.
    assert.equal(one[0], one[1]! + 2, 'new streams: one select and one insert more than a steady cycle');
  });

  test('1 and 20 downloads cost the same statements: one upsert per server read', async () => {
    // Settle what a first download teaches the bot once, as before() does for streams.
    await downloadLife(3, 1);
    const none = await cycle();
    const one = await downloadLife(4, 1);
    const twenty = await downloadLife(5, 20);
    assert.deepEqual(twenty, one);
    assert.equal(one[0], none + 1, 'new downloads: one statement more than a cycle without any');
    assert.equal(one[1], none + 1, 'known downloads: the same one statement');
  });

  test('sharing signals on: 1 and 15 streams from as many networks cost the same statements', async () => {
    // Each stream from its own public network (a /24 each), so each is a place of its own.
    const fromNetworks = (round: number, count: number) =>
      Array.from({ length: count }, (_, n) => {
        const s = session(round, n);
        return { ...s, player: { ...s.player, address: `81.${round}.${n}.9` } };
      });
    const life = async (round: number, count: number) => {
      plex.setSessions(fromNetworks(round, count));
      const counts = [await cycle()];
      bot.clock.advance(MINUTE);
      counts.push(await cycle());
      bot.clock.advance(PLACE_REFRESH_MS);
      counts.push(await cycle());
      plex.setSessions([]);
      counts.push(await cycle());
      bot.clock.advance(20 * MINUTE);
      return counts;
    };
    const off = await life(6, 15);
    // No more networks in the day than the plan's households, so no flag is raised and only the places are written
    // and read.
    await admin('plan', 'edit', { name: 'Wide', households: 20 });
    const one = await life(7, 1);
    const fifteen = await life(8, 15);
    assert.deepEqual(fifteen, one);
    const places = await bot.bot.ctx.db.select().from(sharingPlaces);
    assert.equal(places.length, 16, 'one place per network, none while the rule was off');
    assert.deepEqual(
      fifteen.map((n, i) => n - off[i]!),
      [2, 0, 2, 0],
      'new places and places seen again: one upsert and one read; a steady cycle nothing',
    );
    await admin('plan', 'edit', { name: 'Wide', households: 0 });
  });
});
