import { and, eq, gte, inArray, isNotNull, lt, or, sql } from 'drizzle-orm';
import type { DownloadActivity } from '../media/types.ts';
import { observeDownload, RECOUNT_INTERVAL_MS } from '../policy/downloads.ts';
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

/**
 * Rows that can have a counted unit in [weekStart, weekEnd): started in it, or still seen incomplete in it. Each
 * branch of the `or` has its index ((member_id, started_at) and (member_id, last_seen_incomplete_at)).
 */
const inWeek = (memberIds: number[], weekStart: Date, weekEnd: Date) =>
  and(
    inArray(downloads.memberId, memberIds),
    isNotNull(downloads.memberId),
    lt(downloads.startedAt, weekEnd),
    or(gte(downloads.startedAt, weekStart), gte(downloads.lastSeenIncompleteAt, weekStart)),
  );

/** Downloads that can have a counted unit in the week [weekStart, weekEnd), of the given members. */
export async function downloadsForWeek(
  db: Db,
  memberIds: number[],
  weekStart: Date,
  weekEnd: Date,
): Promise<DownloadRow[]> {
  if (memberIds.length === 0) return [];
  return db
    .select()
    .from(downloads)
    .where(inWeek(memberIds, weekStart, weekEnd));
}

/**
 * Units counted in [weekStart, weekEnd) per member, summed in the database: the same arithmetic as
 * `unitsInWeek` in src/policy/downloads.ts (unit k of a download begins at started_at + k·2 h, for k from 0 to
 * the last full 2 h it was still seen incomplete), so only one row per member comes back. Epochs are numeric
 * (PostgreSQL 14+), so the divisions are exact. test/integration/weekly-usage-sql.test.ts checks it against the
 * policy function.
 */
export async function weeklyUnitsByMember(
  db: Db,
  memberIds: number[],
  weekStart: Date,
  weekEnd: Date,
): Promise<Map<number, number>> {
  if (memberIds.length === 0) return new Map();
  const interval = RECOUNT_INTERVAL_MS / 1000;
  const started = sql`extract(epoch from ${downloads.startedAt})`;
  const incomplete = sql`extract(epoch from ${downloads.lastSeenIncompleteAt})`;
  const from = weekStart.getTime() / 1000;
  const to = weekEnd.getTime() / 1000;
  const lastUnit = sql`case when ${incomplete} is null or ${incomplete} <= ${started} then 0
    else floor((${incomplete} - ${started}) / ${interval}) end`;
  const firstUnit = sql`greatest(0, ceil((${from}::numeric - ${started}) / ${interval}))`;
  const lastInWeek = sql`least(${lastUnit}, ceil((${to}::numeric - ${started}) / ${interval}) - 1)`;
  const rows = await db
    .select({
      memberId: downloads.memberId,
      used: sql<string>`sum(greatest(0, ${lastInWeek} - ${firstUnit} + 1))`,
    })
    .from(downloads)
    .where(inWeek(memberIds, weekStart, weekEnd))
    .groupBy(downloads.memberId);
  return new Map(rows.map((r) => [r.memberId as number, Number(r.used)]));
}
