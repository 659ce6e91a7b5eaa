// Several instances on one PostgreSQL: 1,000 Plex servers × 25 streams (one doubles process, doubles-host.ts) split
// over 4 real bot processes (src/main.ts, as `npm start` runs it) through the leases of src/cluster/. Each server has
// one linked member streaming 25 at once on a cap of 25 that stops the newest stream. Measured:
//   - every breach handled exactly once: BREACHES members each start a 26th stream, announced by push; the doubles
//     count the stop requests of each breaching session (1 each, and none for any other session);
//   - push → stop request p95, from the double's push to the stop reaching it (both timed in the doubles process);
//   - takeover: one instance is killed (SIGKILL); the time until every server it held is leased by another, and
//     until the push sockets are all open again; then breaches on its former servers are handled as before.
// PostgreSQL only: skipped with a line when DATABASE_URL is unset. Run: npm run bench:instances

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { mediaAccounts, members, plans } from '../../src/db/schema.ts';
import { addServer } from '../../src/services/servers.ts';
import { DiscordDouble, type DoubleUser } from '../doubles/discord/index.ts';
import { startTestBot } from '../helpers/bot.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { type ChildRun, runEntry } from '../helpers/process.ts';
import { hostDoubles, plexAccountName, type Slot } from './doubles-host.ts';
import { ms, quantile, type Row, report, seconds } from './table.ts';

const SERVERS = Number(process.env.BENCH_INSTANCE_SERVERS ?? 1000);
const INSTANCES = 4;
const STREAMS = 25;
/** Breaches before the kill (half as many after), one per server: a smaller run breaches every server once. */
const BREACHES = Math.min(40, SERVERS);
const PUSH_TARGET_MS = 1000;
const TAKEOVER_TARGET_MS = 15_000;
const ADMIN: DoubleUser = { id: '280000000000000001', username: 'owner' };

const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));
const accountOf = (server: number) => 200_000 + server;
const base = (server: number): Slot[] =>
  Array.from({ length: STREAMS }, (_, n) => ({ account: accountOf(server), key: 1000 + n }));
const progress = (what: string) =>
  console.error(`[instances bench ${new Date().toISOString().slice(11, 19)}] ${what}`);

