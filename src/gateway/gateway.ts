// The running Discord side: one discord.js Client per gateway session (discord.js does not log a destroyed client
// in again: it stays marked ready and never emits ClientReady), the login with the check of the slash commands,
// the wait for an invitation, and the interactions handed to the dispatcher. REST (DMs, channel posts) always goes
// through the current client, also on a standby instance that is not logged in.
import {
  Client,
  Events,
  GatewayIntentBits,
  type Guild,
  type Interaction,
  Options,
  type RESTOptions,
  Routes,
  Status,
} from 'discord.js';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Command } from '../discord/command.ts';
import { deployCommands } from '../discord/deploy.ts';
import { noAccessAdvice, waitForGuildAccess } from '../discord/guild-access.ts';
import type { Logger } from '../log.ts';

export interface GatewayOptions {
  config: Config;
  db: Db;
  log: Logger;
  commands: readonly Command[];
  /** REST tuning (tests: no retries, short timeout). */
  rest?: Partial<RESTOptions> | undefined;
  /** Whether this instance may answer now (it holds the gateway lease and is not stopping). */
  mayAnswer(): boolean;
  onInteraction(interaction: Interaction): void;
  /** Aborts a start-up that is waiting to be added to the server. */
  signal?: AbortSignal | undefined;
  guildAccessRetry?: { firstMs: number; maxMs: number } | undefined;
}

export class Gateway {
  private client: Client;
  /** Set while the bot waits to be added to its server: what is wrong and how to fix it (for /readyz). */
  private accessProblem: string | null = null;
  /** Always the current client, for the notifier and commands that keep a reference. */
  readonly current: Client;

  constructor(private readonly o: GatewayOptions) {
    this.client = this.newClient();
    this.current = new Proxy({} as Client, {
      get: (_target, prop) => {
        const value = Reflect.get(this.client, prop, this.client);
        return typeof value === 'function' ? value.bind(this.client) : value;
      },
    });
  }

  get discord(): Client {
    return this.client;
  }

  problem(): string | null {
    return this.accessProblem;
  }

  /** The gateway's state in words for /readyz: 'ready' only when every shard is. */
  status(): string {
    if (this.accessProblem) return 'no access to the server';
    const shards = this.client.ws.shards;
    if (shards.size === 0) return 'disconnected';
    const notReady = [...shards.values()].find((s) => s.status !== Status.Ready);
    return notReady ? (Status[notReady.status] ?? 'unknown').toLowerCase() : 'ready';
  }

  /** Logs in and checks the slash commands; on failure the client is left logged out. */
  async connect(): Promise<void> {
    const { config, log } = this.o;
    let onReady = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    this.client.once(Events.ClientReady, onReady);
    try {
      await this.client.login(config.discordToken);
      await ready;
      const applicationId = config.applicationId ?? this.client.application?.id;
      if (!applicationId)
        throw new Error('Discord did not report the application id; set DISCORD_APPLICATION_ID.');
      const joined = this.client;
      await waitForGuildAccess({
        attempt: async () => {
          // Not among the READY guilds: ask Discord (404 / 403 while the bot is not in the server).
          if (!joined.guilds.cache.has(config.guildId)) await joined.rest.get(Routes.guild(config.guildId));
          const result = await deployCommands({
            rest: joined.rest,
            db: this.o.db,
            applicationId,
            guildId: config.guildId,
            commands: this.o.commands,
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
          this.accessProblem = noAccessAdvice(applicationId, config.guildId);
          log.warn({ retryInSeconds: Math.round(nextTryMs / 1000) }, this.accessProblem);
        },
        ...(this.o.signal ? { signal: this.o.signal } : {}),
        ...(this.o.guildAccessRetry ? { retry: this.o.guildAccessRetry } : {}),
      });
      this.accessProblem = null;
    } catch (err) {
      this.accessProblem = null;
      this.client.off(Events.ClientReady, onReady);
      await this.leave();
      throw err;
    }
  }

  /** Closes the gateway connection; REST (DMs) goes on through a fresh client, ready for the next login. */
  async leave(): Promise<void> {
    const old = this.client;
    this.client = this.newClient();
    await old.destroy();
  }

  async destroy(): Promise<void> {
    await this.client.destroy();
  }

  private newClient(): Client {
    const { config } = this.o;
    const c = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}), ...this.o.rest },
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
    c.on(Events.InteractionCreate, (interaction) => {
      // Fenced: between the gateway lease's deadline and the end of destroy(), another instance may answer.
      if (this.o.mayAnswer()) this.o.onInteraction(interaction);
    });
    c.on(Events.Error, (err) => this.o.log.error({ err }, 'discord client error'));
    return c;
  }
}
