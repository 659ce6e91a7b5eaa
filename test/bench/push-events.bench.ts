// 10 k push events through the real bot's push channels: Plex `playing` notifications
// and Jellyfin `Sessions` messages that flip the state of a few sessions (playing ↔ paused), so every event is
// one the bot must treat as a possible change. The doubles list what they push, as real servers do, and each
// change asks for an enforcement cycle (as in production: the first of a burst at once, the events that arrive
// while it runs folded into one more). The bot's clock moves 1 s per event, so the run covers about 2.8 hours of
// stream logging (last sightings refreshed every 5 minutes).
// Reported: RSS at start, middle and end (after a GC when run with --expose-gc; target: no growth over 10 %), the
// longest event-loop stall (perf_hooks monitorEventLoopDelay; target ≤ 20 ms), and the database's size on disk
// before and after (PGlite: its data directory; PostgreSQL: pg_database_size), which must stay bounded.
// Each database runs in a process of its own: PGlite always, PostgreSQL too when DATABASE_URL is set.
// Run: npm run bench:push-events
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { DiscordDouble, type DoubleUser } from '../doubles/discord/index.ts';
import { type SessionSpec, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { databaseKind } from '../helpers/db.ts';
import { runChild, sendResult } from './child.ts';
import { mib, ms, type Row, report } from './table.ts';

const EVENTS = Number(process.env.BENCH_PUSH_EVENTS ?? 10_000);
const WARM_UP = 500;
/** Events per burst, and the pause between bursts: 10 k events in about a minute. */
const BURST = 25;
const PAUSE_MS = 150;
const SESSIONS = 3;
const RSS_TOLERANCE = 0.1;
const STALL_TARGET_MS = 20;

const ADMIN: DoubleUser = { id: '260000000000000001', username: 'owner' };
const ALICE: DoubleUser = { id: '260000000000000002', username: 'alice' };
const BOB: DoubleUser = { id: '260000000000000003', username: 'bob' };
const JF_BOB = { id: 'b0b00000000000000000000000000002', name: 'bob' };

const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

async function until(what: string, check: () => boolean, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(10);
  }
}

