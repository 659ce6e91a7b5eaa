// What /readyz answers. The bot is ready when the database answers and the Discord gateway is connected. Media
// servers are listed with their last successful read; a server that has failed for longer than three poll
// intervals is "degraded", which does not make the bot unready (restarting the bot would not fix a media server).
import { Cron } from 'croner';
import type { Db } from '../db/client.ts';
import { mediaServers } from '../db/schema.ts';
import { isDegraded } from '../policy/health.ts';

const DATABASE_TIMEOUT_MS = 2000;

export interface Readiness {
  ready: boolean;
  /** The failing parts, e.g. ["gateway"]; empty when ready. */
  failing: Array<'database' | 'gateway'>;
  checks: {
    database: { ok: boolean; error?: string };
    gateway: { ok: boolean; status: string; reason?: string };
  };
  servers: Array<{
    name: string;
    platform: string;
    status: 'unknown' | 'up' | 'down' | 'degraded';
    lastSuccessfulRead: string | null;
    failingSince: string | null;
    reason: string | null;
  }>;
}

/** Milliseconds between two consecutive runs of the poll schedule after `now`. */
export function pollIntervalMs(pattern: string, timezone: string, now: Date): number {
  const cron = new Cron(pattern, { paused: true, timezone });
  const [a, b] = cron.nextRuns(2, now);
  cron.stop();
  return a && b ? b.getTime() - a.getTime() : 5 * 60_000;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(probe: {
  db: Db;
  /** The gateway's state in words ('ready', 'connecting', 'reconnecting', 'disconnected', 'standby', …). */
  gatewayStatus: () => string;
  /** What is wrong with the gateway and how to fix it, when known. */
  gatewayProblem?: () => string | null;
  now: Date;
  pollIntervalMs: number;
}): Promise<Readiness> {
  const failing: Readiness['failing'] = [];
  let database: Readiness['checks']['database'] = { ok: true };
  let servers: Readiness['servers'] = [];
  try {
    const rows = await withTimeout(probe.db.select().from(mediaServers), DATABASE_TIMEOUT_MS);
    servers = rows
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({
        name: s.name,
        platform: s.platform,
        status: isDegraded(s, probe.now, probe.pollIntervalMs) ? 'degraded' : s.status,
        lastSuccessfulRead: s.lastPollAt?.toISOString() ?? null,
        failingSince: s.status === 'down' ? (s.statusSince?.toISOString() ?? null) : null,
        reason: s.status === 'down' ? s.statusReason : null,
      }));
  } catch (err) {
    const timedOut = err instanceof Error && err.message.startsWith('no answer within');
    database = { ok: false, error: timedOut ? err.message : 'the database does not answer' };
    failing.push('database');
  }
  const status = probe.gatewayStatus();
  // 'standby': another instance holds the gateway; this one is ready to take it over.
  const gatewayOk = status === 'ready' || status === 'standby';
  if (!gatewayOk) failing.push('gateway');
  const reason = gatewayOk ? null : (probe.gatewayProblem?.() ?? null);
  return {
    ready: failing.length === 0,
    failing,
    checks: { database, gateway: { ok: gatewayOk, status, ...(reason ? { reason } : {}) } },
    servers,
  };
}
