// Benchmark of one enforcement cycle (ctx.runCycleNow) against loopback doubles: the real bot, real database and
// real media adapters, with 150 linked members and ~300 sessions over 3 Plex, 2 Jellyfin and 1 Emby servers.
// It prints numbers and never asserts timing (it only refuses to report on a scenario that was not set up right).
// Run: npm run bench  (PGlite in a temp dir, or PostgreSQL when DATABASE_URL is set).
import { eq } from 'drizzle-orm';
import { mediaAccounts, mediaServers, members, plans } from '../../src/db/schema.ts';
import type { CycleReport } from '../../src/types/cycle.ts';
import { DiscordDouble, type DoubleUser } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { type MediaBrowserDouble, type SessionSpec, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { ms, quantile } from './table.ts';

const MEMBERS = 150;
/** Members 0..9 stream 3 at once on Plex (cap 2); 10..139 stream 2 (one Plex, one Jellyfin/Emby); 140..149 one. */
const OVER_CAP = 10;
const AT_CAP_END = 140;
const CAP = 2;
const STEADY_CYCLES = 15;
const HANG_CYCLES = 3;
const MEDIA_TIMEOUT_MS = 1000;

const ADMIN: DoubleUser = { id: '220000000000000001', username: 'owner' };
const ALERTS = { id: '320000000000000002', name: 'alerts' };
const GENERAL = { id: '320000000000000001', name: 'general' };
const memberUser = (i: number): DoubleUser => ({
  id: `23${String(i).padStart(16, '0')}`,
  username: `member${i}`,
});
const mbUserId = (server: number, i: number) => `${server + 1}`.padEnd(8, 'b') + String(i).padStart(24, '0');
const hex32 = (prefix: string, n: number) => prefix + n.toString(16).padStart(32 - prefix.length, '0');

const plexIndex = (i: number) => i % 3;
/** 0, 1: the Jellyfin servers, 2: Emby. */
const mbIndex = (i: number) => Math.floor(i / 50) % 3;

// ─── Small statistics and output helpers ────────────────────────────────────────────────────────

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

function table(rows: Array<[string, string, string]>): string {
  const header: [string, string, string] = ['measurement', 'time', 'notes'];
  const all = [header, ...rows];
  const widths = [0, 1, 2].map((c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: [string, string, string]) =>
    `| ${r[0].padEnd(widths[0]!)} | ${r[1].padStart(widths[1]!)} | ${r[2].padEnd(widths[2]!)} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const summary = (r: CycleReport) =>
  `${r.servers.filter((s) => s.ok).length}/${r.servers.length} servers ok, ` +
  `${r.servers.reduce((n, s) => n + s.streams, 0)} streams, ${r.breaches.length} over cap`;

// ─── Scenario ───────────────────────────────────────────────────────────────────────────────────

function plexSession(i: number, n: number): PlexSessionSpec {
  return {
    user: { id: 10_000 + i, title: `m${i}_plex` },
    player: {
      state: n === 1 ? 'paused' : 'playing',
      device: `Device ${n}`,
      product: 'Plex for Android',
      address: `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      machineIdentifier: `dev-${i}-${n}`,
      title: `Device ${n} of m${i}`,
    },
    session: { id: hex32('5e55', i * 10 + n) },
    type: 'movie',
    title: `Movie ${i}-${n}`,
    sessionKey: String(1000 + i * 10 + n),
  };
}

function mbSession(server: number, i: number, n: number): SessionSpec {
  return {
    id: hex32('c0de', i * 10 + n),
    user: { id: mbUserId(server, i), name: `m${i}_mb` },
    device: `Screen ${n}`,
    client: server === 2 ? 'Emby for Roku' : 'Jellyfin Android TV',
    deviceId: `mb-${i}-${n}`,
    ip: `192.0.2.${(i % 250) + 1}`,
    item: { name: `Film ${i}-${n}`, type: 'Movie' },
  };
}

