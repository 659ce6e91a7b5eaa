import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { OutboxRow } from './db/schema.ts';
import type { Logger } from './log.ts';
import type { MediaRegistry } from './media/registry.ts';
import type { ActiveStream } from './media/types.ts';
import type { Notifier } from './notify/notifier.ts';
import type { SelfLinkLimits } from './policy/self-link-limits.ts';
import type { CapabilityObserver } from './types/capabilities.ts';
import type { CycleOptions, CycleReport, SwitchTally } from './types/cycle.ts';
import type {
  BackupStatus,
  Cluster,
  RoleSyncReport,
  RoleSyncStatus,
  RunReport,
  ServerPushState,
} from './types/running.ts';

/** What commands and jobs depend on; built once in app.ts. */
export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  /** The only source of "now" (tests move it). */
  clock: () => Date;
  /** Which instance this is and what it holds: on PostgreSQL several instances share the servers and the gateway. */
  cluster: Cluster;
  media: MediaRegistry;
  notifier: Notifier;
  /** The outbox: carries out due effects (`drain`), one effect now (`runKey`, null when it is not due), or the stops and notices of breach episodes (`settle`). */
  effects: {
    drain(): Promise<RunReport>;
    runKey(key: string): Promise<OutboxRow | null>;
    /** Due stops, then the notices of the episodes they settle; waits for a settle already running, then runs. */
    settle(now: Date): Promise<void>;
  };
  /** Runs one enforcement cycle now, or waits for the one already running (never two at once). */
  runCycleNow(options?: CycleOptions): Promise<CycleReport>;
  /**
   * Brings download switches up to date without reading the servers: back on when the week turned or the member is
   * no longer over the allotment (after an allotment or plan change), or the owner stopped switching them off. Returns what
   * changed, how many were switched back on, and how many that should be on are still off.
   */
  reconcileDownloadSwitches(): Promise<SwitchTally>;
  /** The last cycle's report (streams per member for /quota), or null before the first cycle. */
  lastCycle(): CycleReport | null;
  /** What the bot can do on each server, learnt from use and probes (src/services/capabilities.ts). */
  capabilities: CapabilityObserver;
  /** Push channel state per media server id (empty when PUSH=off). */
  pushStates(): Map<number, ServerPushState>;
  /** What a read of a server found, so its push channel can tell whether push announced every change. */
  notePushRead(serverId: number, streams: ActiveStream[]): void;
  /** Brings the server leases and push channels in step with the stored servers (after /server add or remove). */
  syncPush(): Promise<void>;
  /** Plans from Discord roles: `run` syncs now (after it was asked, never joining an older run); `status` for /status. */
  roleSync: { run(): Promise<RoleSyncReport>; status(): RoleSyncStatus };
  /** Backups of the embedded database by the running bot (src/engine/backups.ts): `run` backs up now. */
  backups: { run(): Promise<BackupStatus>; status(): BackupStatus };
  /**
   * Runs `task` after a command has answered (a `/link` sign-in waiting for the member), tracked so that stop()
   * waits for it; `signal` is aborted when the bot stops. Refused (throws) during a shutdown.
   */
  runInBackground(task: (signal: AbortSignal) => Promise<void>): void;
  /** How often a `/link` sign-in is checked (BotOptions.selfLinkPollMs, default 2 s). */
  selfLinkPollMs: number;
  /** `/link` rate limits (BotOptions.selfLinkLimits). */
  selfLinkLimits: SelfLinkLimits;
  /** When the next scheduled poll and weekly reset run (null when not scheduled). */
  nextRuns(): { poll: Date | null; weeklyReset: Date | null };
}
