// When each job runs, and nothing else: the poll, the weekly turn, role sync, capability probes, backups and the
// embedded database's hourly maintenance, each
// handed to what does the work (the engine through the context, jobs/weekly.ts, engine/capability-probe.ts).
import type { AppContext } from '../context.ts';
import { probeAllCapabilities } from '../engine/capability-probe.ts';
import { maintainEmbedded } from '../engine/maintenance.ts';
import { type Schedule, startSchedule } from './scheduler.ts';
import { weeklyTurn } from './weekly.ts';

export interface JobOptions {
  /** Built without letting the clock fire it (tests fire its jobs with `schedule.fire`). */
  paused: boolean;
  /** Whether the running bot backs up its embedded database (BACKUP_SCHEDULE, PGlite only). */
  backups: boolean;
  /** Tracks work a shutdown must wait for. */
  track<T>(work: Promise<T>): Promise<T>;
}

export function scheduleJobs(ctx: AppContext, options: JobOptions): Schedule {
  const { config, log } = ctx;
  const schedule = startSchedule({
    paused: options.paused,
    pollPattern: config.pollSchedule,
    timezone: config.timezone,
    poll: () => ctx.runCycleNow(),
    weeklyReset: () => weeklyTurn(ctx),
    roleSync: () => ctx.roleSync.run(),
    capabilityProbe: () => options.track(probeAllCapabilities(ctx)),
    ...(options.backups && config.backupSchedule
      ? { backup: { pattern: config.backupSchedule, run: () => ctx.backups.run() } }
      : {}),
    ...(config.databaseUrl === null
      ? {
          embeddedMaintenance: () =>
            options.track(
              maintainEmbedded(ctx.db).then((tables) => {
                if (tables.length > 0) log.debug({ tables }, 'vacuumed the tables with dead rows');
              }),
            ),
        }
      : {}),
    log,
  });
  // And once at start, in the background (the first cycles learn the same from use).
  if (!options.paused)
    void options
      .track(probeAllCapabilities(ctx))
      .catch((err) => log.error({ err }, 'capability probe failed'));
  return schedule;
}
