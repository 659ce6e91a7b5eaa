import { and, eq, gte, inArray, isNotNull, or } from 'drizzle-orm';
import type { DownloadActivity } from '../media/types.ts';
import { observeDownload } from '../policy/downloads.ts';
import type { Db } from './client.ts';
import { type DownloadRow, downloads } from './schema.ts';

/**
 * Folds one server's download activities into the store. Idempotent: the row keeps the earliest start and the
 * latest incomplete sighting (src/policy/downloads.ts), so repeated or replayed observations change nothing.
 */
export async function recordDownloads(
  db: Db,
  serverId: number,
  seen: Array<{ activity: DownloadActivity; memberId: number | null }>,
  options: { logged: boolean; now: Date },
): Promise<void> {
  if (seen.length === 0) return;
  const keys = seen.map((s) => s.activity.id);
  const existing = await db
    .select()
    .from(downloads)
    .where(and(eq(downloads.serverId, serverId), inArray(downloads.downloadKey, keys)));
  const byKey = new Map(existing.map((r) => [r.downloadKey, r]));
  for (const { activity, memberId } of seen) {
    const previous = byKey.get(activity.id);
    const record = observeDownload(previous ?? null, activity, options.now);
    if (previous) {
      await db
        .update(downloads)
        .set({
          startedAt: record.startedAt,
          lastSeenIncompleteAt: record.lastSeenIncompleteAt,
          lastSeenAt: options.now,
          memberId: previous.memberId ?? memberId,
        })
        .where(eq(downloads.id, previous.id));
    } else {
      await db
        .insert(downloads)
        .values({
          serverId,
          memberId,
          downloadKey: activity.id,
          accountName: activity.accountName,
          title: activity.title,
          startedAt: record.startedAt,
          lastSeenIncompleteAt: record.lastSeenIncompleteAt,
          lastSeenAt: options.now,
          logged: options.logged,
        })
        .onConflictDoNothing();
    }
  }
}

/** Downloads that can have a counted unit in the week starting at `weekStart`. */
export async function downloadsForWeek(db: Db, memberIds: number[], weekStart: Date): Promise<DownloadRow[]> {
  if (memberIds.length === 0) return [];
  return db
    .select()
    .from(downloads)
    .where(
      and(
        inArray(downloads.memberId, memberIds),
        isNotNull(downloads.memberId),
        or(gte(downloads.startedAt, weekStart), gte(downloads.lastSeenIncompleteAt, weekStart)),
      ),
    );
}
