// Starts the real bot (real discord.js client, real database, real media adapters) against loopback doubles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BotOptions, type RunningBot, startBot } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import type { DiscordDouble } from '../doubles/discord/index.ts';
import { TestClock } from './clock.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestBot {
  bot: RunningBot;
  clock: TestClock;
  config: Config;
  /** Stops the bot (keeping the database) and starts it again on the same database: a restart. `whileStopped`
   *  runs in between (a database tool the owner runs while the bot is stopped). */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestBot(options: {
  discord: DiscordDouble;
  now?: string;
  config?: Partial<Config>;
  /** 'paused': build the real croner schedule without letting the clock fire it (fire it with schedule.fire);
   *  true: let croner fire it on the real clock (the benches). */
  schedule?: boolean | 'paused';
  /** Push watcher timings; tests default to fast reconnects. */
  push?: BotOptions['push'];
  /** discord.js REST options over the defaults below (a test of timeouts shortens `timeout`). */
  rest?: { retries?: number; timeout?: number };
  /** The outbox runner's interval (0: off, so that only the cycles a test runs send statements). */
  outboxIntervalMs?: number;
  /** Another instance on the first bot's database and data directory (same encryption key): PostgreSQL only. Its
   *  stop() leaves the database to the first bot. */
  sharedDatabase?: TestBot;
  /** A database and data directory that outlive this bot (another process used them before): stop() keeps them. */
  existing?: { databaseUrl: string | null; dataDir: string };
  /** Lease timings (several instances on PostgreSQL). */
  cluster?: BotOptions['cluster'];
  /** How often a `/link` sign-in is checked (BotOptions.selfLinkPollMs). */
  selfLinkPollMs?: number;
  /** BotOptions.selfLinkLimits (the real limits unless a test needs more sign-ins). */
  selfLinkLimits?: BotOptions['selfLinkLimits'];
  /** BotOptions.signInSettleMs; default 0 (settled at start-up, then when a test calls settlePendingSignIns). */
  signInSettleMs?: number;
  /** The bot's logger (default: silent); a test that reads the log lines passes createLogger with a destination. */
  log?: Logger;
}): Promise<TestBot> {
  const first = options.sharedDatabase;
  if (first && !first.config.databaseUrl) throw new Error('sharedDatabase needs PostgreSQL (DATABASE_URL)');
  const kept = first
    ? { databaseUrl: first.config.databaseUrl, dataDir: first.config.dataDir }
    : options.existing;
  const database: TestDatabase = kept
    ? { url: kept.databaseUrl, drop: async () => {} }
    : await createTestDatabase();
  const dataDir = kept ? kept.dataDir : mkdtempSync(join(tmpdir(), 'streamwarden-test-'));
  const clock = new TestClock(new Date(options.now ?? '2026-11-18T20:00:00Z'));
  const config: Config = {
    discordToken: options.discord.token,
    guildId: options.discord.guildId,
    applicationId: null,
    discordApiUrl: options.discord.apiUrl,
    databaseUrl: database.url,
    // PGlite on disk (not in memory) so that a restart keeps the data, as in production.
    dataDir,
    timezone: 'UTC',
    pollSchedule: '*/5 * * * *',
    smtpUrl: null,
    mailFrom: null,
    plexTvUrl: 'http://127.0.0.1:9',
    logLevel: 'silent',
    encryptionKey: null,
    confirmDelaySeconds: 0,
    verifyStopSeconds: 0,
    mediaTimeoutMs: 1500,
    httpPort: null,
    httpHost: '127.0.0.1',
    logFormat: 'json',
    // Off unless a test asks: the other tests drive every cycle themselves.
    push: false,
    backupSchedule: '30 4 * * *',
    backupKeep: 7,
    backupDir: join(dataDir, 'backups'),
    inContainer: false,
    ...options.config,
  };
  const launch = () =>
    startBot({
      config,
      log: options.log ?? silentLogger,
      clock: clock.now,
      schedule: options.schedule ?? false,
      // One retry, as discord.js does by default for network errors: a keep-alive socket the double closed
      // between two requests answers ECONNRESET, which the real client retries too.
      rest: { retries: 1, timeout: 10_000, ...options.rest },
      ...(options.outboxIntervalMs !== undefined ? { outboxIntervalMs: options.outboxIntervalMs } : {}),
      ...(options.selfLinkPollMs !== undefined ? { selfLinkPollMs: options.selfLinkPollMs } : {}),
      signInSettleMs: options.signInSettleMs ?? 0,
      ...(options.selfLinkLimits ? { selfLinkLimits: options.selfLinkLimits } : {}),
      push: options.push ?? { channel: { initialBackoffMs: 50, maxBackoffMs: 200 } },
      cluster: options.cluster,
    });
  const handle: TestBot = {
    bot: await launch(),
    clock,
    config,
    async restart(whileStopped) {
      await handle.bot.stop();
      await whileStopped?.();
      handle.bot = await launch();
    },
    async stop() {
      await handle.bot.stop();
      if (kept) return;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
