// Wires the bot together: database, media clients, Discord client, notifier, commands and schedule.
import { Client, Events, GatewayIntentBits, Options, type RESTOptions } from 'discord.js';
import { commands } from '../commands/index.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { type Database, openDatabase } from './db/client.ts';
import { loadLinks } from './db/links.ts';
import { deployCommands } from './discord/deploy.ts';
import { handleInteraction } from './discord/interactions.ts';
import { reconcileSwitches } from './jobs/download-switches.ts';
import { type CycleReport, runEnforcementCycle } from './jobs/enforcement-cycle.ts';
import { type Schedule, SingleFlight, startSchedule } from './jobs/scheduler.ts';
import { catchUpWeeklyReport, postWeeklyReport } from './jobs/weekly-report.ts';
import { createLogger, type Logger } from './log.ts';
import { MediaRegistry } from './media/registry.ts';
import { createMailer, type Mailer } from './notify/email.ts';
import { DiscordNotifier } from './notify/notifier.ts';
import { weekStart } from './policy/week.ts';
import { createTokenCipher, loadKey } from './secrets.ts';
import { getSettings } from './services/settings.ts';

export interface BotOptions {
  config: Config;
  log?: Logger;
  clock?: () => Date;
  /** Start the croner schedule (tests drive cycles with runCycleNow instead). Default true. */
  schedule?: boolean;
  /** REST tuning (tests: no retries, short timeout). */
  rest?: Partial<RESTOptions>;
}

export interface RunningBot {
  ctx: AppContext;
  client: Client;
  database: Database;
  stop(): Promise<void>;
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
  const media = new MediaRegistry(createTokenCipher(loadKey(config)), {
    plexTvUrl: config.plexTvUrl,
    timeoutMs: config.mediaTimeoutMs,
    clock,
  });
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

  const ctx: AppContext = {
    config,
    db: database.db,
    log,
    clock,
    media,
    notifier: new DiscordNotifier(client, mailer, log),
    runCycleNow: () =>
      cycles.run(async () => {
        last = await runEnforcementCycle(ctx);
        return last;
      }),
    reconcileDownloadSwitches: () =>
      switches.run(async () =>
        reconcileSwitches(ctx, await getSettings(ctx.db), await loadLinks(ctx.db), ctx.clock()),
      ),
    lastCycle: () => last,
    nextRuns: () => ({
      poll: schedule?.nextPoll() ?? null,
      weeklyReset: schedule?.nextWeeklyReset() ?? null,
    }),
  };

  const commandMap = new Map(commands.map((c) => [c.data.name, c]));
  client.on(Events.InteractionCreate, (interaction) => {
    void handleInteraction(interaction, commandMap, ctx);
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));

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
    await database.close();
    mailer?.close();
    throw err;
  }

  if (options.schedule ?? true) {
    schedule = startSchedule({
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
    async stop() {
      schedule?.stop();
      await client.destroy();
      mailer?.close();
      await database.close();
    },
  };
}
