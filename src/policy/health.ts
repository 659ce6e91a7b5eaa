// Media-server health as the readiness endpoint and the metrics report it. Pure: the caller passes `now`.

/** Reads that keep failing for longer than this many poll intervals make a server "degraded". */
export const DEGRADED_AFTER_POLLS = 3;

export interface ServerHealthInput {
  status: 'unknown' | 'up' | 'down';
  /** When the current status began (for a down server: the first failed read of this outage). */
  statusSince: Date | null;
}

/** A server is degraded when its reads have failed for longer than three poll intervals. */
export function isDegraded(server: ServerHealthInput, now: Date, pollIntervalMs: number): boolean {
  if (server.status !== 'down' || !server.statusSince) return false;
  return now.getTime() - server.statusSince.getTime() > DEGRADED_AFTER_POLLS * pollIntervalMs;
}
