// Stream start → stop request at the server, measured from outside the real bot: the real
// discord.js client on the Discord double, the real database, the real croner poll on the real clock, and Plex,
// Jellyfin and Emby doubles that push their notifications over their own sockets.
//
// A member with a cap of 1 streams on one device; a trial starts a second stream on a second device. The clock
// starts (performance.now) when the double starts listing the new session and pushes its notification, and stops
// when the double receives the first stop request for that member. Three modes, in one run:
//   push       PUSH=on, sockets connected; the poll on the default 5-minute schedule, so push alone acts;
//   push down  PUSH=on, every socket refused (HTTP 503): the seconds-level poll must act;
//   poll only  PUSH=off, the same poll: the baseline (today's engine polls).
// In the two polling modes a trial starts at a phase of the poll interval spread evenly over the trials (the
// result of a start at a random moment), and the three platforms run in the same trial, each with its own member.
// The two polling bots run side by side, each in a process of its own, to keep the bench within ~3 minutes. Between trials the member is brought
// back within the cap and the breach episode is closed. The test bot runs with CONFIRM_DELAY_SECONDS=0.
// Run: npm run bench:latency (PGlite in a temp dir, or PostgreSQL when DATABASE_URL is set).

import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import { sql } from 'drizzle-orm';
import { DiscordDouble, type DoubleUser } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { type MediaBrowserDouble, type SessionSpec, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { databaseKind } from '../helpers/db.ts';
import { runChild, sendResult } from './child.ts';
import { ms, quantile, type Row, report, seconds } from './table.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
/** The seconds-level poll of the polling modes. */
const POLL = process.env.BENCH_POLL ?? '*/5 * * * * *';
/** The push mode's poll: the default POLL_SCHEDULE, so a push mode stop comes from push. */
const PUSH_MODE_POLL = '*/5 * * * *';
/** The push mode's target: the server's event to the stop request, p95 per platform. */
const PUSH_TARGET_MS = 150;

const ADMIN: DoubleUser = { id: '250000000000000001', username: 'owner' };
const PLATFORMS = ['plex', 'jellyfin', 'emby'] as const;
type Platform = (typeof PLATFORMS)[number];
const USERS: Record<Platform, DoubleUser> = {
  plex: { id: '250000000000000002', username: 'alice' },
  jellyfin: { id: '250000000000000003', username: 'bob' },
  emby: { id: '250000000000000004', username: 'carol' },
};
const PLEX_ACCOUNT = { id: 7001, name: 'alice_plex' };
const MB_ACCOUNT = { id: 'b0b00000000000000000000000000001', name: 'bob' };
const EMBY_ACCOUNT = { id: 'ca7010000000000000000000000000001'.slice(0, 32), name: 'carol' };

type Mode = 'push' | 'push down' | 'poll only';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function intervalOf(pattern: string): number {
  const [a, b] = new Cron(pattern, { paused: true }).nextRuns(2);
  return b!.getTime() - a!.getTime();
}

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(10);
  }
}

/** Records the moment each matching stop request reaches the double (its own list of requests, watched). */
function watchStops<T>(list: readonly T[], isStop: (item: T) => boolean): number[] {
  const times: number[] = [];
  const mutable = list as T[];
  const push = mutable.push.bind(mutable);
  mutable.push = (...items: T[]) => {
    for (const item of items) if (isStop(item)) times.push(performance.now());
    return push(...items);
  };
  return times;
}

const plexStream = (key: number, device: number): PlexSessionSpec => ({
  user: { id: PLEX_ACCOUNT.id, title: PLEX_ACCOUNT.name },
  player: {
    state: 'playing',
    device: `Device ${device}`,
    product: 'Plex for Android',
    address: `203.0.113.${device}`,
    machineIdentifier: `alice-device-${device}`,
    title: `Device ${device}`,
  },
  session: { id: `s${key}` },
  type: 'movie',
  title: `Movie ${key}`,
  sessionKey: String(key),
});

const mbStream = (account: { id: string; name: string }, key: number, device: number): SessionSpec => ({
  id: `${key}`.padStart(32, 'e'),
  user: account,
  device: `Device ${device}`,
  client: 'Jellyfin Android',
  deviceId: `${account.name}-device-${device}`,
  ip: `192.0.2.${device}`,
  item: { name: `Film ${key}`, type: 'Movie' },
});

interface Bench {
  mode: Mode;
  interval: number;
  bot: TestBot;
  plex: PlexDouble;
  jellyfin: MediaBrowserDouble;
  emby: MediaBrowserDouble;
  stops: Record<Platform, number[]>;
  stop(): Promise<void>;
}

