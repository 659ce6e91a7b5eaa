// Backups of the embedded database while the bot runs: on BACKUP_SCHEDULE the open database dumps itself (the
// format `npm run db:restore` reads) into BACKUP_DIR, and the oldest files beyond BACKUP_KEEP go. /status shows the
// last one; the admins get one alert when backups start failing and one when they work again.

import type { AppContext } from '../context.ts';
import { pruneBackups, writeRunningBackup } from '../db/backup.ts';
import { effectsByPrefix } from '../db/outbox.ts';
import type { Logger } from '../log.ts';
import { queueNotice } from '../notify/notice-queue.ts';
import { plainAlert } from '../notify/notices.ts';
import { redact } from '../redact.ts';
import { getSettings } from '../services/settings.ts';
import type { BackupStatus } from '../types/running.ts';
import { SingleFlight } from './single-flight.ts';

export interface RunningBackupsOptions {
  dump: (() => Promise<Blob>) | undefined;
  dir: string;
  keep: number;
  schedule: string | null;
  log: Logger;
}

type AlertContext = Pick<AppContext, 'db' | 'clock'>;

/** The start of the latest failure that was alerted and has not been followed by a "work again" alert. */
async function openFailure(ctx: AlertContext): Promise<Date | null> {
  const subjects = (kind: string, rows: Array<{ key: string }>) =>
    new Set(rows.map((r) => r.key.slice(`notice:backup-${kind}:`.length, -':alert'.length)));
  const failing = subjects('failing', await effectsByPrefix(ctx.db, 'notice:backup-failing:'));
  const back = subjects('back', await effectsByPrefix(ctx.db, 'notice:backup-back:'));
  const open = [...failing].filter((s) => !back.has(s)).sort();
  return open.length > 0 ? new Date(open.at(-1)!) : null;
}

export class RunningBackups {
  private readonly flight = new SingleFlight<BackupStatus>();
  private last: BackupStatus['last'] = null;
  private failing: BackupStatus['failing'] = null;

  constructor(private readonly options: RunningBackupsOptions) {}

  get enabled(): boolean {
    return this.options.dump !== undefined && this.options.schedule !== null;
  }

  status(): BackupStatus {
    return { schedule: this.enabled ? this.options.schedule : null, last: this.last, failing: this.failing };
  }

  /** One backup now (joins one already running). Never throws: a failure is in the status and alerted once. */
  run(ctx: AlertContext): Promise<BackupStatus> {
    return this.flight.run(() => this.once(ctx));
  }

  private async once(ctx: AlertContext): Promise<BackupStatus> {
    const { dump, dir, keep, log } = this.options;
    if (!dump) return this.status();
    const now = ctx.clock();
    // A failure alerted before a restart is still the same failure: no second "failing", and a "back" when it ends.
    const open = this.failing?.since ?? (await openFailure(ctx).catch(() => null));
    try {
      const written = await writeRunningBackup(dump, dir, now);
      const removed = pruneBackups(dir, keep);
      this.last = { at: now, ...written };
      log.info({ file: written.file, bytes: written.bytes, removed: removed.length }, 'backup written');
      const error = this.failing?.error ?? '';
      this.failing = null;
      if (open) await this.alert(ctx, 'back', open, error);
    } catch (err) {
      const error = redact((err as Error).message);
      log.error({ err }, 'backup failed');
      this.failing = { since: open ?? now, error };
      if (!open) await this.alert(ctx, 'failing', now, error);
    }
    return this.status();
  }

  private async alert(
    ctx: AlertContext,
    kind: 'failing' | 'back',
    since: Date,
    error: string,
  ): Promise<void> {
    try {
      const settings = await getSettings(ctx.db);
      const message =
        kind === 'failing'
          ? plainAlert(
              'Backups are failing',
              `The backup into ${this.options.dir} failed: ${error}\n**What to do:** check that the folder exists, is writable by the bot and has free space (BACKUP_DIR). The bot keeps trying on its schedule and says so here when a backup works again.`,
            )
          : plainAlert(
              'Backups work again',
              `The last backup worked; they had failed since <t:${Math.floor(since.getTime() / 1000)}:f>.`,
              true,
            );
      // Keyed by the failure's start: one "failing" and one "back" per failure.
      await queueNotice(
        ctx,
        { kind: `backup-${kind}`, subject: since.toISOString(), channel: 'alert' },
        { channel: 'alert', to: settings.alertsChannelId, message },
      );
    } catch (err) {
      this.options.log.error({ err }, 'backup alert could not be queued');
    }
  }
}
