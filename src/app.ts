// Wires the bot together: database, media clients, Discord client, notifier, commands and schedule.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Client, Events, GatewayIntentBits, Options, type RESTOptions, Status } from 'discord.js';
import { commands } from '../commands/index.ts';
import { createExecutors, givenUpAlert } from './act/executors.ts';
import {
  drainEffects,
  effectByKey,
  type OutboxOptions,
  type RunReport,
  runDueEffects,
} from './act/outbox.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { type Database, openDatabase } from './db/client.ts';
import { loadLinks } from './db/links.ts';
import { deployCommands } from './discord/deploy.ts';
import { handleInteraction } from './discord/interactions.ts';
import { type HttpListener, startHealthListener } from './http/index.ts';
import { InFlight } from './in-flight.ts';
import { reconcileSwitches } from './jobs/download-switches.ts';
import { type CycleReport, runEnforcementCycle } from './jobs/enforcement-cycle.ts';
import { type Schedule, SingleFlight, startSchedule } from './jobs/scheduler.ts';
import { settleEpisodes } from './jobs/stream-enforcement.ts';
import { catchUpWeeklyReport, postWeeklyReport } from './jobs/weekly-report.ts';
import { createLogger, type Logger } from './log.ts';
import { PLEX_PRODUCT } from './media/plex/client.ts';
import { MediaRegistry } from './media/registry.ts';
import { BotMetrics } from './metrics.ts';
import { createMailer, type Mailer } from './notify/email.ts';
import { DiscordNotifier } from './notify/notifier.ts';
import { weekStart } from './policy/week.ts';
import { createTokenCipher, installId, loadKey } from './secrets.ts';
import { PushWatchers, type PushWatchersOptions } from './sense/watchers.ts';
import { listServers } from './services/servers.ts';
import { getSettings } from './services/settings.ts';

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
  push?: Pick<PushWatchersOptions, 'debounceMs' | 'channel'>;
  /** How often a `/link` sign-in is checked (default 2 s; tests: a few ms). */
  selfLinkPollMs?: number;
}

export interface RunningBot {
  ctx: AppContext;
  client: Client;
  database: Database;
  /** The croner schedule, or null when it was not started. */
  readonly schedule: Schedule | null;
  metrics: BotMetrics;
  /** The health and metrics listener, when config.httpPort is set. */
  http: HttpListener | null;
  /** Stops taking new work, waits (up to 10 s) for the work in flight, then closes the gateway and the database. */
  stop(): Promise<void>;
}

/** How often due effects are looked for between cycles (retries, stop checks, effects left by a crash). */
const OUTBOX_INTERVAL_MS = 1_000;

/** How often a `/link` sign-in (Plex PIN, Jellyfin Quick Connect) is checked. */
const SELF_LINK_POLL_MS = 2_000;

/** How long a shutdown waits for the cycle (or command) in flight before closing anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** The gateway's state in words for /readyz: 'ready' only when every shard is. */
function gatewayStatus(client: Client): string {
  const notReady = [...client.ws.shards.values()].find((s) => s.status !== Status.Ready);
  if (client.ws.shards.size === 0) return 'disconnected';
  return notReady ? (Status[notReady.status] ?? 'unknown').toLowerCase() : 'ready';
}

