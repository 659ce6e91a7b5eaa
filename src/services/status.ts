// What /status shows: per media server its push channel, last read and health; the outbox; failing download
// switches. Data only: commands/status.ts renders it.
import { asc, eq, inArray } from 'drizzle-orm';
import { outboxCounts } from '../act/outbox.ts';
import type { AppContext } from '../context.ts';
import { downloadSwitches, mediaServers } from '../db/schema.ts';
import { pollIntervalMs } from '../http/readiness.ts';
import type { RoleSyncStatus } from '../jobs/role-sync.ts';
import { isDegraded } from '../policy/health.ts';
import type { ServerPushState } from '../sense/watchers.ts';

export interface ServerStatus {
  name: string;
  platform: string;
  /** Null when PUSH=off. */
  push: Pick<ServerPushState, 'state' | 'detail' | 'lastEventAt'> | null;
  health: 'up' | 'down' | 'degraded' | 'unknown';
  healthReason: string | null;
  lastReadAt: Date | null;
}

export interface BotStatus {
  pushEnabled: boolean;
  servers: ServerStatus[];
  outbox: { pending: number; failed: number };
  failingSwitches: Array<{ server: string; account: string; state: 'disable-failed' | 'enable-failed' }>;
  /** Plans from Discord roles (src/jobs/role-sync.ts). */
  roleSync?: RoleSyncStatus;
}

export async function botStatus(ctx: AppContext): Promise<BotStatus> {
  const now = ctx.clock();
  const interval = pollIntervalMs(ctx.config.pollSchedule, ctx.config.timezone, now);
  const rows = await ctx.db.select().from(mediaServers).orderBy(asc(mediaServers.name));
  const push = ctx.pushStates();
  const servers = rows.map((row): ServerStatus => {
    const p = push.get(row.id);
    return {
      name: row.name,
      platform: row.platform,
      push: ctx.config.push
        ? { state: p?.state ?? 'connecting', detail: p?.detail ?? null, lastEventAt: p?.lastEventAt ?? null }
        : null,
      health: isDegraded(row, now, interval) ? 'degraded' : row.status,
      healthReason: row.status === 'down' ? row.statusReason : null,
      lastReadAt: row.lastPollAt,
    };
  });
  const failing = await ctx.db
    .select({
      server: mediaServers.name,
      account: downloadSwitches.accountName,
      state: downloadSwitches.state,
    })
    .from(downloadSwitches)
    .innerJoin(mediaServers, eq(mediaServers.id, downloadSwitches.serverId))
    .where(inArray(downloadSwitches.state, ['disable-failed', 'enable-failed']))
    .orderBy(asc(mediaServers.name), asc(downloadSwitches.accountName));
  return {
    pushEnabled: ctx.config.push,
    servers,
    outbox: await outboxCounts(ctx.db),
    roleSync: ctx.roleSync.status(),
    failingSwitches: failing.flatMap((f) =>
      f.state === 'disabled' ? [] : [{ server: f.server, account: f.account, state: f.state }],
    ),
  };
}