async function setUp(mode: Mode): Promise<Bench> {
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ...Object.values(USERS)] });
  const plex = await startPlexDouble({
    token: 'plex-token-latency-1',
    premium: true,
    friendlyName: 'PlexMain',
  });
  plex.setAccounts([PLEX_ACCOUNT]);
  const jellyfin = await startJellyfinDouble({ token: 'jf-key-latency-0001', users: [MB_ACCOUNT] });
  const emby = await startEmbyDouble({ token: 'emby-key-latency-01', users: [EMBY_ACCOUNT] });
  if (mode === 'push down') for (const d of [plex, jellyfin, emby]) d.push.refuseWith = 503;
  const pollSchedule = mode === 'push' ? PUSH_MODE_POLL : POLL;
  const bot = await startTestBot({
    discord,
    schedule: true,
    config: { push: mode !== 'poll only', pollSchedule },
    // The production reconnect back-off.
    push: {},
  });
  const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
    discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
  const servers = [
    {
      platform: 'plex',
      name: 'PlexMain',
      url: plex.url,
      token: 'plex-token-latency-1',
      account: 'alice_plex',
    },
    { platform: 'jellyfin', name: 'Jelly', url: jellyfin.url, token: 'jf-key-latency-0001', account: 'bob' },
    { platform: 'emby', name: 'Emby', url: emby.url, token: 'emby-key-latency-01', account: 'carol' },
  ] as const;
  for (const [i, s] of servers.entries()) {
    await admin('server', 'add', { platform: s.platform, name: s.name, url: s.url, token: s.token });
    const member = USERS[PLATFORMS[i]!].id;
    await admin('user', 'link', { member, server: s.name, account: s.account });
    await admin('user', 'plan', { member, plan: 'Solo' });
  }
  if (mode === 'push') {
    await until(
      'every push socket open',
      () => [plex, jellyfin, emby].every((d) => d.push.connections === 1),
      10_000,
    );
  } else if (mode === 'push down') {
    await until(
      'every push socket refused',
      () => [plex, jellyfin, emby].every((d) => d.push.upgrades.some((u) => !u.accepted)),
      10_000,
    );
  }
  const isStop = (c: { command: string }) => c.command.toLowerCase() === 'stop';
  return {
    mode,
    interval: intervalOf(pollSchedule),
    bot,
    plex,
    jellyfin,
    emby,
    stops: {
      plex: watchStops(plex.terminations, () => true),
      jellyfin: watchStops(jellyfin.playstateCommands, isStop),
      emby: watchStops(emby.playstateCommands, isStop),
    },
    async stop() {
      await bot.stop();
      for (const d of [plex, jellyfin, emby]) await d.stop();
      await discord.stop();
    },
  };
}

/** Open breach episodes: the reset waits for none. */
async function openEpisodes(b: Bench): Promise<number> {
  const rows = await b.bot.bot.ctx.db.execute<{ n: number }>(
    sql`select count(*)::int as n from breach_episodes where closed_at is null`,
  );
  const list = Array.isArray(rows) ? rows : (rows as { rows: { n: number }[] }).rows;
  return Number(list[0]?.n ?? 0);
}

/** Back within the cap: each member streams on their first device only (new session), and no episode is open. */
async function reset(b: Bench, trial: number): Promise<void> {
  const key = 1000 + trial * 10;
  b.plex.setSessions([plexStream(key, 1)]);
  b.jellyfin.setSessions([mbStream(MB_ACCOUNT, key, 1)]);
  b.emby.setSessions([mbStream(EMBY_ACCOUNT, key, 1)]);
  b.bot.clock.advance(MINUTE);
  await until(
    'the episodes close',
    async () => {
      await b.bot.bot.ctx.runCycleNow();
      return (await openEpisodes(b)) === 0;
    },
    30_000,
  );
}

/** The second device starts streaming on one platform: listed, then pushed (nobody listens when push is down). */
function startSecondStream(b: Bench, platform: Platform, trial: number): number {
  const key = 1000 + trial * 10;
  const start = performance.now();
  if (platform === 'plex') {
    b.plex.setSessions([plexStream(key, 1), plexStream(key + 1, 2)]);
    b.plex.push.playing(String(key + 1), 'playing');
  } else {
    const double = platform === 'jellyfin' ? b.jellyfin : b.emby;
    const account = platform === 'jellyfin' ? MB_ACCOUNT : EMBY_ACCOUNT;
    double.push.sessions(double.setSessions([mbStream(account, key, 1), mbStream(account, key + 1, 2)]));
  }
  return start;
}

/** Milliseconds from the start to the first stop request after it, or null when none came within the limit. */
async function stopAfter(
  b: Bench,
  platform: Platform,
  start: number,
  limitMs: number,
): Promise<number | null> {
  const times = b.stops[platform];
  try {
    await until('a stop request', () => times.some((t) => t >= start), limitMs);
  } catch {
    return null;
  }
  return times.find((t) => t >= start)! - start;
}

type Results = Record<Platform, { times: number[]; missed: number; falseStops?: number }>;
const empty = (): Results => ({
  plex: { times: [], missed: 0, falseStops: 0 },
  jellyfin: { times: [], missed: 0, falseStops: 0 },
  emby: { times: [], missed: 0, falseStops: 0 },
});

/** The session ids of every stop request each double received so far. */
function stoppedSessions(b: Bench): Record<Platform, string[]> {
  const isStop = (c: { command: string }) => c.command.toLowerCase() === 'stop';
  return {
    plex: b.plex.terminations.map((t) => t.sessionId),
    jellyfin: b.jellyfin.playstateCommands.filter(isStop).map((c) => c.sessionId),
    emby: b.emby.playstateCommands.filter(isStop).map((c) => c.sessionId),
  };
}