async function main(): Promise<void> {
  const wall = performance.now();
  const users = Array.from({ length: MEMBERS }, (_, i) => memberUser(i));
  const discord = await DiscordDouble.start({
    ownerId: ADMIN.id,
    members: [ADMIN],
    channels: [GENERAL, ALERTS],
  });
  for (const u of users) discord.addMember(u);

  // Plex clients that ignore the stop (the session keeps being reported): over-cap members stay over the cap, so
  // the steady state has open episodes whose stops were already attempted, as with a stubborn client.
  const plexes: PlexDouble[] = [];
  const mbs: MediaBrowserDouble[] = [];
  let bot: TestBot | null = null;
  try {
    for (let p = 0; p < 3; p++) {
      plexes.push(
        await startPlexDouble({
          token: `plex-token-bench-${p}`,
          premium: true,
          lingerReads: 1_000_000,
          friendlyName: `Plex${p}`,
          machineIdentifier: hex32(`a${p}`, p).repeat(2).slice(0, 40),
        }),
      );
    }
    mbs.push(await startJellyfinDouble({ token: 'jf-key-bench-0000', serverName: 'Jelly0' }));
    mbs.push(await startJellyfinDouble({ token: 'jf-key-bench-1111', serverName: 'Jelly1' }));
    mbs.push(await startEmbyDouble({ token: 'emby-key-bench-2222', serverName: 'Emby' }));

    bot = await startTestBot({ discord, config: { mediaTimeoutMs: MEDIA_TIMEOUT_MS } });
    const started = bot;
    const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
      discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });

    // Servers, plan and alerts channel through the real slash commands.
    const serverNames: string[] = [];
    for (const [p, plex] of plexes.entries()) {
      serverNames.push(`Plex${p}`);
      await admin('server', 'add', { platform: 'plex', name: `Plex${p}`, url: plex.url, token: plex.token });
    }
    const mbNames = ['Jelly0', 'Jelly1', 'Emby'];
    for (const [m, mb] of mbs.entries()) {
      serverNames.push(mbNames[m]!);
      await admin('server', 'add', {
        platform: m === 2 ? 'emby' : 'jellyfin',
        name: mbNames[m]!,
        url: mb.url,
        token: mb.token,
      });
    }
    await admin('plan', 'create', { name: 'Duo', 'stream-cap': CAP, downloads: false });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });

    // Members and links straight into the database (setup only; /user link would be 300 interactions).
    const db = started.bot.ctx.db;
    const serverRows = await db.select().from(mediaServers);
    if (serverRows.length !== 6) throw new Error(`expected 6 servers, found ${serverRows.length}`);
    const serverId = new Map(serverRows.map((r) => [r.name, r.id]));
    const [plan] = await db.select().from(plans).where(eq(plans.name, 'Duo'));
    if (!plan) throw new Error('plan Duo was not created');
    const memberRows = await db
      .insert(members)
      .values(users.map((u) => ({ discordUserId: u.id, displayName: u.username, planId: plan.id })))
      .returning({ id: members.id, discordUserId: members.discordUserId });
    const memberId = new Map(memberRows.map((r) => [r.discordUserId, r.id]));
    const links = users.flatMap((u, i) => [
      {
        memberId: memberId.get(u.id)!,
        serverId: serverId.get(`Plex${plexIndex(i)}`)!,
        accountName: `m${i}_plex`,
      },
      {
        memberId: memberId.get(u.id)!,
        serverId: serverId.get(mbNames[mbIndex(i)]!)!,
        accountName: `m${i}_mb`,
      },
    ]);
    await db.insert(mediaAccounts).values(links);

    // Accounts on the servers, then ~300 sessions.
    for (const [p, plex] of plexes.entries()) {
      plex.setAccounts(
        users.flatMap((_, i) => (plexIndex(i) === p ? [{ id: 10_000 + i, name: `m${i}_plex` }] : [])),
      );
    }
    for (const [m, mb] of mbs.entries()) {
      mb.setUsers(
        users.flatMap((_, i) => (mbIndex(i) === m ? [{ id: mbUserId(m, i), name: `m${i}_mb` }] : [])),
      );
    }
    const plexSessions: PlexSessionSpec[][] = [[], [], []];
    const mbSessions: SessionSpec[][] = [[], [], []];
    for (let i = 0; i < MEMBERS; i++) {
      if (i < OVER_CAP) {
        for (let n = 1; n <= 3; n++) plexSessions[plexIndex(i)]!.push(plexSession(i, n));
      } else if (i < AT_CAP_END) {
        plexSessions[plexIndex(i)]!.push(plexSession(i, 1));
        mbSessions[mbIndex(i)]!.push(mbSession(mbIndex(i), i, 1));
      } else {
        mbSessions[mbIndex(i)]!.push(mbSession(mbIndex(i), i, 1));
      }
    }
    plexes.forEach((plex, p) => {
      plex.setSessions(plexSessions[p]!);
    });
    mbs.forEach((mb, m) => {
      mb.setSessions(mbSessions[m]!);
    });
    const totalSessions = [...plexSessions, ...mbSessions].reduce((n, s) => n + s.length, 0);
    discord.clearRecords();
    const setupMs = performance.now() - wall;

    const cycle = () => started.bot.ctx.runCycleNow();
    const rows: Array<[string, string, string]> = [];

    // Cold cycle: learns 300 account ids, opens 10 episodes, stops 30 sessions, sends 10 DMs and 10 alerts.
    const cold = await timed(cycle);
    if (cold.value.breaches.length !== OVER_CAP || cold.value.servers.some((s) => !s.ok)) {
      throw new Error(`scenario not as intended: ${summary(cold.value)}`);
    }
    const stops = plexes.reduce((n, p) => n + p.terminations.length, 0);
    rows.push([
      'first cycle (cold)',
      ms(cold.ms),
      `${summary(cold.value)}; ${stops} stops, ${discord.messagesIn(ALERTS.id).length} alerts`,
    ]);

    // 1. Steady state: nothing changes. The cold cycle stopped every stream of the 10 members over the cap (the
    //    doubles drop a stopped session), so no cycle from here on opens an episode.
    for (let w = 0; w < 2; w++) await cycle();
    const steady: number[] = [];
    let last: CycleReport | null = null;
    for (let c = 0; c < STEADY_CYCLES; c++) {
      const r = await timed(cycle);
      steady.push(r.ms);
      last = r.value;
    }
    if (last && (last.servers.some((s) => !s.ok) || last.breaches.some((b) => b.newEpisode))) {
      throw new Error(`steady state is not steady: ${summary(last)}`);
    }
    rows.push([
      `steady cycle, median of ${STEADY_CYCLES}`,
      ms(quantile(steady, 0.5)),
      last ? summary(last) : '',
    ]);
    rows.push([
      `steady cycle, p95 of ${STEADY_CYCLES}`,
      ms(quantile(steady, 0.95)),
      `min ${ms(Math.min(...steady))}, max ${ms(Math.max(...steady))}`,
    ]);

    // 3. A member at the cap starts a third stream (on Jellyfin0): time from the session appearing to its stop.
    const victim = 10; // mbIndex(10) = 0: Jelly0; one Plex stream + one Jellyfin stream before
    const jelly = mbs[mbIndex(victim)]!;
    const extra = mbSession(mbIndex(victim), victim, 2);
    let stopAt: number | null = null;
    const commands = jelly.playstateCommands as Array<{ sessionId: string; command: string }>;
    const push = commands.push.bind(commands);
    commands.push = (...items) => {
      if (stopAt === null && items.some((c) => c.sessionId === extra.id && /stop/i.test(c.command))) {
        stopAt = performance.now();
      }
      return push(...items);
    };
    const dmsBefore = discord.dmsTo(users[victim]!.id).length;
    mbSessions[mbIndex(victim)]!.push(extra);
    const appeared = performance.now();
    jelly.setSessions(mbSessions[mbIndex(victim)]!);
    const breachCycle = await timed(cycle);
    const reachedStop = stopAt as number | null;
    const victimBreach = breachCycle.value.breaches.find((b) => b.memberName === users[victim]!.username);
    if (reachedStop === null || !victimBreach?.newEpisode) {
      throw new Error(`the new over-cap session was not stopped: ${summary(breachCycle.value)}`);
    }
    rows.push([
      'new over-cap session → stop request',
      ms(reachedStop - appeared),
      'within one cycle; confirm delay 0 s here (CONFIRM_DELAY_SECONDS, default 10)',
    ]);
    rows.push([
      'new over-cap session → cycle done',
      ms(breachCycle.ms),
      `${victimBreach.stopped} stops, DM ${discord.dmsTo(users[victim]!.id).length - dmsBefore}, alert sent`,
    ]);
    commands.push = push;
    await cycle(); // the member is back within the cap: the episode closes

    // 2. One server hangs (accepts connections, never answers): the cycle is bounded by the media timeout.
    const hung = plexes[0]!;
    hung.fault = 'hang';
    const hangTimes: number[] = [];
    let hangReport: CycleReport | null = null;
    for (let c = 0; c < HANG_CYCLES; c++) {
      const r = await timed(cycle);
      hangTimes.push(r.ms);
      hangReport = r.value;
    }
    hung.fault = null;
    const recovery = await timed(cycle);
    const steadyMedian = quantile(steady, 0.5);
    rows.push([
      `Plex0 hangs: first cycle (timeout ${MEDIA_TIMEOUT_MS} ms)`,
      ms(hangTimes[0]!),
      `${hangReport ? summary(hangReport) : ''}; incl. "server down" alert`,
    ]);
    rows.push([
      `Plex0 hangs: cycles 2..${HANG_CYCLES}`,
      hangTimes.slice(1).map(ms).join(', '),
      'server already known down: no alert',
    ]);
    rows.push([
      `Plex0 hangs: max of ${HANG_CYCLES} cycles`,
      ms(Math.max(...hangTimes)),
      `beyond the timeout: ${ms(Math.max(...hangTimes) - MEDIA_TIMEOUT_MS)} (steady median ${ms(steadyMedian)})`,
    ]);
    rows.push([
      'Plex0 back: recovery cycle',
      ms(recovery.ms),
      `${summary(recovery.value)}; "server back" alert`,
    ]);

    const database = started.bot.database.kind === 'pglite' ? 'PGlite (on disk, temp dir)' : 'PostgreSQL';
    console.log('\nStreamwarden poll-cycle benchmark');
    console.log(
      `node ${process.version} on ${process.platform}/${process.arch}; database: ${database}` +
        `${process.env.DATABASE_URL ? ' (DATABASE_URL)' : ''}`,
    );
    console.log(
      `scenario: 3 Plex + 2 Jellyfin + 1 Emby doubles, ${MEMBERS} linked members (${MEMBERS * 2} links), ` +
        `${totalSessions} sessions, ${OVER_CAP} members over a cap of ${CAP}; setup ${ms(setupMs)}\n`,
    );
    console.log(table(rows));
    console.log(`\ntotal ${((performance.now() - wall) / 1000).toFixed(1)} s`);
  } finally {
    await bot?.stop();
    await discord.stop();
    for (const d of [...plexes, ...mbs]) await d.stop();
  }
}

await main();
