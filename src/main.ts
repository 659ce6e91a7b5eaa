// Entry point: `npm start` (or `node dist/main.js` after `npm run build`). Loads .env when present, validates the
// environment, and runs the bot until SIGTERM or SIGINT: then it stops taking new work, finishes what is in flight
// (at most 10 s), closes the gateway and the database, and exits 0. A second signal exits at once. An error nothing
// caught exits 70 after logging it with an error id (src/crash.ts).
import { existsSync } from 'node:fs';
import { type RunningBot, startBot } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { installCrashHandlers } from './crash.ts';
import { createLogger } from './log.ts';
import { redact } from './redact.ts';

if (existsSync('.env')) process.loadEnvFile('.env');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(
      `${err.message}\n\nSet these in the environment or in a .env file (see .env.example and docs/operations.md).`,
    );
    process.exit(1);
  }
  throw err;
}

const format = config.logFormat === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : config.logFormat;
const log = createLogger(config.logLevel, { format });
installCrashHandlers(log);

let bot: RunningBot | null = null;
let stopRequested: string | null = null;
/** Ends a start-up that waits to be added to the server (the only wait of a start that can last). */
const startAbort = new AbortController();

async function shutdown(signal: string): Promise<never> {
  log.info({ signal }, 'shutting down');
  try {
    await bot?.stop();
    log.info('stopped cleanly');
    log.flush();
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    log.flush();
    process.exit(1);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopRequested) {
    log.warn({ signal }, 'second signal: exiting now');
    log.flush();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  stopRequested = signal;
  // During start-up the stop waits until the bot is up (so a migration is never cut in half).
  if (bot) void shutdown(signal);
  else startAbort.abort();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  bot = await startBot({ config, log, signal: startAbort.signal });
  if (stopRequested) await shutdown(stopRequested);
} catch (err) {
  if (stopRequested && startAbort.signal.aborted) {
    log.info({ signal: stopRequested }, 'stopped before the bot was added to its server');
    log.flush();
    process.exit(0);
  }
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
