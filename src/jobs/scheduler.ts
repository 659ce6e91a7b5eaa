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
  const weekly = new Cron(
    '0 0 * * 0',
    {
      name: 'weekly-reset',
      protect: true,
      catch: (err) => options.log.error({ err }, 'weekly reset failed'),
      timezone: options.timezone,
      paused: options.paused ?? false,
    },
    async () => {
      await options.weeklyReset();
    },
  );
  const roleSync = new Cron(
    '* * * * *',
    {
      name: 'role-sync',
      protect: true,
      catch: (err) => options.log.error({ err }, 'role sync failed'),
      timezone: options.timezone,
      paused: (options.paused ?? false) || !options.roleSync,
    },
    async () => {
      await options.roleSync?.();
    },
  );
  const probe = new Cron(
    CAPABILITY_PROBE_PATTERN,
    {
      name: 'capability-probe',
      protect: true,
      catch: (err) => options.log.error({ err }, 'capability probe failed'),
      timezone: options.timezone,
      paused: (options.paused ?? false) || !options.capabilityProbe,
    },
    async () => {
      await options.capabilityProbe?.();
    },
  );
  const backup = new Cron(
    options.backup?.pattern ?? '30 4 * * *',
    {
      name: 'backup',
      protect: true,
      catch: (err) => options.log.error({ err }, 'backup failed'),
      timezone: options.timezone,
      paused: (options.paused ?? false) || !options.backup,
    },
    async () => {
      await options.backup?.run();
    },
  );
  const embedded = new Cron(
    EMBEDDED_MAINTENANCE_PATTERN,
    {
      name: 'embedded-maintenance',
      protect: true,
      catch: (err) => options.log.error({ err }, 'hourly maintenance of the embedded database failed'),
      timezone: options.timezone,
      paused: (options.paused ?? false) || !options.embeddedMaintenance,
    },
    async () => {
      await options.embeddedMaintenance?.();
    },
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
