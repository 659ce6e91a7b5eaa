// Composition only: the database, the media registry, the notifier, the engine, the gateway, the schedule, the
// health listener, and the order in which they start and stop. What each part does lives in its own folder.

import type { Client, RESTOptions } from 'discord.js';
import { commands } from '../commands/index.ts';
import { createExecutors } from './act/executors.ts';
import type { OutboxOptions } from './act/outbox.ts';
import { type ClusterTimings, SharedCluster, singleInstance } from './cluster/cluster.ts';
import { fenceRegistry } from './cluster/fence.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { checkDataDirWritable } from './data-dir.ts';
import { type Database, openDatabase } from './db/client.ts';
import { lockDataDir } from './db/data-dir-lock.ts';
import { bindStoredTokens } from './db/tokens.ts';
import { listGuildMembers } from './discord/guild-members.ts';
import { RunningBackups } from './engine/backups.ts';
import { RoleSync } from './engine/role-sync.ts';
import { Engine } from './engine/runner.ts';
import { handleInteraction } from './gateway/dispatch.ts';
import { Gateway } from './gateway/gateway.ts';
import { type HttpListener, startHealthListener } from './http/index.ts';
import { languageOf } from './i18n/index.ts';
import { InFlight } from './in-flight.ts';
import { scheduleJobs } from './jobs/jobs.ts';
import type { Schedule } from './jobs/scheduler.ts';
import { catchUpWeeklyReport } from './jobs/weekly.ts';
import { createLogger, type Logger } from './log.ts';
import { PLEX_PRODUCT } from './media/plex/client.ts';
import { MediaRegistry } from './media/registry.ts';
import { BotMetrics } from './metrics.ts';
import { createMailer } from './notify/email.ts';
import { DiscordNotifier } from './notify/notifier.ts';
import { givenUpAlert } from './notify/outcomes.ts';
import { SELF_LINK_LIMITS, type SelfLinkLimits } from './policy/self-link-limits.ts';
import { createTokenCipher, installId, loadKey } from './secrets.ts';
import { PushWatchers, type PushWatchersOptions } from './sense/watchers.ts';
import { CapabilityBook } from './services/capabilities.ts';
import { listServers } from './services/servers.ts';
import { getSettings, plexClientIdentifier } from './services/settings.ts';
import type { Cluster } from './types/running.ts';
import { VERSION } from './version.ts';

export interface BotOptions {
  config: Config;
  log?: Logger;
  clock?: () => Date;
  /** Start the croner schedule (default true). 'paused' creates it without letting the clock fire it: tests fire
   *  its jobs with `schedule.fire`, or drive cycles with runCycleNow. */
  schedule?: boolean | 'paused';
  /** REST tuning (tests: no retries, short timeout). */
  rest?: Partial<RESTOptions>;
  /** How often the outbox runner looks for due effects (default 1 s; 0: never, the cycles still drain). */
  outboxIntervalMs?: number;
  /** Push channel tuning (tests: short reconnect back-off). */
  push?: Pick<PushWatchersOptions, 'channel' | 'silentPollMs' | 'silenceGraceMs'>;
  /** Lease timings when several instances share PostgreSQL (tests: shorter); ignored on PGlite. */
  cluster?: Partial<ClusterTimings>;
  /** How often a `/link` sign-in is checked (default 2 s; tests: a few ms). */
  selfLinkPollMs?: number;
  /** How many `/link` sign-ins a member may start an hour, and the bot have waiting (default SELF_LINK_LIMITS). */
  selfLinkLimits?: SelfLinkLimits;
  /** How often sign-ins the bot stopped waiting for are settled (default 15 s; 0: only at start-up). */
  signInSettleMs?: number;
  /** Aborts a start-up that is waiting to be added to the server (a stop signal before the bot is up). */
  signal?: AbortSignal;
  /** How often the bot retries while it is not in the server (default every 60 s, backing off to 5 min). */
  guildAccessRetry?: { firstMs: number; maxMs: number };
}

