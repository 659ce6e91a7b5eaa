// Wires the bot together: database, media clients, Discord client, notifier, commands and schedule.

import {
  Client,
  Events,
  GatewayIntentBits,
  type Guild,
  Options,
  type RESTOptions,
  Routes,
  Status,
} from 'discord.js';
import { commands } from '../commands/index.ts';
import { createExecutors } from './act/executors.ts';
import { drainEffects, type OutboxOptions, runDueEffects } from './act/outbox.ts';
import { reconcileSwitches } from './act/switches.ts';
import { catchUpWeeklyReport, postWeeklyReport } from './act/weekly-report.ts';
import { type ClusterTimings, SharedCluster, singleInstance } from './cluster/cluster.ts';
import { fenceRegistry } from './cluster/fence.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { checkDataDirWritable } from './data-dir.ts';
import { type Database, openDatabase } from './db/client.ts';
import { lockDataDir } from './db/data-dir-lock.ts';
import { loadLinks } from './db/links.ts';
import { effectByKey } from './db/outbox.ts';
import { bindStoredTokens } from './db/tokens.ts';
import { deployCommands } from './discord/deploy.ts';
import { noAccessAdvice, waitForGuildAccess } from './discord/guild-access.ts';
import { listGuildMembers } from './discord/guild-members.ts';
import { RunningBackups } from './engine/backups.ts';
import { probeAllCapabilities } from './engine/capability-probe.ts';
import { runEnforcementCycle } from './engine/cycle.ts';
import { RoleSync } from './engine/role-sync.ts';
import { settleEpisodes } from './engine/settle.ts';
import { SingleFlight } from './engine/single-flight.ts';
import { handleInteraction } from './gateway/dispatch.ts';
import { type HttpListener, startHealthListener } from './http/index.ts';
import { InFlight } from './in-flight.ts';
import { type Schedule, startSchedule } from './jobs/scheduler.ts';
import { createLogger, type Logger } from './log.ts';
import { PLEX_PRODUCT } from './media/plex/client.ts';
import { MediaRegistry } from './media/registry.ts';
import { BotMetrics } from './metrics.ts';
import { createMailer, type Mailer } from './notify/email.ts';
import { DiscordNotifier } from './notify/notifier.ts';
import { givenUpAlert } from './notify/outcomes.ts';
import { SELF_LINK_LIMITS, type SelfLinkLimits } from './policy/self-link-limits.ts';
import { weekStart } from './policy/week.ts';
import { createTokenCipher, installId, loadKey } from './secrets.ts';
import { PushWatchers, type PushWatchersOptions } from './sense/watchers.ts';
import { CapabilityBook } from './services/capabilities.ts';
import { settlePendingSignIns } from './services/pending-sign-ins.ts';
import { listServers } from './services/servers.ts';
import { getSettings, plexClientIdentifier } from './services/settings.ts';
import type { CycleReport, SwitchTally } from './types/cycle.ts';
import type { Cluster, RunReport } from './types/running.ts';
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
  push?: Pick<PushWatchersOptions, 'debounceMs' | 'channel' | 'silentPollMs' | 'silenceGraceMs'>;
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
  client: Client;
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

/** How often due effects are looked for between cycles (retries, stop checks, effects left by a crash). */
const OUTBOX_INTERVAL_MS = 1_000;

/** How often a `/link` sign-in (Plex PIN, Jellyfin Quick Connect) is checked. */
const SELF_LINK_POLL_MS = 2_000;
/** How often Quick Connect sign-ins the bot stopped waiting for are looked at (each is due once a minute). */
const SIGN_IN_SETTLE_MS = 15_000;

