// Enforcement cycles at scale, the bot's process alone (the Plex doubles run in a process of their own,
// doubles-host.ts; the fleet is fleet.ts: 5 members per server, each streaming 5 at once on a cap of 5, one paused).
//   scale   200 servers × 25 streams on the run's database: the longest event-loop stall in one cycle, steady and
//           with new breaches (5 members a cycle start a 6th stream, stopped as the newest), the CPU per stream per
//           cycle (process.cpuUsage, user + system), and the same steady cycles with every enforcement rule on.
//   memory  20 servers × 25 streams (500 streams) cycled BENCH_MEMORY_CYCLES times (2,000: the slope is extrapolated
//           to 10,000 cycles): the memory of the whole bot (this process's RSS after a GC, plus on PostgreSQL the
//           proportional set size of the backends serving its connections) and the database's growth on disk. Each
//           cycle ends one stream and starts another, and the bot's clock moves a minute. PGlite always, PostgreSQL
//           too when DATABASE_URL is set.
// Each part runs in a process of its own. Run: npm run bench:cycles
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { maintainEmbedded } from '../../src/engine/maintenance.ts';
import { MINUTE } from '../helpers/clock.ts';
import { databaseKind } from '../helpers/db.ts';
import { runChild, sendResult } from './child.ts';
import { enableEveryRule, type Fleet, STREAMS_PER_SERVER, startFleet } from './fleet.ts';
import { mib, ms, quantile, type Row, report } from './table.ts';

const SCALE_SERVERS = Number(process.env.BENCH_SCALE_SERVERS ?? 200);
const MEMORY_SERVERS = 20;
const MEMORY_CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 2000);
/** Cycles run before the first memory sample (one bot-clock minute each). */
const WARM_UP_CYCLES = 120;
const EXTRAPOLATE_TO = 10_000;
const MEASURED = 10;
const NEW_BREACHES = 5;
const STALL_TARGET_MS = 20;
const CPU_TARGET_US = 50;
const RULES_TARGET = 0.1;
const MEMORY_TARGET = { pglite: 350 * 2 ** 20, postgres: 200 * 2 ** 20 };
const GROWTH_TARGET_MB = 10;

