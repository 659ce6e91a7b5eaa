import { and, eq, gte, isNull, lt, or } from 'drizzle-orm';
import type { Db } from './client.ts';
import { mediaServers, serverOutages } from './schema.ts';

/**
 * Keeps the outage history that the weekly report reads: a read that finds a server down opens an outage (at most
 * one open per server), and the first read that finds it up again closes it.
 */
export async function recordServerTransition(
  db: Db,
  serverId: number,
  up: boolean,
  now: Date,
  reason: string | null,
): Promise<void> {
  if (up) {
    await db
      .update(serverOutages)
      .set({ endedAt: now })
      .where(and(eq(serverOutages.serverId, serverId), isNull(serverOutages.endedAt)));
  } else {
    await db.insert(serverOutages).values({ serverId, startedAt: now, reason }).onConflictDoNothing();
  }
}

/** Outages that overlap [from, to), with the server's name. */
export async function outagesBetween(db: Db, from: Date, to: Date) {
  return db
    .select({
      serverId: serverOutages.serverId,
      server: mediaServers.name,
      startedAt: serverOutages.startedAt,
      endedAt: serverOutages.endedAt,
    })
    .from(serverOutages)
    .innerJoin(mediaServers, eq(mediaServers.id, serverOutages.serverId))
    .where(
      and(
        lt(serverOutages.startedAt, to),
        or(isNull(serverOutages.endedAt), gte(serverOutages.endedAt, from)),
      ),
    );
}
