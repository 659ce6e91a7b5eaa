// Sessions the bot stopped, remembered until the server stops listing them (see `stoppedSessions` in schema.ts).
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from './client.ts';
import { stoppedSessions } from './schema.ts';

/** `serverId:sessionKey` of every remembered stop. */
export async function loadStoppedSessions(db: Db): Promise<Set<string>> {
  const rows = await db.select().from(stoppedSessions);
  return new Set(rows.map((r) => `${r.serverId}:${r.sessionKey}`));
}

export async function rememberStop(
  db: Db,
  stop: { serverId: number; sessionKey: string; memberId: number; now: Date },
): Promise<void> {
  await db
    .insert(stoppedSessions)
    .values({
      serverId: stop.serverId,
      sessionKey: stop.sessionKey,
      memberId: stop.memberId,
      stoppedAt: stop.now,
    })
    .onConflictDoNothing();
}

/** Forgets the given stops on one server (it no longer lists them, or the stop turned out not to work). */
export async function forgetStops(db: Db, serverId: number, sessionKeys: string[]): Promise<void> {
  if (sessionKeys.length === 0) return;
  await db
    .delete(stoppedSessions)
    .where(and(eq(stoppedSessions.serverId, serverId), inArray(stoppedSessions.sessionKey, sessionKeys)));
}
