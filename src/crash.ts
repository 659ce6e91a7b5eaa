// What an error that nothing caught does, decided once: it is logged with a short error id and the process exits
// with EXIT_CRASHED, so a supervisor (Docker's restart policy, systemd) starts a clean process. The bot's state is
// in the database (the outbox, episodes, switches), so a restart resumes where it stopped; carrying on after an
// unknown failure could leave half-done work in memory. No network input reaches this path: the health port and
// every interaction catch their own errors.
import { randomUUID } from 'node:crypto';
import type { Logger } from './log.ts';
import { redact } from './redact.ts';

/** EX_SOFTWARE from sysexits.h: an internal software error. */
export const EXIT_CRASHED = 70;

export function installCrashHandlers(log: Logger, exit: (code: number) => void = process.exit): void {
  let crashing = false;
  const crash = (kind: 'uncaught exception' | 'unhandled rejection', err: unknown) => {
    if (crashing) return;
    crashing = true;
    const errorId = randomUUID().slice(0, 8);
    log.fatal({ err, errorId }, `${kind}: exiting so that a clean process starts`);
    const message = err instanceof Error ? err.message : String(err);
    // A plain line as well, in case the log goes through a transport that can't flush before the exit.
    process.stderr.write(
      `Streamwarden stopped after an unexpected error (${kind}, error id ${errorId}): ${redact(message).slice(0, 500)}\n`,
    );
    let exited = false;
    const done = () => {
      if (exited) return;
      exited = true;
      exit(EXIT_CRASHED);
    };
    try {
      log.flush(done);
    } catch {
      done();
    }
    setTimeout(done, 1_000);
  };
  process.on('uncaughtException', (err) => crash('uncaught exception', err));
  process.on('unhandledRejection', (reason) => crash('unhandled rejection', reason));
}
