// Scale bench, with the target beside each figure. Exact counts (SQL statements per reconcile, read
// through Database.statements) and wall times; it never asserts, it prints. Bounded: a few minutes at most.
//   1. statements per reconcile at 1, 10, 50, 200 Plex servers × 25 streams (first and steady cycle), the longest
//      event-loop stall during each of those cycles, and on PostgreSQL the statements of one lease round with every
//      server held;
//   2. reconcile wall with 10 of the 200 servers hanging (target: per-server timeout + 0.5 s);
//   3. /quota's usage read, p95 over 200 members (and the plan and pages of one member's week), with 1 M
//      downloads of 10 k members bulk-loaded in SQL (generate_series), plus the weekly-usage pass over all 10 k members.
// PGlite in a temp dir, or PostgreSQL when DATABASE_URL is set (run it twice to get both).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eq, sql } from 'drizzle-orm';
import { SharedCluster } from '../../src/cluster/cluster.ts';
import { type Db, openDatabase } from '../../src/db/client.ts';
import { weeklyUnitsQuery } from '../../src/db/downloads.ts';
import { members, plans } from '../../src/db/schema.ts';
import { nextWeekStart, weekStart } from '../../src/policy/week.ts';
import { weeklyUsage } from '../../src/services/usage.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { createTestDatabase, databaseKind } from '../helpers/db.ts';
import { ms, quantile, type Row, report } from './table.ts';

/** `BENCH_SCALE_PART=reconcile` or `quota` runs one half (both by default). */
const PART = process.env.BENCH_SCALE_PART ?? 'all';
const SERVER_STEPS = [1, 10, 50, 200];
const STREAMS_PER_SERVER = 25;
const HANGING = 10;
const STALL_TARGET_MS = 20;
const MEDIA_TIMEOUT_MS = 1000;
const MEMBERS = 10_000;
const DOWNLOADS = 1_000_000;
const QUOTA_SAMPLES = 200;
const ADMIN = { id: '220000000000000001', username: 'owner' };
const GENERAL = { id: '320000000000000001', name: 'general' };

const rows: Row[] = [];