const plexSession = (n: number, paused: boolean): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
  player: {
    state: paused ? 'paused' : 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n + 1}`,
    machineIdentifier: `alice-device-${n}`,
    title: `Device ${n}`,
  },
  session: { id: `alice-session-${n}` },
  type: 'episode',
  title: `Episode ${n}`,
  grandparentTitle: 'Severance',
  sessionKey: String(100 + n),
});

const jellyfinSession = (n: number, paused: boolean): SessionSpec => ({
  id: `${n}`.padStart(32, 'f'),
  user: JF_BOB,
  device: `TV ${n}`,
  client: 'Jellyfin Android TV',
  deviceId: `bob-device-${n}`,
  ip: `192.0.2.${n + 1}`,
  item: { name: `Film ${n}`, type: 'Movie' },
  paused,
});

function dirSize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stat = statSync(join(dir, name), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

async function databaseSize(bot: TestBot): Promise<number> {
  if (bot.config.databaseUrl === null) return dirSize(bot.config.dataDir);
  const result = await bot.bot.ctx.db.execute<{ size: string }>(
    sql`select pg_database_size(current_database())::text as size`,
  );
  const list = Array.isArray(result) ? result : (result as { rows: { size: string }[] }).rows;
  return Number(list[0]?.size ?? 0);
}

async function streamLogTuples(bot: TestBot): Promise<string> {
  const result = await bot.bot.ctx.db.execute<{ live: number; dead: number }>(
    sql`select n_live_tup::int as live, n_dead_tup::int as dead from pg_stat_user_tables
      where relname = 'stream_log'`,
  );
  const list = Array.isArray(result) ? result : (result as { rows: { live: number; dead: number }[] }).rows;
  return list[0] ? `${list[0].live} live / ${list[0].dead} dead` : 'n/a';
}

interface Stall {
  ms: number;
  /** Statements sent during the stall (PGlite runs each one on this thread). */
  statements: number;
  /** Milliseconds of garbage collection inside the stall. */
  gcMs: number;
}

/**
 * Where the long stalls go: a 10 ms ticker notes each gap over the target, with the SQL statements sent during it
 * and the garbage collection (perf_hooks `gc` entries) that overlapped it.
 */
function watchStalls(statements: () => number): { stop(): Stall[] } {
  const gcs: Array<{ start: number; end: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const found: Array<{ from: number; to: number; statements: number }> = [];
  let last = performance.now();
  let count = statements();
  const ticker = setInterval(() => {
    const now = performance.now();
    const sent = statements();
    if (now - last - 10 > STALL_TARGET_MS) found.push({ from: last, to: now, statements: sent - count });
    last = now;
    count = sent;
  }, 10);
  return {
    stop() {
      clearInterval(ticker);
      observer.disconnect();
      return found.map((f) => ({
        ms: f.to - f.from - 10,
        statements: f.statements,
        gcMs: gcs.reduce((n, g) => n + Math.max(0, Math.min(g.end, f.to) - Math.max(g.start, f.from)), 0),
      }));
    },
  };
}

interface Measured {
  kind: string;
  rss: { start: number; middle: number; end: number };
  loop: { max: number; p99: number; mean: number };
  stalls: Stall[];
  size: { before: number; after: number };
  tuples: { before: string; after: string };
  statements: number;
  plexReads: number;
  jellyfinReads: number;
  /** Stop requests the doubles received: none is due (every member is within the cap), so each is a false stop. */
  falseStops: number;
  seconds: number;
}

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

async function measure(): Promise<Measured> {
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE, BOB] });
  const plex = await startPlexDouble({
    token: 'plex-token-events-01',
    premium: true,
    friendlyName: 'PlexMain',
  });
  plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
  const jellyfin = await startJellyfinDouble({ token: 'jf-key-events-00001', users: [JF_BOB] });
  // The real croner poll on its default schedule; the production reconnect back-off.
  const bot = await startTestBot({ discord, schedule: true, config: { push: true }, push: {} });
  try {
    const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
      discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-events-00001',
    });
    await admin('plan', 'create', { name: 'Family', 'stream-cap': 5, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: BOB.id, server: 'Jelly', account: 'bob' });
    for (const m of [ALICE, BOB]) await admin('user', 'plan', { member: m.id, plan: 'Family' });
    await until(
      'both push sockets open',
      () => plex.push.connections === 1 && jellyfin.push.connections === 1,
      10_000,
    );

    const plexPaused = Array.from({ length: SESSIONS }, () => false);
    const jfPaused = Array.from({ length: SESSIONS }, () => false);
    plex.setSessions(plexPaused.map((p, n) => plexSession(n, p)));
    jellyfin.setSessions(jfPaused.map((p, n) => jellyfinSession(n, p)));
    await bot.bot.ctx.runCycleNow();

    /** Event i flips one session's state on one server, lists it, and pushes it. */
    const event = (i: number) => {
      const n = Math.floor(i / 2) % SESSIONS;
      bot.clock.advance(1000);
      if (i % 2 === 0) {
        plexPaused[n] = !plexPaused[n];
        plex.setSessions(plexPaused.map((p, k) => plexSession(k, p)));
        plex.push.playing(String(100 + n), plexPaused[n] ? 'paused' : 'playing');
      } else {
        jfPaused[n] = !jfPaused[n];
        jellyfin.push.sessions(jellyfin.setSessions(jfPaused.map((p, k) => jellyfinSession(k, p))));
      }
    };
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i += BURST) {
        for (let j = i; j < Math.min(to, i + BURST); j++) event(j);
        await sleep(PAUSE_MS);
      }
    };
    /** Waits for the last event's cycles to end, then joins or runs one cycle. */
    const settle = async () => {
      await sleep(1000);
      await bot.bot.ctx.runCycleNow();
    };

    await feed(-WARM_UP, 0);
    await settle();
    const sizeBefore = await databaseSize(bot);
    const tuplesBefore = await streamLogTuples(bot);
    const statementsBefore = bot.bot.database.statements();
    const readsBefore = [plex, jellyfin].map(
      (d) => d.requests.filter((r) => /sessions$/i.test(r.path)).length,
    );
    // One delay histogram per half: the RSS reading in the middle (a forced GC with --expose-gc) is not the bot's.
    const halves = [monitorEventLoopDelay({ resolution: 10 }), monitorEventLoopDelay({ resolution: 10 })];
    const start = rss();
    const stalls = watchStalls(() => bot.bot.database.statements());
    const wall = performance.now();
    halves[0]!.enable();
    await feed(0, EVENTS / 2);
    halves[0]!.disable();
    const middle = rss();
    halves[1]!.enable();
    await feed(EVENTS / 2, EVENTS);
    await settle();
    halves[1]!.disable();
    const stallList = stalls.stop();
    const seconds = (performance.now() - wall) / 1000;
    const end = rss();

    const reads = [plex, jellyfin].map(
      (d, i) => d.requests.filter((r) => /sessions$/i.test(r.path)).length - readsBefore[i]!,
    );
    return {
      kind: databaseKind(),
      rss: { start, middle, end },
      loop: {
        max: Math.max(...halves.map((h) => h.max)) / 1e6,
        p99: Math.max(...halves.map((h) => h.percentile(99))) / 1e6,
        mean: (halves[0]!.mean + halves[1]!.mean) / 2e6,
      },
      stalls: stallList,
      size: { before: sizeBefore, after: await databaseSize(bot) },
      tuples: { before: tuplesBefore, after: await streamLogTuples(bot) },
      statements: bot.bot.database.statements() - statementsBefore,
      plexReads: reads[0]!,
      jellyfinReads: reads[1]!,
      falseStops:
        plex.terminations.length +
        jellyfin.playstateCommands.filter((c) => c.command.toLowerCase() === 'stop').length,
      seconds,
    };
  } finally {
    await bot.stop();
    await plex.stop();
    await jellyfin.stop();
    await discord.stop();
  }
}

/** "3 stalls over 50 ms: 2 while SQL ran, GC 64 ms in 1": where the time of the long stalls went. */
function stallNotes(stalls: Stall[]): string {
  if (stalls.length === 0) return `no stall over ${STALL_TARGET_MS} ms`;
  const withSql = stalls.filter((s) => s.statements > 0).length;
  const withGc = stalls.filter((s) => s.gcMs >= 10);
  const gcMs = withGc.reduce((n, s) => n + s.gcMs, 0);
  return (
    `${stalls.length} stall(s) over ${STALL_TARGET_MS} ms (${stalls.map((s) => s.ms.toFixed(0)).join(', ')} ms): ` +
    `${withSql} while SQL statements ran, ${withGc.length} with GC (${gcMs.toFixed(0)} ms of GC in all)`
  );
}

function rowsFor(m: Measured): Row[] {
  const tag = `[${m.kind}]`;
  const change = (rss: number) => rss / m.rss.start - 1;
  // A leak grows: RSS falling after the start (memory the set-up used, handed back late) is not judged.
  const growth = Math.max(change(m.rss.middle), change(m.rss.end));
  const pct = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)} %`;
  const sizeGrowth = m.size.after - m.size.before;
  return [
    {
      measurement: `${tag} RSS over ${EVENTS} push events (start / middle / end)`,
      figure: `${mib(m.rss.start)} / ${mib(m.rss.middle)} / ${mib(m.rss.end)}`,
      target: `no growth over ${RSS_TOLERANCE * 100} %`,
      met: growth <= RSS_TOLERANCE,
      notes:
        `${pct(change(m.rss.middle))} / ${pct(change(m.rss.end))} from the start, ` +
        `${pct(m.rss.end / m.rss.middle - 1)} middle to end; the whole process (bot and doubles); ${m.seconds.toFixed(0)} s`,
    },
    {
      measurement: `${tag} longest event-loop stall over ${EVENTS} push events`,
      figure: ms(m.loop.max),
      target: `≤ ${STALL_TARGET_MS} ms`,
      met: m.loop.max <= STALL_TARGET_MS,
      notes:
        `p99 ${ms(m.loop.p99)} (of the worse half); ${stallNotes(m.stalls)}; ` +
        `${m.plexReads} Plex and ${m.jellyfinReads} Jellyfin session reads, ${m.statements} statements`,
    },
    {
      measurement: `${tag} false stops over ${EVENTS} push events`,
      figure: String(m.falseStops),
      target: '0',
      met: m.falseStops === 0,
      notes: 'stop requests at the doubles; every member streams within the cap, pausing and resuming',
    },
    {
      measurement: `${tag} database size on disk over ${EVENTS} push events`,
      figure: `${mib(m.size.before)} → ${mib(m.size.after)}`,
      target: 'bounded (no per-event rows)',
      met: sizeGrowth <= 8 * 2 ** 20,
      notes: `+${mib(sizeGrowth)}; stream_log ${m.tuples.before} → ${m.tuples.after}`,
    },
  ];
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const wall = performance.now();
  const { DATABASE_URL, ...withoutUrl } = process.env;
  const runs = [await runChild<Measured>(self, ['--child'], withoutUrl)];
  if (DATABASE_URL) runs.push(await runChild<Measured>(self, ['--child']));
  report(
    `Push-events bench, ${EVENTS} events after ${WARM_UP} to warm up, ${((performance.now() - wall) / 1000).toFixed(0)} s in all`,
    runs.flatMap(rowsFor),
  );
}

if (process.argv.includes('--child')) sendResult(await measure());
else await main();