function record(results: Results, platform: Platform, latency: number | null): void {
  if (latency === null) results[platform].missed += 1;
  else results[platform].times.push(latency);
}

/** Push: one platform at a time, so each stop comes from that platform's own event. */
async function pushTrials(b: Bench): Promise<Results> {
  const results = empty();
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const platform of PLATFORMS) {
      await reset(b, trial);
      // Let the reset's own cycle end before the event arrives.
      await sleep(100);
      const before = stoppedSessions(b);
      const start = startSecondStream(b, platform, trial);
      record(results, platform, await stopAfter(b, platform, start, 15_000));
      // False stops: a second stop of one session, or any stop on the other platforms (their members are within
      // the cap). A moment for the cycle's other stops to arrive.
      await sleep(200);
      const after = stoppedSessions(b);
      for (const p of PLATFORMS) {
        const added = after[p].slice(before[p].length);
        const extra = p === platform ? added.length - new Set(added).size : added.length;
        results[platform].falseStops! += extra;
      }
    }
  }
  return results;
}

/** Polling: all platforms in the same trial, started at phase (trial + ½)/TRIALS of the poll interval. */
async function pollTrials(b: Bench): Promise<Results> {
  const results = empty();
  for (let trial = 0; trial < TRIALS; trial++) {
    await reset(b, trial);
    const next = b.bot.bot.schedule?.nextPoll()?.getTime();
    if (next === undefined) throw new Error('the poll is not scheduled');
    let at = next - b.interval + ((trial + 0.5) / TRIALS) * b.interval;
    while (at < Date.now() + 20) at += b.interval;
    await sleep(at - Date.now());
    const starts = PLATFORMS.map((p) => startSecondStream(b, p, trial));
    const latencies = await Promise.all(
      PLATFORMS.map((p, i) => stopAfter(b, p, starts[i]!, 2 * b.interval + 5_000)),
    );
    for (const [i, p] of PLATFORMS.entries()) record(results, p, latencies[i]!);
  }
  return results;
}

function rowsFor(mode: Mode, interval: number, results: Results): Row[] {
  const limit = mode === 'push' ? PUSH_TARGET_MS : interval + 1000;
  // Push acts within a cycle: milliseconds; the polling modes within the poll interval: seconds.
  const show = mode === 'push' ? ms : seconds;
  return PLATFORMS.map((platform) => {
    const { times, missed, falseStops } = results[platform];
    const p95 = quantile(times, 0.95);
    const all = times.length + missed;
    const figure = missed > 0 || times.length === 0 ? `${missed}/${all} no stop` : `p95 ${show(p95)}`;
    const schedule = mode === 'push' ? `poll ${PUSH_MODE_POLL}` : `poll ${POLL} (${interval / 1000} s)`;
    return {
      measurement: `stream start → stop request, ${mode}, ${platform}`,
      figure,
      target:
        mode === 'poll only'
          ? `(baseline) ≤ ${show(limit)}`
          : `p95 ≤ ${show(limit)}${mode === 'push' ? ', no false stops' : ''}`,
      met: mode === 'poll only' ? null : missed === 0 && p95 <= limit && (falseStops ?? 0) === 0,
      notes:
        `min ${show(Math.min(...times))} / median ${show(quantile(times, 0.5))} / ` +
        `p95 ${show(p95)} / max ${show(Math.max(...times))} over ${times.length}; ${schedule}` +
        (mode === 'push' ? `; false stops ${falseStops}` : ''),
    };
  });
}

/** One polling mode in a process of its own: croner's job names are global to a process, one bot per process. */
async function child(mode: Mode): Promise<void> {
  const b = await setUp(mode);
  try {
    sendResult({ interval: b.interval, results: await pollTrials(b) });
  } finally {
    await b.stop();
  }
}

const spawnMode = (mode: Mode) =>
  runChild<{ interval: number; results: Results }>(fileURLToPath(import.meta.url), ['--mode', mode]);

async function main(): Promise<void> {
  const wall = performance.now();
  const rows: Row[] = [];
  const push = await setUp('push');
  try {
    rows.push(...rowsFor('push', push.interval, await pushTrials(push)));
  } finally {
    await push.stop();
  }
  // The two polling modes side by side, each in its own process, to keep the bench within ~3 minutes.
  const [down, pollOnly] = await Promise.all([spawnMode('push down'), spawnMode('poll only')]);
  rows.push(...rowsFor('push down', down.interval, down.results));
  rows.push(...rowsFor('poll only', pollOnly.interval, pollOnly.results));
  const kind = databaseKind();
  report(
    `Latency bench on ${kind}, ${TRIALS} trials per platform and mode, ${((performance.now() - wall) / 1000).toFixed(0)} s in all`,
    rows.map((r) => ({ ...r, measurement: `[${kind}] ${r.measurement}` })),
  );
}

const modeArg = process.argv.indexOf('--mode');
if (modeArg > 0) await child(process.argv[modeArg + 1] as Mode);
else await main();