async function rowsOf<T>(db: Fleet['bot']['bot']['ctx']['db'], query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

interface CycleStats {
  /** Longest event-loop stall of each cycle, ms. */
  stalls: number[];
  walls: number[];
  /** CPU (user + system) of all the cycles, µs. */
  cpu: number;
  statements: number;
  gcMs: number;
}

/** Runs `count` cycles (after `prepare(i)`), each on its own event-loop histogram; the clock moves 5 minutes each. */
const progress = (what: string) =>
  console.error(`[cycles bench ${new Date().toISOString().slice(11, 19)}] ${what}`);

async function cycles(
  fleet: Fleet,
  count: number,
  prepare?: (i: number) => Promise<void>,
): Promise<CycleStats> {
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  const stats: CycleStats = { stalls: [], walls: [], cpu: 0, statements: 0, gcMs: 0 };
  const statements = fleet.bot.bot.database.statements();
  for (let i = 0; i < count; i++) {
    await prepare?.(i);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    const cpu = process.cpuUsage();
    const start = performance.now();
    loop.enable();
    await fleet.bot.bot.ctx.runCycleNow();
    loop.disable();
    stats.walls.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    stats.cpu += used.user + used.system;
    stats.stalls.push(loop.max / 1e6);
    fleet.bot.clock.advance(5 * MINUTE);
  }
  observer.disconnect();
  progress(`${count} cycles, median ${ms(quantile(stats.walls, 0.5))}`);
  stats.statements = fleet.bot.bot.database.statements() - statements;
  stats.gcMs = gcMs;
  return stats;
}

interface ScaleResult {
  steady: CycleStats;
  breaches: CycleStats;
  rulesOn: CycleStats;
  rules: string[];
  stops: number;
}

async function scale(): Promise<ScaleResult> {
  progress(`starting ${SCALE_SERVERS} servers`);
  const fleet = await startFleet(SCALE_SERVERS);
  progress('fleet ready');
  try {
    await cycles(fleet, 3);
    const steady = await cycles(fleet, MEASURED);
    const stopsBefore = (await fleet.host.stops()).flat().length;
    const breaches = await cycles(fleet, MEASURED, async (i) => {
      for (let b = 0; b < NEW_BREACHES; b++) {
        const s = (i * NEW_BREACHES + b * 37) % SCALE_SERVERS;
        const list = fleet.slots[s]!;
        await fleet.host.set(s, [...list, { account: list[(i % 5) * 5]!.account, key: 5000 + i }]);
      }
    });
    const stops = (await fleet.host.stops()).flat().length - stopsBefore;
    const rules = await enableEveryRule(fleet.bot);
    await cycles(fleet, 3);
    const rulesOn = await cycles(fleet, MEASURED);
    return { steady, breaches, rulesOn, rules, stops };
  } finally {
    await fleet.stop();
  }
}

function dirSize(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stat = statSync(join(dir, name), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

/** The proportional set size (else the RSS) of a local process, bytes; null when it cannot be read. */
function processMemory(pid: number): number | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (pss) return Number(pss[1]) * 1024;
  } catch {
    // Not readable: try the status file.
  }
  try {
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return rss ? Number(rss[1]) * 1024 : null;
  } catch {
    return null;
  }
}

interface MemorySample {
  cycle: number;
  bot: number;
  /** PostgreSQL backends serving the bot, null on PGlite or when not measurable (server not on this machine). */
  backends: number | null;
  backendCount: number;
}

interface MemoryResult {
  kind: 'pglite' | 'postgres';
  samples: MemorySample[];
  size: { before: number; after: number };
  /** PGlite's data directory (tables, indexes and write-ahead log); null on PostgreSQL. */
  folder: { before: number | null; after: number | null };
  cycles: number;
  seconds: number;
}

async function memory(): Promise<MemoryResult> {
  const fleet = await startFleet(MEMORY_SERVERS);
  const { bot } = fleet;
  const db = bot.bot.ctx.db;
  // The database's own size on both (its tables and indexes: pg_database_size); on PGlite the data directory too,
  // whose write-ahead log the hourly checkpoint recycles (src/engine/maintenance.ts) rather than growing with the data.
  const size = async () =>
    Number(
      (await rowsOf<{ size: string }>(db, sql`select pg_database_size(current_database())::text as size`))[0]
        ?.size ?? 0,
    );
  const folder = () => (bot.config.databaseUrl === null ? dirSize(bot.config.dataDir) : null);
  const sample = async (cycle: number): Promise<MemorySample> => {
    (globalThis as { gc?: () => void }).gc?.();
    let backends: number | null = null;
    let backendCount = 0;
    if (bot.config.databaseUrl !== null) {
      const pids = await rowsOf<{ pid: number }>(
        db,
        sql`select pid from pg_stat_activity where datname = current_database()`,
      );
      backendCount = pids.length;
      const each = pids.map((p) => processMemory(Number(p.pid)));
      backends = each.every((m) => m !== null) ? each.reduce<number>((n, m) => n + m!, 0) : null;
    }
    return { cycle, bot: process.memoryUsage().rss, backends, backendCount };
  };
  try {
    // One stream ends and another starts on one server; another stream is paused or resumed.
    const churn = async (c: number) => {
      const s = c % MEMORY_SERVERS;
      const list = fleet.slots[s]!;
      const n = (c * 7) % STREAMS_PER_SERVER;
      list[n] = { ...list[n]!, key: 10_000 + c };
      const m = (n + 11) % STREAMS_PER_SERVER;
      list[m] = { ...list[m]!, paused: !list[m]!.paused };
      await fleet.host.set(s, list);
      await bot.bot.ctx.runCycleNow();
      bot.clock.advance(MINUTE);
      // The embedded database's hourly job (src/jobs/jobs.ts runs it on the wall clock), every 60 bot minutes.
      if (bot.config.databaseUrl === null && c % 60 === 0) await maintainEmbedded(db);
    };
    // Warm-up: the first two hours of the bot's clock (two hourly maintenances, and the heaps grown to the size
    // this work keeps them at), so the samples are of the steady state rather than of the start.
    // (Numbered after the measured cycles, so their new sessions' keys are their own.)
    for (let c = MEMORY_CYCLES + 1; c <= MEMORY_CYCLES + WARM_UP_CYCLES; c++) await churn(c);
    const before = await size();
    const folderBefore = folder();
    const samples = [await sample(0)];
    const wall = performance.now();
    for (let c = 1; c <= MEMORY_CYCLES; c++) {
      await churn(c);
      if (c % (MEMORY_CYCLES / 20) === 0) {
        samples.push(await sample(c));
        progress(`memory: ${c} cycles, ${mib(samples.at(-1)!.bot)}`);
      }
    }
    return {
      kind: databaseKind(),
      samples,
      size: { before, after: await size() },
      folder: { before: folderBefore, after: folder() },
      cycles: MEMORY_CYCLES,
      seconds: (performance.now() - wall) / 1000,
    };
  } finally {
    await fleet.stop();
  }
}

const perStream = (s: CycleStats, servers: number) => s.cpu / (servers * STREAMS_PER_SERVER * s.walls.length);

function scaleRows(kind: string, r: ScaleResult): Row[] {
  const size = `${SCALE_SERVERS} servers × ${STREAMS_PER_SERVER} streams`;
  const stallRow = (what: string, s: CycleStats, extra: string): Row => ({
    measurement: `[${kind}] longest event-loop stall in one cycle, ${size}, ${what}`,
    figure: ms(Math.max(...s.stalls)),
    target: `≤ ${STALL_TARGET_MS} ms`,
    met: Math.max(...s.stalls) <= STALL_TARGET_MS,
    notes:
      `median stall ${ms(quantile(s.stalls, 0.5))}; cycle wall median ${ms(quantile(s.walls, 0.5))}; ` +
      `${Math.round(s.statements / s.walls.length)} statements and ${ms(s.gcMs / s.walls.length)} of GC a cycle` +
      `${extra}; ${s.walls.length} cycles`,
  });
  const off = perStream(r.steady, SCALE_SERVERS);
  const on = perStream(r.rulesOn, SCALE_SERVERS);
  return [
    stallRow('steady', r.steady, ''),
    stallRow(
      'with new breaches',
      r.breaches,
      `; ${NEW_BREACHES} new breaches a cycle, ${r.stops} stop requests`,
    ),
    {
      measurement: `[${kind}] CPU per stream per cycle, ${size}`,
      figure: `${off.toFixed(1)} µs`,
      target: `≤ ${CPU_TARGET_US} µs`,
      met: off <= CPU_TARGET_US,
      notes: `process.cpuUsage (user + system) of ${r.steady.walls.length} steady cycles ÷ streams × cycles`,
    },
    {
      measurement: `[${kind}] cost per stream per cycle, every enforcement rule on vs off, ${size}`,
      figure: `${off.toFixed(1)} → ${on.toFixed(1)} µs (${on >= off ? '+' : ''}${((on / off - 1) * 100).toFixed(1)} %)`,
      target: `grows ≤ ${RULES_TARGET * 100} %`,
      met: on / off - 1 <= RULES_TARGET,
      notes: `on: ${r.rules.join(', ')}; cycle wall median ${ms(quantile(r.steady.walls, 0.5))} → ${ms(quantile(r.rulesOn.walls, 0.5))}`,
    },
  ];
}

/** Least-squares slope of total memory over cycles, bytes per cycle. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

function memoryRows(m: MemoryResult): Row[] {
  const tag = `[${m.kind}]`;
  const total = (s: MemorySample) => s.bot + (s.backends ?? 0);
  const first = m.samples[0]!;
  const last = m.samples.at(-1)!;
  const max = Math.max(...m.samples.map(total));
  // Over 10 k cycles: the growth measured, plus the rest of the way at the slope of the second half of the samples
  // (a one-off step, such as a heap growing once to its working size, is counted once rather than as a trend).
  const later = m.samples.filter((s) => s.cycle >= m.cycles / 2);
  const perCycle = slope(later.map((s) => [s.cycle, total(s)]));
  const growth = (total(last) - total(first) + perCycle * (EXTRAPOLATE_TO - m.cycles)) / total(first);
  const limit = MEMORY_TARGET[m.kind];
  const pg =
    m.kind === 'postgres'
      ? first.backends === null
        ? '; PostgreSQL backends not measurable here (server not on this machine): bot process only'
        : `; of it ${mib(last.backends ?? 0)} PSS of ${last.backendCount} PostgreSQL backends`
      : '';
  const sizeGrowth = ((m.size.after - m.size.before) / 1e6) * (1000 / m.cycles);
  return [
    {
      measurement: `${tag} memory of the whole bot while cycling, ${MEMORY_SERVERS} servers × ${STREAMS_PER_SERVER} streams`,
      figure: `${mib(total(first))} → ${mib(total(last))}, ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} % over ${EXTRAPOLATE_TO / 1000} k cycles`,
      target: `≤ ${mib(limit)}, flat within 10 % over ${EXTRAPOLATE_TO / 1000} k cycles`,
      met: max <= limit && growth <= 0.1,
      notes:
        `${m.cycles} cycles measured (${mib(total(last) - total(first))} grown), then the slope of the second half, ` +
        `${(perCycle / 1024).toFixed(2)} KiB a cycle, to ${EXTRAPOLATE_TO}; ` +
        `after ${WARM_UP_CYCLES} warm-up cycles; max ${mib(max)}; bot process RSS after GC (it starts no child; the idle Discord double shares it)${pg}; ${m.seconds.toFixed(0)} s`,
    },
    {
      measurement: `${tag} database growth at ${MEMORY_SERVERS * STREAMS_PER_SERVER} streams, between weekly vacuums`,
      figure: `${sizeGrowth.toFixed(2)} MB per 1,000 cycles`,
      target: `≤ ${GROWTH_TARGET_MB} MB per 1,000 cycles`,
      met: sizeGrowth <= GROWTH_TARGET_MB,
      notes:
        `${mib(m.size.before)} → ${mib(m.size.after)} over ${m.cycles} cycles (pg_database_size)` +
        (m.folder.before !== null && m.folder.after !== null
          ? `; the data directory ${mib(m.folder.before)} → ${mib(m.folder.after)}, its write-ahead log recycled at the hourly checkpoint`
          : '') +
        '; a stream ends and one starts each cycle, bot clock +1 min' +
        (m.kind === 'pglite'
          ? ' (an hourly vacuum of the churned tables, as autovacuum does on PostgreSQL)'
          : ''),
    },
  ];
}

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const wall = performance.now();
  const kind = databaseKind();
  const rows: Row[] = [];
  try {
    rows.push(...scaleRows(kind, await runChild<ScaleResult>(self, ['--scale'])));
    const { DATABASE_URL, ...withoutUrl } = process.env;
    rows.push(...memoryRows(await runChild<MemoryResult>(self, ['--memory'], withoutUrl)));
    if (DATABASE_URL) rows.push(...memoryRows(await runChild<MemoryResult>(self, ['--memory'])));
  } finally {
    report(`Cycles bench, ${((performance.now() - wall) / 1000).toFixed(0)} s in all`, rows);
  }
}

if (process.argv.includes('--scale')) sendResult(await scale());
else if (process.argv.includes('--memory')) sendResult(await memory());
else await main();