export interface RunningBot {
  ctx: AppContext;
  readonly client: Client;
  database: Database;
  /** Which leases this instance holds (a SharedCluster on PostgreSQL: tests freeze it to play dead). */
  cluster: Cluster;
  /** The croner schedule, or null when it was not started. */
  readonly schedule: Schedule | null;
  metrics: BotMetrics;
  /** The health and metrics listener, when config.httpPort is set. */
  http: HttpListener | null;
  /** Stops taking new work, waits (up to 10 s) for the work in flight, then closes the gateway and the database. */
  stop(): Promise<void>;
}

/** Effects that talk to Discord: carried out by the gateway holder only. */
const DISCORD_EFFECTS = ['episode-notice', 'alert-edit', 'warning-edit', 'notice'] as const;
/** How often a `/link` sign-in (Plex PIN, Jellyfin Quick Connect) is checked. */
const SELF_LINK_POLL_MS = 2_000;
/** How long a shutdown waits for the cycle (or command) in flight before closing anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** What a second bot on the same embedded database is told. */
const SECOND_BOT_ADVICE = () =>
  'Two bots must not open one embedded database (it would be damaged): stop the other one first, or give this one its own DATA_DIR. To run several instances, move to PostgreSQL.';

export async function startBot(options: BotOptions): Promise<RunningBot> {
  // DATA_DIR holds the embedded database and the key file: a folder this user can't write is explained first.
  if (!options.config.databaseUrl || !options.config.encryptionKey)
    checkDataDirWritable(options.config.dataDir);
  // The embedded database is one process's: refused here, before it is opened, when another process holds it.
  const lock = options.config.databaseUrl
    ? null
    : lockDataDir(options.config.dataDir, 'bot', SECOND_BOT_ADVICE);
  try {
    return await startOnDatabase(options, () => lock?.release());
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function startOnDatabase(options: BotOptions, releaseLock: () => void): Promise<RunningBot> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? (() => new Date());
  // Before the database: an unfinished key rotation stops the start here.
  const key = loadKey(config);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  log.info({ database: database.kind }, 'database ready');
  const metrics = new BotMetrics();
  // Stored once; an install from before it was stored keeps the identifier its `/link` sign-ins already used.
  const clientId = await plexClientIdentifier(database.db, installId(key, 'plex-client-identifier'));
  const cipher = createTokenCipher(key);
  const bound = await bindStoredTokens(database.db, cipher);
  if (bound > 0) log.info({ servers: bound }, 'stored tokens bound to their servers');
  const media = metrics.instrumentRegistry(
    new MediaRegistry(cipher, {
      plexTvUrl: config.plexTvUrl,
      timeoutMs: config.mediaTimeoutMs,
      clock,
      client: { clientId, product: PLEX_PRODUCT },
    }),
  );
  const mailer = config.smtpUrl && config.mailFrom ? createMailer(config.smtpUrl, config.mailFrom) : null;
  const work = new InFlight();
  /** Aborted by stop(): background tasks (a `/link` sign-in) finish early and say so. */
  const shutdown = new AbortController();
  let stopping: Promise<void> | null = null;
  let started = false;
  let push: PushWatchers | null = null;
  let schedule: Schedule | null = null;
  /** A server lease taken or lost settles that server's download switches (set once the bot runs). */
  let settleSwitches = () => {};
  let loginError: unknown = null;

  // PGlite is one process: it holds everything. On PostgreSQL the instances share the gateway and the servers.
  const shared =
    database.kind === 'pglite'
      ? null
      : new SharedCluster({
          db: database.uncounted,
          log,
          serverIds: async () => (await listServers(database.uncounted)).map((s) => s.id),
          onGateway: (held) => (held ? takeGateway() : gateway.leave()),
          onServers: () => {
            ctx.capabilities.keepOnly((id) => cluster.ownsServer(id));
            void push?.sync();
            settleSwitches();
          },
          timings: options.cluster,
        });
  const cluster: Cluster = shared ?? singleInstance();
  if (shared) fenceRegistry(media, (id) => cluster.ownsServer(id));

  const gateway = new Gateway({
    config,
    db: database.db,
    log,
    commands,
    rest: options.rest,
    signal: options.signal,
    guildAccessRetry: options.guildAccessRetry,
    // Fenced: between the gateway lease's deadline and the end of destroy(), another instance may answer.
    mayAnswer: () => cluster.isGatewayHolder() && !stopping,
    onInteraction: (interaction) => void work.track(handleInteraction(interaction, commandMap, ctx)),
  });
  const commandMap = new Map(commands.map((c) => [c.data.name, c]));
  const outbox: OutboxOptions = {
    db: database.db,
    instanceId: cluster.instanceId,
    clock,
    executors: {},
    // Stops and their checks run on the instance that senses the server (its media client is not fenced there).
    ownedServers: () =>
      shared ? cluster.held().flatMap((n) => (n.startsWith('server:') ? [Number(n.slice(7))] : [])) : null,
    reclaimFromDead: true,
    // Messages and their edits go out from the instance logged in to Discord.
    excludedKinds: () => (cluster.isGatewayHolder() ? [] : DISCORD_EFFECTS),
  };
  const engine = new Engine({
    work,
    log,
    outbox,
    // Plans from roles: the members are listed over REST (no GuildMembers gateway intent, see guild-members.ts).
    roleSync: new RoleSync({
      listMembers: () => listGuildMembers(gateway.discord.rest, config.guildId),
      botUserId: () => gateway.discord.user?.id ?? null,
      guildName: () => gateway.discord.guilds.cache.get(config.guildId)?.name ?? null,
      log,
    }),
    backups: new RunningBackups({
      dump: database.dumpEmbedded,
      dir: config.backupDir,
      keep: config.backupKeep,
      schedule: config.backupSchedule,
      log,
    }),
    syncPush: async () => push?.sync(),
    observeCycle: (report) => metrics.observeCycle(report),
    observeCycleFailure: (err) => metrics.observeCycleFailure(err),
    outboxIntervalMs: options.outboxIntervalMs,
    signInSettleMs: options.signInSettleMs,
  });

  const ctx: AppContext = {
    config,
    db: database.db,
    log,
    clock,
    cluster,
    media,
    notifier: metrics.instrumentNotifier(new DiscordNotifier(gateway.current, mailer, log)),
    effects: {
      drain: () => engine.drain(),
      runKey: (k) => engine.runKey(k),
      settle: (now) => engine.settle(ctx, now),
    },
    runCycleNow: (cycleOptions) => engine.runCycle(ctx, cycleOptions),
    reconcileDownloadSwitches: () => engine.reconcileSwitches(ctx),
    roleSync: { run: () => engine.syncRoles(ctx), status: () => engine.roleStatus() },
    backups: { run: () => engine.backUp(ctx), status: () => engine.backupStatus() },
    lastCycle: () => engine.lastCycle(),
    capabilities: new CapabilityBook(() => ctx),
    pushStates: () => push?.states() ?? new Map(),
    notePushRead: (serverId, streams) => push?.noteRead(serverId, streams),
    syncPush: async () => {
      // A server just added or removed: take or give up its lease now, then open or close its channel.
      await shared?.refresh();
      await push?.sync();
    },
    runInBackground: (task) => {
      work.refuseWhenClosed();
      void work.track(task(shutdown.signal).catch((err) => log.error({ err }, 'background task failed')));
    },
    selfLinkPollMs: options.selfLinkPollMs ?? SELF_LINK_POLL_MS,
    selfLinkLimits: options.selfLinkLimits ?? SELF_LINK_LIMITS,
    nextRuns: () => ({
      poll: schedule?.nextPoll() ?? null,
      weeklyReset: schedule?.nextWeeklyReset() ?? null,
    }),
  };
  outbox.executors = createExecutors(ctx);
  outbox.onGiveUp = async (row, error) => {
    log.error({ effect: row.key, kind: row.kind, error }, 'an effect was given up');
    const { alertsChannelId, guildLocale } = await getSettings(database.db);
    await ctx.notifier.alert(alertsChannelId, givenUpAlert(row, error, languageOf(guildLocale)));
  };

  const http = await startHealthListener({
    config,
    db: database.db,
    metrics,
    clock,
    gatewayStatus: () => (gateway.problem() || cluster.isGatewayHolder() ? gateway.status() : 'standby'),
    gatewayProblem: () => gateway.problem(),
    log,
  })?.catch(async (err) => {
    await database.close();
    throw err;
  });

  /** The gateway lease was taken (shared mode): log in; at start-up a failure fails startBot, later it is logged
   *  and the lease given back so another instance can try. */
  async function takeGateway(): Promise<void> {
    try {
      await gateway.connect();
    } catch (err) {
      if (!started) loginError = err;
      else log.error({ err }, 'could not log in to the Discord gateway; leaving it to another instance');
      await shared?.releaseGateway();
      return;
    }
    if (started) await catchUpWeeklyReport(ctx);
  }

  try {
    if (shared) {
      // Returns with or without the gateway: a standby instance logs in when the holder stops renewing.
      await shared.start();
      if (loginError) throw loginError;
      log.info({ instance: cluster.instanceId, held: cluster.held() }, 'joined the other instances');
    } else {
      await gateway.connect();
    }
  } catch (err) {
    await shared?.stop();
    await gateway.destroy();
    await http?.close();
    await database.close();
    mailer?.close();
    throw err;
  }

  if (config.push) {
    push = new PushWatchers({
      listServers: async () => (await listServers(database.db)).filter((s) => cluster.ownsServer(s.id)),
      specFor: (row) => media.pushSpecForRow(row),
      // A cycle already reading the servers may have read them before the event: wait for it, then run a new one.
      runCycle: (serverIds) => ctx.runCycleNow({ serverIds }),
      onCapability: (server, observation) => void ctx.capabilities.observe(server, [observation]),
      clock,
      log,
      ...options.push,
    });
    metrics.pushSource = (id) => {
      const state = push?.states().get(id);
      return state?.state === 'connected' && !state.silent;
    };
    await push.sync();
  }

  if (options.schedule !== false) {
    const paused = options.schedule === 'paused';
    schedule = scheduleJobs(ctx, { paused, backups: engine.backupsEnabled, track: (w) => work.track(w) });
  }
  // The outbox runner (retries, checks of a stop, effects left by a crash) and the settling of sign-ins.
  engine.start(ctx);
  if (cluster.isGatewayHolder()) await catchUpWeeklyReport(ctx);
  // Switches left mid-way by a crash are settled against what the servers report now (and, with several instances,
  // as soon as this one senses a server), not at the next cycle.
  settleSwitches = () =>
    void ctx
      .reconcileDownloadSwitches()
      .catch((err) => log.error({ err }, 'settling download switches failed'));
  settleSwitches();
  started = true;
  log.info(
    {
      user: gateway.discord.user?.tag,
      instance: cluster.instanceId,
      gateway: cluster.isGatewayHolder(),
      schedule: config.pollSchedule,
      timezone: config.timezone,
      version: VERSION,
    },
    'Streamwarden is running',
  );

  return {
    ctx,
    get client() {
      return gateway.discord;
    },
    database,
    cluster,
    get schedule() {
      return schedule;
    },
    metrics,
    http: http ?? null,
    stop() {
      // Idempotent: a second stop (a signal during shutdown, a test's clean-up after a failed restart) waits for
      // the first instead of closing things twice.
      stopping ??= (async () => {
        schedule?.stop();
        engine.stop();
        push?.stop();
        shutdown.abort();
        if (work.size > 0) log.info({ tasks: work.size }, 'waiting for the work in flight');
        if ((await work.close(SHUTDOWN_GRACE_MS)) === 'timeout') log.warn('work still running after 10 s');
        await http?.close();
        // Leases go last: the gateway is closed and no cycle runs before another instance may take over.
        await shared?.stop(() => gateway.destroy());
        await gateway.destroy();
        mailer?.close();
        await database.close();
        releaseLock();
      })();
      return stopping;
    },
  };
}
