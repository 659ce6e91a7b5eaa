import { eq } from 'drizzle-orm';
import type { CapabilityName, CapabilityRecord } from '../types/capabilities.ts';
import type { Db } from './client.ts';
import { serverCapabilities } from './schema.ts';

export type CapabilityMap = Map<CapabilityName, CapabilityRecord>;

const toRecord = (r: typeof serverCapabilities.$inferSelect): CapabilityRecord => ({
  state: r.state,
  since: r.since,
  reason: r.reason,
  fix: r.fix,
  lostAlerted: r.lostAlerted,
});

/** Every stored capability, per server id (capabilities never observed have no row: unknown). */
export async function loadCapabilities(db: Db, serverId?: number): Promise<Map<number, CapabilityMap>> {
  const rows = await db
    .select()
    .from(serverCapabilities)
    .where(serverId === undefined ? undefined : eq(serverCapabilities.serverId, serverId));
  const byServer = new Map<number, CapabilityMap>();
  for (const r of rows) {
    const map = byServer.get(r.serverId) ?? new Map();
    map.set(r.capability as CapabilityName, toRecord(r));
    byServer.set(r.serverId, map);
  }
  return byServer;
}

export async function storeCapability(
  db: Db,
  serverId: number,
  capability: CapabilityName,
  record: CapabilityRecord,
): Promise<void> {
  const values = { ...record };
  await db
    .insert(serverCapabilities)
    .values({ serverId, capability, ...values })
    .onConflictDoUpdate({
      target: [serverCapabilities.serverId, serverCapabilities.capability],
      set: values,
    });
}
