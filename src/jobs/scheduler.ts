// The one wrapper around croner: the poll on POLL_SCHEDULE and the weekly reset at Sunday 00:00 in TIMEZONE.
// Never two cycles at once: a scheduled fire while a cycle runs is skipped (croner `protect`), and a manual
// run-now joins the cycle already running instead of starting another.
import { Cron } from 'croner';
import type { Logger } from '../log.ts';

/** Every six hours, off the hour so it does not meet the poll's round minutes. */
export const CAPABILITY_PROBE_PATTERN = '41 */6 * * *';
/** Every hour, off the round minutes too. */
export const EMBEDDED_MAINTENANCE_PATTERN = '23 * * * *';

export interface Schedule {
  stop(): void;
  nextPoll(): Date | null;
  nextWeeklyReset(): Date | null;
  /** Runs a job now through croner's own trigger (same error handling as a scheduled fire). */
  fire(
    job: 'poll' | 'weekly-reset' | 'role-sync' | 'capability-probe' | 'backup' | 'embedded-maintenance',
  ): Promise<void>;
  /** When the next backup of the embedded database runs (null when backups are off). */
  nextBackup(): Date | null;
}

export function startSchedule(options: {
  pollPattern: string;
  timezone: string;
  poll: () => Promise<unknown>;
  weeklyReset: () => Promise<unknown>;
  /** Plans from Discord roles, every minute (src/engine/role-sync.ts). */
  roleSync?: () => Promise<unknown>;
  /** Side-effect-free probes of what each server can do, every six hours (src/services/capabilities.ts). */
  capabilityProbe?: () => Promise<unknown>;
  /** Backups of the embedded database by the running bot (src/engine/backups.ts), on BACKUP_SCHEDULE. */
  backup?: { pattern: string; run: () => Promise<unknown> };
  /** The embedded database's hourly vacuum and checkpoint (src/engine/maintenance.ts), PGlite only. */
  embeddedMaintenance?: () => Promise<unknown>;
  log: Logger;
  /** Create the jobs without letting the clock fire them (tests fire them with `fire`). */
  paused?: boolean;
}): Schedule {
  const poll = new Cron(
    options.pollPattern,
    {
      name: 'enforcement-poll',
      protect: () => options.log.warn('previous enforcement cycle still running; this one is skipped'),
      catch: (err) => options.log.error({ err }, 'enforcement cycle failed'),
      timezone: options.timezone,
      paused: options.paused ?? false,
    },
    async () => {
      await options.poll();
    },
  );
  /** A job that never overlaps itself, logs its failure under `failure`, and is paused when it has nothing to run. */
  const job = (pattern: string, name: string, failure: string, run: (() => Promise<unknown>) | undefined) =>
    new Cron(
      pattern,
      {
        name,
        protect: true,
        catch: (err) => options.log.error({ err }, failure),
        timezone: options.timezone,
        paused: (options.paused ?? false) || !run,
      },
      async () => {
        await run?.();
      },
    );
  const weekly = job('0 0 * * 0', 'weekly-reset', 'weekly reset failed', options.weeklyReset);
  const roleSync = job('* * * * *', 'role-sync', 'role sync failed', options.roleSync);
  const probe = job(
    CAPABILITY_PROBE_PATTERN,
    'capability-probe',
    'capability probe failed',
    options.capabilityProbe,
  );
  const backup = job(options.backup?.pattern ?? '30 4 * * *', 'backup', 'backup failed', options.backup?.run);
  const embedded = job(
    EMBEDDED_MAINTENANCE_PATTERN,
    'embedded-maintenance',
    'hourly maintenance of the embedded database failed',
    options.embeddedMaintenance,
  );
  const jobs = {
    poll,
    'weekly-reset': weekly,
    'role-sync': roleSync,
    'capability-probe': probe,
    backup,
    'embedded-maintenance': embedded,
  };
  return {
    stop() {
      for (const job of Object.values(jobs)) job.stop();
    },
    nextPoll: () => poll.nextRun(),
    nextWeeklyReset: () => weekly.nextRun(),
    nextBackup: () => (options.backup ? backup.nextRun() : null),
    fire: (job) => jobs[job].trigger(),
  };
}