const session = (server: number, n: number): PlexSessionSpec => ({
  user: { id: 50_000 + n, title: `viewer${n}` },
  player: {
    state: 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.${server % 250}.${n + 1}`,
    machineIdentifier: `dev-${server}-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(n + 1),
});

async function reconcileBench(): Promise<void> {
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN], channels: [GENERAL] });
  const plexes: PlexDouble[] = [];
  let bot: TestBot | null = null;
  try {
    bot = await startTestBot({ discord, config: { mediaTimeoutMs: MEDIA_TIMEOUT_MS } });
    const running = bot;
    const cycle = async () => {
      const before = running.bot.database.statements();
      // The longest the event loop waited during the cycle: what a slash command or a push event arriving then
      // would wait before being looked at.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const start = performance.now();
      const report = await running.bot.ctx.runCycleNow();
      const wall = performance.now() - start;
      loop.disable();
      running.clock.advance(MINUTE);
      return {
        statements: running.bot.database.statements() - before,
        ms: wall,
        stallMs: loop.max / 1e6,
        report,
      };
    };
    // The 1-server step bounds every other: a cycle that writes (first) and a steady one. A steady cycle may carry
    // the 5-minute last-sighting refresh (one statement more, whatever the number of streams).
    let bound: number | null = null;
    for (const target of SERVER_STEPS) {
      while (plexes.length < target) {
        const p = plexes.length;
        const plex = await startPlexDouble({
          token: `plex-token-scale-${p}`,
          premium: true,
          friendlyName: `P${p}`,
        });
        plex.setSessions(Array.from({ length: STREAMS_PER_SERVER }, (_, n) => session(p, n)));
        plexes.push(plex);
        await discord.invoke({
          user: ADMIN.id,
          command: 'server',
          subcommand: 'add',
          options: { platform: 'plex', name: `P${p}`, url: plex.url, token: plex.token },
          admin: true,
        });
      }
      const first = await cycle();
      const steady = await cycle();
      const cluster = running.bot.cluster;
      if (cluster instanceof SharedCluster) {
        // One lease round once every server is held: what renewing costs, whatever the cycles do.
        const before = running.bot.database.uncountedStatements();
        await cluster.refresh();
        rows.push({
          measurement: `statements per lease round, ${target} server(s) held`,
          figure: String(running.bot.database.uncountedStatements() - before),
          target: 'constant',
          met: null,
          notes: `${cluster.held().length} leases held (heartbeat, gateway, servers)`,
        });
      }
      const ok = steady.report.servers.filter((s) => s.ok).length;
      bound ??= first.statements;
      rows.push({
        measurement: `statements per reconcile, ${target} server(s) × ${STREAMS_PER_SERVER} streams`,
        figure: `${first.statements} first, ${steady.statements} steady`,
        target: 'constant (≤ the 1-server count)',
        met: first.statements <= bound && steady.statements <= bound,
        notes: `${ok}/${target} servers read; steady cycle ${ms(steady.ms)}`,
      });
      rows.push({
        measurement: `longest event-loop stall in one cycle, ${target} server(s) × ${STREAMS_PER_SERVER} streams`,
        figure: `${ms(first.stallMs)} first, ${ms(steady.stallMs)} steady`,
        target: `≤ ${STALL_TARGET_MS} ms`,
        met: first.stallMs <= STALL_TARGET_MS && steady.stallMs <= STALL_TARGET_MS,
        notes: 'perf_hooks monitorEventLoopDelay over the cycle (10 ms resolution)',
      });
    }
    for (const plex of plexes.slice(0, HANGING)) plex.fault = 'hang';
    const hung = [await cycle(), await cycle()];
    rows.push({
      measurement: `reconcile wall, ${HANGING} of ${plexes.length} servers hanging`,
      figure: hung.map((h) => ms(h.ms)).join(', '),
      target: `≤ ${MEDIA_TIMEOUT_MS + 500} ms`,
      met: hung.every((h) => h.ms <= MEDIA_TIMEOUT_MS + 500),
      notes:
        `timeout ${MEDIA_TIMEOUT_MS} ms; ${hung[1]!.statements} statements; ` +
        `${hung[1]!.report.servers.filter((s) => !s.ok).length} servers failed`,
    });
  } finally {
    await bot?.stop();
    for (const plex of plexes) await plex.stop();
    await discord.stop();
  }
}