async function until(what: string, check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > limitMs) throw new Error(`gave up waiting: ${what}`);
    await sleep(100);
  }
  return performance.now() - start;
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    console.log('\nInstances bench skipped: it needs PostgreSQL (set DATABASE_URL).');
    return;
  }
  const wall = performance.now();
  const rows: Row[] = [];
  const users: DoubleUser[] = Array.from({ length: SERVERS }, (_, i) => ({
    id: `28${String(i + 2).padStart(16, '0')}`,
    username: `member${i}`,
  }));
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
  for (const u of users) discord.addMember(u);
  const database = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'sw-bench-instances-'));
  const key = randomBytes(32).toString('base64');
  const host = await hostDoubles(Array.from({ length: SERVERS }, (_, s) => [accountOf(s)]));
  const instances: ChildRun[] = [];
  try {
    progress(`${SERVERS} doubles up; adding the servers`);
    const setup = await startTestBot({
      discord,
      existing: { databaseUrl: database.url, dataDir: join(dir, 'setup') },
      config: { encryptionKey: key },
    });
    const ctx = setup.bot.ctx;
    for (let s = 0; s < SERVERS; s += 20) {
      await Promise.all(
        host.servers.slice(s, s + 20).map((server, k) =>
          addServer(ctx, ADMIN.id, {
            platform: 'plex',
            name: `P${s + k}`,
            url: server.url,
            token: server.token,
          }),
        ),
      );
    }
    const [plan] = await ctx.db
      .insert(plans)
      .values({ name: 'All', streamCap: STREAMS, downloadsAllowed: false, stopRule: 'newest' })
      .returning();
    const memberRows = await ctx.db
      .insert(members)
      .values(users.map((u) => ({ discordUserId: u.id, displayName: u.username, planId: plan!.id })))
      .returning({ id: members.id });
    const serverIds = await ctx.db.execute(sql`select id, name from media_servers`);
    const idOf = new Map(
      (
        (Array.isArray(serverIds) ? serverIds : (serverIds as { rows: unknown[] }).rows) as Array<{
          id: number;
          name: string;
        }>
      ).map((r) => [r.name, r.id]),
    );
    await ctx.db.insert(mediaAccounts).values(
      memberRows.map((m, s) => ({
        memberId: m.id,
        serverId: idOf.get(`P${s}`)!,
        accountName: plexAccountName(accountOf(s)),
      })),
    );
    await setup.stop();
    for (let s = 0; s < SERVERS; s++) await host.set(s, base(s));

    progress('starting the instances');
    // One poll, a minute from now, reads every server once on its owner (push acts on every breach after it), so the
    // breaching stream is the newest one each owner sees; after that the poll is a day away.
    const pollAt = new Date(Date.now() + 60_000);
    const pollSchedule = `${pollAt.getUTCSeconds()} ${pollAt.getUTCMinutes()} ${pollAt.getUTCHours()} * * *`;
    for (let i = 0; i < INSTANCES; i++) {
      instances.push(
        runEntry('src/main.ts', [], dir, {
          DISCORD_TOKEN: discord.token,
          DISCORD_GUILD_ID: discord.guildId,
          DISCORD_API_URL: discord.apiUrl,
          DATABASE_URL: database.url!,
          DATA_DIR: join(dir, `instance-${i}`),
          ENCRYPTION_KEY: key,
          PUSH: 'on',
          POLL_SCHEDULE: pollSchedule,
          CONFIRM_DELAY_SECONDS: '0',
          TIMEZONE: 'UTC',
          LOG_LEVEL: process.env.BENCH_INSTANCE_LOGS ? (process.env.LOG_LEVEL ?? 'info') : 'warn',
        }),
      );
    }
    const { openDatabase } = await import('../../src/db/client.ts');
    const watcher = await openDatabase({ databaseUrl: database.url, dataDir: join(dir, 'watcher') });
    const heldBy = async () => {
      const result = await watcher.db.execute(
        sql`select holder, count(*)::int as n from leases where name like 'server:%' and expires_at >= now() group by holder`,
      );
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
        holder: string;
        n: number;
      }>;
    };
    try {
      const startMs = await until(
        'every server leased, split over every instance, and its push socket open',
        async () => {
          const held = await heldBy();
          return (
            held.length === INSTANCES &&
            held.reduce((n, h) => n + h.n, 0) === SERVERS &&
            (await host.connections()) === SERVERS
          );
        },
        300_000,
      );
      const split = (await heldBy()).map((h) => h.n).join(' / ');
      progress(`split ${split} after ${seconds(startMs)}`);
      await sleep(Math.max(0, pollAt.getTime() + 15_000 - Date.now()));

      /** Breaches on `servers`, one a second; push → stop for each, once all stops had time to arrive. */
      const breach = async (servers: number[], round: number) => {
        const pushed: Array<{ server: number; session: string; at: number }> = [];
        for (const [i, s] of servers.entries()) {
          const extra = 5000 + round * 1000 + i;
          pushed.push({
            server: s,
            session: `s-${s}-${extra}`,
            at: await host.set(s, [...base(s), { account: accountOf(s), key: extra }], extra),
          });
          await sleep(250);
        }
        // Every stop has arrived once none came for 10 s (at most a minute).
        let stops = await host.stops();
        for (let quiet = 0, waited = 0; quiet < 10 && waited < 60; waited++) {
          await sleep(1000);
          const now = await host.stops();
          quiet = now.flat().length === stops.flat().length ? quiet + 1 : 0;
          stops = now;
        }
        return pushed.map((p) => {
          const own = stops[p.server]!.filter((r) => r.sessionId === p.session);
          const others = stops[p.server]!.filter((r) => r.sessionId !== p.session && r.at >= p.at).length;
          return { count: own.length, others, latency: own[0] ? own[0].at - p.at : null };
        });
      };
      const spread = (n: number, offset: number) =>
        Array.from({ length: n }, (_, i) => Math.floor(((i + offset) * SERVERS) / n) % SERVERS);
      const before = await breach(spread(BREACHES, 0), 0);

      // Takeover: kill one instance, then wait until its servers are leased by the others and pushing again.
      const victim = instances[INSTANCES - 1]!;
      const victimPid = victim.child.pid!;
      const victimServers = (await heldBy()).find((h) => h.holder.includes(`-${victimPid}-`))?.n ?? 0;
      const killedAt = performance.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const leased = await until(
        "the killed instance's servers leased by the others",
        async () =>
          (await heldBy())
            .filter((h) => !h.holder.includes(`-${victimPid}-`))
            .reduce((n, h) => n + h.n, 0) === SERVERS,
        120_000,
      );
      const pushing = await until(
        'every push socket open again',
        async () => (await host.connections()) === SERVERS,
        120_000,
      );
      const takeover = performance.now() - killedAt;
      const after = await breach(spread(Math.floor(BREACHES / 2), 0.5), 1);

      const all = [...before, ...after];
      const once = all.filter((b) => b.count === 1).length;
      const twice = all.filter((b) => b.count > 1).length;
      const missed = all.filter((b) => b.count === 0).length;
      const others = all.reduce((n, b) => n + b.others, 0);
      const latencies = all.flatMap((b) => (b.latency === null ? [] : [b.latency]));
      const p95 = quantile(latencies, 0.95);
      const size = `${SERVERS} servers × ${STREAMS} streams over ${INSTANCES} instances`;
      rows.push(
        {
          measurement: `[postgres] breaches handled once, ${size}`,
          figure: `${once}/${all.length} once`,
          target: 'every breach handled once',
          met: once === all.length && others === 0,
          notes: `${twice} twice or more, ${missed} never; ${others} stops of other sessions; servers split ${split}; ${before.length} before the kill, ${after.length} after`,
        },
        {
          measurement: `[postgres] push → stop request p95, ${size}`,
          figure: ms(p95),
          target: `≤ ${ms(PUSH_TARGET_MS)}`,
          met: missed === 0 && p95 <= PUSH_TARGET_MS,
          notes: `median ${ms(quantile(latencies, 0.5))}, max ${ms(Math.max(...latencies))} over ${latencies.length}`,
        },
        {
          measurement: `[postgres] a killed instance's servers taken over, ${size}`,
          figure: seconds(takeover),
          target: `≤ ${seconds(TAKEOVER_TARGET_MS)}`,
          met: takeover <= TAKEOVER_TARGET_MS,
          notes: `SIGKILL of an instance holding ${victimServers} servers → all leased by the others and every push socket open again (leases ${seconds(leased)}, push ${seconds(leased + pushing)} from the kill); lease TTL 10 s`,
        },
      );
    } finally {
      await watcher.close();
    }
  } catch (error) {
    for (const [n, i] of instances.entries()) console.error(`instance ${n}:\n${i.output().slice(-3000)}`);
    throw error;
  } finally {
    if (process.env.BENCH_INSTANCE_LOGS) {
      writeFileSync(process.env.BENCH_INSTANCE_LOGS, instances.map((i) => i.output()).join('\n=====\n'));
    }
    for (const i of instances)
      if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
    await Promise.all(instances.map((i) => i.exited));
    await host.stop();
    await discord.stop();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    report(`Instances bench on PostgreSQL, ${((performance.now() - wall) / 1000).toFixed(0)} s in all`, rows);
  }
}

await main();
