// The state of what runs by itself (role sync, backups, the outbox, push channels, the instances' leases), as
// the context, /status and the metrics read it. Types only: the code that runs lives in engine/, sense/ and cluster/.
export interface RoleSyncChange {
  discordUserId: string;
  from: number | null;
  to: number | null;
}

export interface RoleSyncReport {
  /** `unused`: no binding and no plan from roles, nothing was asked of Discord. */
  outcome: 'ok' | 'unused' | 'unavailable' | 'failed';
  changes: RoleSyncChange[];
  /** Why the members could not be listed. */
  reason?: string;
}

export interface RoleSyncStatus {
  /** `unknown` before the first run that needed the member list. */
  access: 'unknown' | 'ok' | 'missing';
  lastRunAt: Date | null;
  bindings: number;
}

export interface BackupStatus {
  /** Null on PostgreSQL (pg_dump's job) or with BACKUP_SCHEDULE=off. */
  schedule: string | null;
  last: { at: Date; bytes: number; file: string } | null;
  /** The failure of the latest attempt, when it failed, and since when attempts fail. */
  failing: { since: Date; error: string } | null;
}

export interface RunReport {
  done: number;
  retried: number;
  failed: number;
}

export type PushState = 'connecting' | 'connected' | 'waiting' | 'stopped';

export interface ServerPushState {
  serverId: number;
  name: string;
  platform: string;
  state: PushState;
  /** Why the channel is down, in words for admins (never a URL or token); null while connected. */
  detail: string | null;
  /** When the last event that was read as a possible change arrived (bot clock); null before the first. */
  lastEventAt: Date | null;
  /** Connected but not delivering: since when (bot clock), why, and what the owner can do. Null while it delivers
   *  (or before anything proved otherwise). */
  silent: { since: Date; reason: string; fix: string | null } | null;
}

/** What the rest of the bot asks (ctx.cluster). */
export interface Cluster {
  /** Random and stable for the process: `${hostname}-${pid}-${random}`. */
  readonly instanceId: string;
  /** 'single' on PGlite: this process holds the gateway and every server. */
  readonly mode: 'single' | 'shared';
  /** Whether this instance may read and stop streams on the server now (fenced: false once the lease is stale). */
  ownsServer(serverId: number): boolean;
  /** Whether this instance may be logged in to the gateway and answer commands now. */
  isGatewayHolder(): boolean;
  /** Lease names this instance trusts now, sorted (for /status). */
  held(): string[];
}

export interface GuildMemberEntry {
  id: string;
  displayName: string;
  roleIds: string[];
  bot: boolean;
}

export type MemberListing =
  | { ok: true; members: GuildMemberEntry[] }
  | { ok: false; missingAccess: boolean; reason: string };
