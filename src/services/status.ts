// What /status shows: per media server its push channel, last read and health; the outbox; failing download
// switches. Data only: commands/status.ts renders it.
import { asc, eq, inArray } from 'drizzle-orm';
import { GATEWAY_LEASE, leaseServerId } from '../cluster/plan.ts';
import type { AppContext } from '../context.ts';
import { activeLeases } from '../db/leases.ts';
import { outboxCounts } from '../db/outbox.ts';
import { downloadSwitches, mediaServers } from '../db/schema.ts';
import { pollIntervalMs } from '../http/readiness.ts';
import { isDegraded } from '../policy/health.ts';
import type { CapabilityName, CapabilityRecord } from '../types/capabilities.ts';
import type { BackupStatus, RoleSyncStatus, ServerPushState } from '../types/running.ts';
import { capabilityStates, shownCapabilities } from './capabilities.ts';

export interface ServerStatus {
  name: string;
  platform: string;
  /** Null when PUSH=off. */
  push: Pick<ServerPushState, 'state' | 'detail' | 'lastEventAt' | 'silent'> | null;
  /** Every capability, unknown where never observed. */
  capabilities: Map<CapabilityName, CapabilityRecord>;
  health: 'up' | 'down' | 'degraded' | 'unknown';
  healthReason: string | null;
  lastReadAt: Date | null;
}

/** One live instance and what it holds (from the leases table, so every instance is seen, not only this one). */
export interface InstanceStatus {
  id: string;
  /** The instance answering this command. */
  self: boolean;
  gateway: boolean;
  /** Names of the servers it senses. */
  servers: string[];
}

export interface BotStatus {
  /** 'single' on PGlite: one process holds the gateway and every server. */
  clusterMode: 'single' | 'shared';
  instances: InstanceStatus[];
  pushEnabled: boolean;
  servers: ServerStatus[];
  outbox: { pending: number; failed: number };
  failingSwitches: Array<{ server: string; account: string; state: 'disable-failed' | 'enable-failed' }>;
  /** Plans from Discord roles (src/engine/role-sync.ts). */
  roleSync?: RoleSyncStatus;
  /** Backups by the running bot (embedded database only). */
  backup?: BackupStatus;
}

export async function botStatus(ctx: AppContext): Promise<BotStatus> {
  const now = ctx.clock();
  const interval = pollIntervalMs(ctx.config.pollSchedule, ctx.config.timezone, now);
  const rows = await ctx.db.select().from(mediaServers).orderBy(asc(mediaServers.name));
  const push = ctx.pushStates();
  const capabilities = await capabilityStates(ctx);
  const servers = rows.map((row): ServerStatus => {
    const p = push.get(row.id);
    return {
      name: row.name,
      platform: row.platform,
      push: ctx.config.push
        ? {
            state: p?.state ?? 'connecting',
            detail: p?.detail ?? null,
            lastEventAt: p?.lastEventAt ?? null,
            silent: p?.silent ?? null,
          }
        : null,
      capabilities: shownCapabilities(ctx, row, capabilities.get(row.id)),
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
    clusterMode: ctx.cluster.mode,
    instances: await instances(ctx, rows),
    pushEnabled: ctx.config.push,
    servers,
    outbox: await outboxCounts(ctx.db),
    roleSync: ctx.roleSync.status(),
    backup: ctx.backups.status(),
    failingSwitches: failing.flatMap((f) =>
      f.state === 'disabled' ? [] : [{ server: f.server, account: f.account, state: f.state }],
    ),
  };
}

async function instances(
  ctx: AppContext,
  rows: Array<{ id: number; name: string }>,
): Promise<InstanceStatus[]> {
  const self = ctx.cluster.instanceId;
  if (ctx.cluster.mode === 'single')
    return [{ id: self, self: true, gateway: true, servers: rows.map((r) => r.name) }];
  const names = new Map(rows.map((r) => [r.id, r.name]));
  const byId = new Map<string, InstanceStatus>();
  const entry = (id: string) => {
    let e = byId.get(id);
    if (!e) {
      e = { id, self: id === self, gateway: false, servers: [] };
      byId.set(id, e);
    }
    return e;
  };
  entry(self);
  for (const lease of await activeLeases(ctx.db)) {
    const serverId = leaseServerId(lease.name);
    if (lease.name === GATEWAY_LEASE) entry(lease.holder).gateway = true;
    else if (serverId !== null) entry(lease.holder).servers.push(names.get(serverId) ?? `#${serverId}`);
    else if (lease.name.startsWith('instance:')) entry(lease.holder);
  }
  // This instance first, then the gateway holder, then by id.
  return [...byId.values()].sort(
    (a, b) =>
      Number(b.self) - Number(a.self) || Number(b.gateway) - Number(a.gateway) || a.id.localeCompare(b.id),
  );
}
