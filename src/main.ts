// Entry point: `npm start`. Loads .env when present, validates the environment, and runs the bot.
import { existsSync } from 'node:fs';
import { startBot } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { redact } from './redact.ts';

if (existsSync('.env')) process.loadEnvFile('.env');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(
      `${err.message}\n\nSet these in the environment or in a .env file (see .env.example and README.md).`,
    );
    process.exit(1);
  }
  throw err;
}

const log = createLogger(config.logLevel);
// A promise nobody awaited must not take the bot down (Node's default is to exit): log it and keep serving.
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
try {
  const bot = await startBot({ config, log });
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  const e = err as Error & { code?: string };
  if (e.code === 'TokenInvalid' || /token/i.test(e.message)) {
    console.error(
      'Discord refused DISCORD_TOKEN. Copy the token again from the developer portal (Bot → Reset Token).',
    );
  } else {
    console.error(`Streamwarden could not start: ${redact(e.message)}`);
  }
  log.debug({ err }, 'start-up failure');
  process.exit(1);
}