/** How long a shutdown waits for the cycle (or command) in flight before closing anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** The gateway's state in words for /readyz: 'ready' only when every shard is. */
function gatewayStatus(client: Client): string {
  const notReady = [...client.ws.shards.values()].find((s) => s.status !== Status.Ready);
  if (client.ws.shards.size === 0) return 'disconnected';
  return notReady ? (Status[notReady.status] ?? 'unknown').toLowerCase() : 'ready';
}

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
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
  });
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
  // One Client per gateway session: discord.js does not log a destroyed client in again (it stays marked ready
  // and never emits ClientReady), so losing the gateway lease replaces it with a fresh one.
  const newClient = () => {
    const c = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}), ...options.rest },
      // Only guilds, channels and the users the bot DMs are needed; messages, members and the rest are not cached.
      makeCache: Options.cacheWithLimits({
        ...Options.DefaultMakeCacheSettings,
        MessageManager: 0,
        GuildMemberManager: { maxSize: 200, keepOverLimit: (m) => m.id === m.client.user.id },
        PresenceManager: 0,
        ReactionManager: 0,
        GuildEmojiManager: 0,
        GuildStickerManager: 0,
        VoiceStateManager: 0,
        ThreadManager: 0,
      }),
      allowedMentions: { parse: [] },
    });
    // Standby instances send DMs too (they enforce their own servers): REST needs the token without the gateway.
    c.rest.setToken(config.discordToken);
    return c;
  };
  let client = newClient();
  // The notifier always talks to the current client.
  const currentClient = new Proxy({} as Client, {
    get: (_target, prop) => {
      const value = Reflect.get(client, prop, client);
      return typeof value === 'function' ? value.bind(client) : value;
    },
  });
  const mailer: Mailer | null =
    config.smtpUrl && config.mailFrom ? createMailer(config.smtpUrl, config.mailFrom) : null;
  const cycles = new SingleFlight<CycleReport>();
  let runningPartial = false;
  const switches = new SingleFlight<SwitchTally>();
  let last: CycleReport | null = null;
  let schedule: Schedule | null = null;
  let stopping: Promise<void> | null = null;
  const work = new InFlight();
  /** Aborted by stop(): background tasks (a `/link` sign-in) finish early and say so. */
  const shutdown = new AbortController();
  let push: PushWatchers | null = null;
  let started = false;
  const backups = new RunningBackups({
    dump: database.dumpEmbedded,
    dir: config.backupDir,
    keep: config.backupKeep,
    schedule: config.backupSchedule,
    log,
  });
  /** Set once the context exists: a server lease taken or lost settles that server's download switches. */
  let settleSwitches = () => {};
  // PGlite is one process: it holds everything. On PostgreSQL the instances share the gateway and the servers.
  const shared =
    database.kind === 'pglite'
      ? null
      : new SharedCluster({
          db: database.uncounted,
          log,
          serverIds: async () => (await listServers(database.uncounted)).map((s) => s.id),
          onGateway: (held) => (held ? takeGateway() : leaveGateway()),
          onServers: () => {
            ctx.capabilities.keepOnly((id) => cluster.ownsServer(id));
            void push?.sync();
            settleSwitches();
          },
          timings: options.cluster,
        });
  const cluster: Cluster = shared ?? singleInstance();
  if (shared) fenceRegistry(media, (id) => cluster.ownsServer(id));
  const drains = new SingleFlight<RunReport>();
  // Plans from roles: the members are listed over REST (no GuildMembers gateway intent, see guild-members.ts).
  const roleSync = new RoleSync({
    listMembers: () => listGuildMembers(client.rest, config.guildId),
    botUserId: () => client.user?.id ?? null,
    guildName: () => client.guilds.cache.get(config.guildId)?.name ?? null,
    log,
  });
  // Filled in once ctx exists (the executors need it).
  const outboxOptions: OutboxOptions = {
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

  const ctx: AppContext = {
    config,
    db: database.db,
    log,
    clock,
    cluster,
    media,
    notifier: metrics.instrumentNotifier(new DiscordNotifier(currentClient, mailer, log)),
    effects: {
      // A drain asked for after enqueuing must not join one that claimed before the enqueue: wait, then run.
      drain: async () => {
        await drains.idle();
        return drains.run(() => drainEffects(outboxOptions));
      },
      runKey: async (key) => {
        await runDueEffects(outboxOptions, key);
        return effectByKey(database.db, key);
      },
    },
    runCycleNow: async (cycleOptions) => {
      work.refuseWhenClosed();
      // A full cycle never joins a partial one (a push cycle reading one server): it waits and runs its own.
      const partial = Boolean(cycleOptions?.serverIds);
      if (partial || runningPartial) await cycles.idle();
      return work.track(
        cycles.run(async () => {
          runningPartial = partial;
          try {
            if (!partial) await push?.sync();
            last = await runEnforcementCycle(ctx, cycleOptions).catch((err) =>
              metrics.observeCycleFailure(err),
            );
            metrics.observeCycle(last);
            return last;
          } finally {
            runningPartial = false;
          }
        }),
      );
    },
    reconcileDownloadSwitches: async () => {
      work.refuseWhenClosed();
      // A reconcile already running may have read the settings before the change that asks for this one.
      await switches.idle();
      return work.track(
        switches.run(async () =>
          reconcileSwitches(ctx, await getSettings(ctx.db), await loadLinks(ctx.db), ctx.clock()),
        ),
      );
    },
    roleSync: {
      run: async () => {
        work.refuseWhenClosed();
        return work.track(roleSync.run(ctx));
      },
      status: () => roleSync.status(),
    },
    backups: {
      run: async () => {
        work.refuseWhenClosed();
        return work.track(backups.run(ctx));
      },
      status: () => backups.status(),
    },
    lastCycle: () => last,
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

  outboxOptions.executors = createExecutors(ctx);
  outboxOptions.onGiveUp = async (row, error) => {
    log.error({ effect: row.key, kind: row.kind, error }, 'an effect was given up');
    const settings = await getSettings(database.db);
    await ctx.notifier.alert(settings.alertsChannelId, givenUpAlert(row, error));
  };

  const commandMap = new Map(commands.map((c) => [c.data.name, c]));
  const listen = (c: Client) => {
    c.on(Events.InteractionCreate, (interaction) => {
      // Fenced: between the gateway lease's deadline and the end of destroy(), another instance may answer.
      if (!cluster.isGatewayHolder() || stopping) return;
      void work.track(handleInteraction(interaction, commandMap, ctx));
    });
    c.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  };
  listen(client);

  /** Set while the bot waits to be added to its server: what is wrong and how to fix it (for /readyz). */
  let accessProblem: string | null = null;
  const http = await startHealthListener({
    config,
    db: database.db,
    metrics,
    clock,
    gatewayStatus: () =>
      accessProblem
        ? 'no access to the server'
        : cluster.isGatewayHolder()
          ? gatewayStatus(client)
          : 'standby',
    gatewayProblem: () => accessProblem,
    log,
  })?.catch(async (err) => {
    await database.close();
    throw err;
  });

  /** Logs in to the gateway and checks the slash commands; on failure the client is left logged out. */
  async function connectGateway(): Promise<void> {
    let onReady = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    client.once(Events.ClientReady, onReady);
    try {
      await client.login(config.discordToken);
      await ready;
      const applicationId = config.applicationId ?? client.application?.id;
      if (!applicationId)
        throw new Error('Discord did not report the application id; set DISCORD_APPLICATION_ID.');
      const joined = client;
      await waitForGuildAccess({
        attempt: async () => {
          // Not among the READY guilds: ask Discord (404 / 403 while the bot is not in the server).
          if (!joined.guilds.cache.has(config.guildId)) await joined.rest.get(Routes.guild(config.guildId));
          const result = await deployCommands({
            rest: joined.rest,
            db: database.db,
            applicationId,
            guildId: config.guildId,
            commands,
          });
          log.info({ result, guild: config.guildId }, 'slash commands checked');
        },
        onJoin: (wake) => {
          const onGuild = (guild: Guild) => {
            if (guild.id === config.guildId) wake();
          };
          joined.on(Events.GuildCreate, onGuild);
          return () => joined.off(Events.GuildCreate, onGuild);
        },
        onWaiting: (nextTryMs) => {
          accessProblem = noAccessAdvice(applicationId, config.guildId);
          log.warn({ retryInSeconds: Math.round(nextTryMs / 1000) }, accessProblem);
        },
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.guildAccessRetry ? { retry: options.guildAccessRetry } : {}),
      });
      accessProblem = null;
    } catch (err) {
      accessProblem = null;
      client.off(Events.ClientReady, onReady);
      await leaveGateway();
      throw err;
    }
  }
  /** Closes the gateway connection; REST (DMs) goes on through a fresh client, ready for the next login. */
  async function leaveGateway(): Promise<void> {
    const old = client;
    client = newClient();
    listen(client);
    await old.destroy();
  }
  let loginError: unknown = null;
  /** The gateway lease was taken (shared mode): log in; at start-up a failure fails startBot, later it is logged
   *  and the lease given back so another instance can try. */
  async function takeGateway(): Promise<void> {
    try {
      await connectGateway();
    } catch (err) {
      if (!started) loginError = err;
      else log.error({ err }, 'could not log in to the Discord gateway; leaving it to another instance');
      await shared?.releaseGateway();
      return;
    }
    if (started) await catchUp();
  }
  // A report the schedule missed because the bot was down at the turn of the week (posted once all the same).
  const catchUp = () =>
    catchUpWeeklyReport(ctx, weekStart(clock(), config.timezone)).catch((err) =>
      log.error({ err }, 'weekly report catch-up failed'),
    );

  try {
    if (shared) {
      // Returns with or without the gateway: a standby instance logs in when the holder stops renewing.
      await shared.start();
      if (loginError) throw loginError;
      log.info({ instance: cluster.instanceId, held: cluster.held() }, 'joined the other instances');
    } else {
      await connectGateway();
    }
  } catch (err) {
    await shared?.stop();
    await client.destroy();
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
    schedule = startSchedule({
      paused: options.schedule === 'paused',
      pollPattern: config.pollSchedule,
      timezone: config.timezone,
      poll: () => ctx.runCycleNow(),
      weeklyReset: async () => {
        // Once for all instances: the gateway holder posts the report (standby instances cannot post to channels).
        if (!cluster.isGatewayHolder()) return;
        await ctx.reconcileDownloadSwitches().catch((err) => log.error({ err }, 'weekly switch-back failed'));
        await postWeeklyReport(ctx);
      },
      roleSync: () => ctx.roleSync.run(),
      capabilityProbe: () => work.track(probeAllCapabilities(ctx)),
      ...(backups.enabled
        ? { backup: { pattern: config.backupSchedule!, run: () => ctx.backups.run() } }
        : {}),
      log,
    });
    // And once at start, in the background (the first cycles learn the same from use).
    if (options.schedule !== 'paused')
      void work
        .track(probeAllCapabilities(ctx))
        .catch((err) => log.error({ err }, 'capability probe failed'));
  }
  // The outbox runner: effects due later (retries with back-off, checks of a stop) and effects left by a crash.
  const outboxTimer = setInterval(() => {
    if (stopping || drains.busy) return;
    // Due effects, then the notices of episodes whose stops have settled (also those left open by a crash).
    void work
      .track(settleEpisodes(ctx, clock()))
      .catch((err) => log.error({ err }, 'running due effects failed'));
  }, options.outboxIntervalMs || OUTBOX_INTERVAL_MS);
  if (options.outboxIntervalMs === 0) clearInterval(outboxTimer);
  outboxTimer.unref();
  // Quick Connect sign-ins the bot stopped waiting for (its deadline, a restart): an approval is collected and
  // logged out (src/services/pending-sign-ins.ts).
  const settleSignIns = () =>
    void work
      .track(settlePendingSignIns(ctx))
      .catch((err) => log.error({ err }, 'settling pending sign-ins failed'));
  const signInTimer = setInterval(() => {
    if (!stopping) settleSignIns();
  }, options.signInSettleMs || SIGN_IN_SETTLE_MS);
  if (options.signInSettleMs === 0) clearInterval(signInTimer);
  signInTimer.unref();
  settleSignIns();
  if (cluster.isGatewayHolder()) await catchUp();
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
      user: client.user?.tag,
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
      return client;
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
        clearInterval(outboxTimer);
        clearInterval(signInTimer);
        push?.stop();
        shutdown.abort();
        if (work.size > 0) log.info({ tasks: work.size }, 'waiting for the work in flight');
        if ((await work.close(SHUTDOWN_GRACE_MS)) === 'timeout') log.warn('work still running after 10 s');
        await http?.close();
        // Leases go last: the gateway is closed and no cycle runs before another instance may take over.
        await shared?.stop(() => client.destroy());
        await client.destroy();
        mailer?.close();
        await database.close();
        releaseLock();
      })();
      return stopping;
    },
  };
}