async function quotaBench(): Promise<void> {
  const target = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-bench-quota-'));
  const database = await openDatabase({ databaseUrl: target.url, dataDir });
  try {
    const { db } = database;
    const now = new Date('2026-11-18T20:00:00Z');
    const load = performance.now();
    await db.insert(plans).values({ name: 'Five', streamCap: 2, downloadsAllowed: true, weeklyDownloads: 5 });
    const [plan] = await db.select().from(plans).where(eq(plans.name, 'Five'));
    await db.execute(sql`insert into media_servers (name, platform, url, token_encrypted)
      values ('Bulk', 'plex', 'http://127.0.0.1:9', 'x')`);
    await db.execute(sql`insert into members (discord_user_id, display_name, plan_id)
      select (240000000000000000 + g)::text, 'm' || g, ${plan!.id} from generate_series(1, ${MEMBERS}) g`);
    // 1 M downloads spread over 8 weeks before now; one in ten still incomplete an hour after its start.
    await db.execute(sql`insert into downloads (server_id, member_id, download_key, title, started_at,
        last_seen_incomplete_at, last_seen_at, logged)
      select (select min(id) from media_servers), (select min(id) from members) + (g % ${MEMBERS}), g::text, 't',
        ${now.toISOString()}::timestamptz - make_interval(mins => ((g::bigint * 7919) % (8 * 7 * 24 * 60))::int),
        case when g % 10 = 0
          then ${now.toISOString()}::timestamptz - make_interval(mins => ((g::bigint * 7919) % (8 * 7 * 24 * 60))::int) + interval '1 hour'
        end,
        ${now.toISOString()}::timestamptz - make_interval(mins => ((g::bigint * 7919) % (8 * 7 * 24 * 60))::int),
        true
      from generate_series(1, ${DOWNLOADS}) g`);
    // The steady state: PostgreSQL's autovacuum, and on PGlite the weekly vacuum (src/engine/maintenance.ts), keep
    // the visibility map of the weeks gone by, so an index that holds every column read answers without the table.
    await db.execute(sql`vacuum (analyze) downloads`);
    await db.execute(sql`analyze`);
    const loadMs = performance.now() - load;
    const people = (await db.select().from(members)).map((member) => ({ member, plan: plan! }));
    // The bulk load's garbage collected and the engine's caches warmed by 20 reads of other members first, so the
    // samples are of a bot that has been running rather than of the minute after a million-row load.
    (globalThis as { gc?: () => void }).gc?.();
    for (let i = 0; i < 20; i++)
      await weeklyUsage(db, [people[(i * 4_099 + 1) % people.length]!], now, 'UTC');
    const times: number[] = [];
    for (let i = 0; i < QUOTA_SAMPLES; i++) {
      const person = people[(i * 7_331) % people.length]!;
      const start = performance.now();
      await weeklyUsage(db, [person], now, 'UTC');
      times.push(performance.now() - start);
    }
    // The plan of one member's week and the pages it touches: figures the machine's load does not move.
    const planned = await Promise.all(people.slice(0, 20).map((p) => weekPlan(db, p.member.id, now)));
    const buffers = planned.map((p) => p.buffers);
    rows.push({
      measurement: "/quota usage read: one member's week, pages touched (max of 20 members)",
      figure: String(Math.max(...buffers)),
      target: '(fewer is better)',
      met: null,
      notes: `plan: ${planned[0]!.nodes.join(' > ')}`,
    });
    const passStart = performance.now();
    const all = await weeklyUsage(db, people, now, 'UTC');
    const passMs = performance.now() - passStart;
    const used = [...all.values()].reduce((n, u) => n + u.used, 0);
    rows.push({
      measurement: `/quota usage read p95, ${DOWNLOADS / 1e6} M downloads, ${MEMBERS / 1000} k members`,
      figure: ms(quantile(times, 0.95)),
      target: '≤ 5 ms',
      met: quantile(times, 0.95) <= 5,
      notes: `median ${ms(quantile(times, 0.5))}, max ${ms(Math.max(...times))} over ${QUOTA_SAMPLES}; bulk load ${(loadMs / 1000).toFixed(1)} s`,
    });
    rows.push({
      measurement: `weekly-usage pass over all ${MEMBERS / 1000} k members`,
      figure: ms(passMs),
      target: '(was 450–760 ms)',
      met: null,
      notes: `${used} units this week in total, one statement`,
    });
  } finally {
    await database.close();
    await target.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the usage statement for one member's week: its nodes and the pages it read. */
async function weekPlan(db: Db, memberId: number, now: Date): Promise<{ nodes: string[]; buffers: number }> {
  const query = weeklyUnitsQuery(db, [memberId], weekStart(now, 'UTC'), nextWeekStart(now, 'UTC'));
  const result = (await db.execute(sql`explain (analyze, buffers, format json) ${query}`)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<
    Record<string, unknown>
  >;
  const raw = rows[0]!['QUERY PLAN'];
  const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  const nodes: string[] = [];
  const walk = (n: PlanNode) => {
    nodes.push(n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']);
    for (const c of n.Plans ?? []) walk(c);
  };
  const top = doc[0]!.Plan;
  walk(top);
  return { nodes, buffers: (top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0) };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

async function main(): Promise<void> {
  const wall = performance.now();
  try {
    if (PART !== 'quota') await reconcileBench();
    if (PART !== 'reconcile') await quotaBench();
  } finally {
    const kind = databaseKind();
    report(
      `Scale bench on ${kind}, ${((performance.now() - wall) / 1000).toFixed(0)} s in all`,
      rows.map((r) => ({ ...r, measurement: `[${kind}] ${r.measurement}` })),
    );
  }
}

await main();
