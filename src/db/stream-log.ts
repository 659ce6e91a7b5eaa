import { and, eq, gte } from 'drizzle-orm';
import type { ActiveStream } from '../media/types.ts';
import type { Db } from './client.ts';
import { streamLog } from './schema.ts';

/** A session key seen again within this window is the same session (Plex reuses small sessionKeys later). */
const SAME_SESSION_WINDOW_MS = 15 * 60 * 1000;

/** Keeps one row per playback session, updated while it lasts. */
export async function logStreams(
  db: Db,
  serverId: number,
  entries: Array<{ memberId: number | null; stream: ActiveStream }>,
  now: Date,
): Promise<void> {
  const since = new Date(now.getTime() - SAME_SESSION_WINDOW_MS);
  for (const { memberId, stream } of entries) {
    if (stream.state === null) continue;
    const values = {
      memberId,
      accountName: stream.accountName,
      device: stream.device,
      ipAddress: stream.ipAddress,
      title: stream.title,
      state: stream.state,
      lastSeenAt: now,
    };
    const updated = await db
      .update(streamLog)
      .set(values)
      .where(
        and(
          eq(streamLog.serverId, serverId),
          eq(streamLog.sessionKey, stream.key),
          gte(streamLog.lastSeenAt, since),
        ),
      )
      .returning({ id: streamLog.id });
    if (updated.length === 0) {
      await db
        .insert(streamLog)
        .values({ ...values, serverId, sessionKey: stream.key, firstSeenAt: stream.startedAt ?? now });
    }
  }
}