export async function startBot(options: BotOptions): Promise<RunningBot> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? (() => new Date());
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
  });
  log.info({ database: database.kind }, 'database ready');
  const metrics = new BotMetrics();
  const key = loadKey(config);
  const media = metrics.instrumentRegistry(
    new MediaRegistry(createTokenCipher(key), {
      plexTvUrl: config.plexTvUrl,
      timeoutMs: config.mediaTimeoutMs,
      clock,
      selfLink: { clientId: installId(key, 'plex-client-identifier'), product: PLEX_PRODUCT },
    }),
  );
  const client = new Client({
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
  const mailer: Mailer | null =
    config.smtpUrl && config.mailFrom ? createMailer(config.smtpUrl, config.mailFrom) : null;
  const cycles = new SingleFlight<CycleReport>();
  const switches = new SingleFlight<number>();
  let last: CycleReport | null = null;
  let schedule: Schedule | null = null;
  let stopping: Promise<void> | null = null;
  const work = new InFlight();
  /** Aborted by stop(): background tasks (a `/link` sign-in) finish early and say so. */
  const shutdown = new AbortController();
  let push: PushWatchers | null = null;
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const drains = new SingleFlight<RunReport>();
  // Filled in once ctx exists (the executors need it).
  const outboxOptions: OutboxOptions = { db: database.db, instanceId, clock, executors: {} };

  const ctx: AppContext = {
    config,
    db: database.db,
    log,
    clock,
    media,
    notifier: metrics.instrumentNotifier(new DiscordNotifier(client, mailer, log)),
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
    runCycleNow: async () => {
      work.refuseWhenClosed();
      return work.track(
        cycles.run(async () => {
          await push?.sync();
          last = await runEnforcementCycle(ctx).catch((err) => metrics.observeCycleFailure(err));
          metrics.observeCycle(last);
          return last;
        }),
      );
    },
    reconcileDownloadSwitches: async () => {
      work.refuseWhenClosed();
      return work.track(
        switches.run(async () =>
          reconcileSwitches(ctx, await getSettings(ctx.db), await loadLinks(ctx.db), ctx.clock()),
        ),
      );
    },
    lastCycle: () => last,
    pushStates: () => push?.states() ?? new Map(),
    syncPush: async () => {
      await push?.sync();
    },
    runInBackground: (task) => {
      work.refuseWhenClosed();
      void work.track(task(shutdown.signal).catch((err) => log.error({ err }, 'background task failed')));
    },
    selfLinkPollMs: options.selfLinkPollMs ?? SELF_LINK_POLL_MS,
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
  client.on(Events.InteractionCreate, (interaction) => {
    void work.track(handleInteraction(interaction, commandMap, ctx));
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));

  const http = await startHealthListener({
    config,
    db: database.db,
    metrics,
    clock,
    gatewayStatus: () => gatewayStatus(client),
    log,
  })?.catch(async (err) => {
    await database.close();
    throw err;
  });

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.discordToken);
    await ready;
    const applicationId = config.applicationId ?? client.application?.id;
    if (!applicationId)
      throw new Error('Discord did not report the application id; set DISCORD_APPLICATION_ID.');
    const result = await deployCommands({
      rest: client.rest,
      db: database.db,
      applicationId,
      guildId: config.guildId,
      commands,
    });
    log.info({ result, guild: config.guildId }, 'slash commands checked');
  } catch (err) {
    await client.destroy();
    await http?.close();
    await database.close();
    mailer?.close();
    throw err;
  }

  if (config.push) {
    push = new PushWatchers({
      listServers: () => listServers(database.db),
      specFor: (row) => media.pushSpecForRow(row),
      // A cycle already reading the servers may have read them before the event: wait for it, then run a new one.
      runCycle: async () => {
        await cycles.idle();
        return ctx.runCycleNow();
      },
      clock,
      log,
      ...options.push,
    });
    metrics.pushSource = (id) => push?.states().get(id)?.state === 'connected';
    await push.sync();
  }

  if (options.schedule !== false) {
    schedule = startSchedule({
      paused: options.schedule === 'paused',
      pollPattern: config.pollSchedule,
      timezone: config.timezone,
      poll: () => ctx.runCycleNow(),
      weeklyReset: async () => {
        await ctx.reconcileDownloadSwitches().catch((err) => log.error({ err }, 'weekly switch-back failed'));
        await postWeeklyReport(ctx);
      },
      log,
    });
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
  // A report the schedule missed because the bot was down at the turn of the week (posted once all the same).
  await catchUpWeeklyReport(ctx, weekStart(clock(), config.timezone)).catch((err) =>
    log.error({ err }, 'weekly report catch-up failed'),
  );
  log.info(
    { user: client.user?.tag, schedule: config.pollSchedule, timezone: config.timezone },
    'Streamwarden is running',
  );

  return {
    ctx,
    client,
    database,
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
        push?.stop();
        client.removeAllListeners(Events.InteractionCreate);
        shutdown.abort();
        if (work.size > 0) log.info({ tasks: work.size }, 'waiting for the work in flight');
        if ((await work.close(SHUTDOWN_GRACE_MS)) === 'timeout') log.warn('work still running after 10 s');
        await http?.close();
        await client.destroy();
        mailer?.close();
        await database.close();
      })();
      return stopping;
    },
  };
}
