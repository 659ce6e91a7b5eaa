import { and, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { DownloadActivity } from '../media/types.ts';
import { type DownloadRecord, observeDownload, RECOUNT_INTERVAL_MS } from '../policy/downloads.ts';
import type { Db } from './client.ts';
import { type DownloadRow, downloads } from './schema.ts';

/** Rows per INSERT: 9 parameters a row stays far below PostgreSQL's 65,535 bind parameters. */
export const DOWNLOAD_ROWS_PER_STATEMENT = 1000;

/**
 * Folds one server's download activities into the store, in one multi-row upsert (one per
 * DOWNLOAD_ROWS_PER_STATEMENT downloads), whatever the number of downloads. Idempotent: the row keeps the earliest
 * start and the latest incomplete sighting (src/policy/downloads.ts), so repeated or replayed observations change
 * nothing.
 *
 * The sightings of one key in this read are folded first with `observeDownload` (a server may list a download
 * twice); the upsert then folds that record into the stored row the same way `observeDownload` folds into a
 * previous record: `least` of the starts and `greatest` of the incomplete sightings (both skip a null, as
 * `latest` does), and the member found first is kept. Doing the fold in the statement, not from a select before
 * it, means two writers never lose each other's sighting.
 */
export async function recordDownloads(
  db: Db,
  serverId: number,
  seen: Array<{ activity: DownloadActivity; memberId: number | null }>,
  options: { logged: boolean; now: Date },
): Promise<void> {
  const byKey = new Map<string, DownloadRecord & typeof downloads.$inferInsert>();
  for (const { activity, memberId } of seen) {
    const folded = byKey.get(activity.id);
    const record = observeDownload(folded ?? null, activity, options.now);
    byKey.set(activity.id, {
      serverId,
      memberId: folded ? (folded.memberId ?? memberId) : memberId,
      downloadKey: activity.id,
      accountName: folded ? folded.accountName : activity.accountName,
      title: folded ? folded.title : activity.title,
      startedAt: record.startedAt,
      lastSeenIncompleteAt: record.lastSeenIncompleteAt,
      lastSeenAt: options.now,
      logged: options.logged,
    });
  }
  const rows = [...byKey.values()];
  for (let i = 0; i < rows.length; i += DOWNLOAD_ROWS_PER_STATEMENT) {
    await db
      .insert(downloads)
      .values(rows.slice(i, i + DOWNLOAD_ROWS_PER_STATEMENT))
      .onConflictDoUpdate({
        target: [downloads.serverId, downloads.downloadKey],
        set: {
          startedAt: sql`least(${downloads.startedAt}, excluded.started_at)`,
          lastSeenIncompleteAt: sql`greatest(${downloads.lastSeenIncompleteAt}, excluded.last_seen_incomplete_at)`,
          lastSeenAt: sql`excluded.last_seen_at`,
          memberId: sql`coalesce(${downloads.memberId}, excluded.member_id)`,
        },
      });
  }
}

/**
 * Rows that can have a counted unit in [weekStart, weekEnd): started before its end, and started in it or still
 * seen incomplete in it. `greatest` skips a null, so `greatest(started_at, last_seen_incomplete_at) >= weekStart`
 * says exactly "started in it, or seen incomplete in it", as one range of the index
 * (member_id, greatest(started_at, last_seen_incomplete_at), started_at, last_seen_incomplete_at): one member's
 * week is one contiguous scan, with both times in the index.
 */
const inWeek = (memberIds: number[], weekStart: Date, weekEnd: Date) =>
  and(
    inArray(downloads.memberId, memberIds),
    isNotNull(downloads.memberId),
    sql`greatest(${downloads.startedAt}, ${downloads.lastSeenIncompleteAt}) >= ${weekStart.toISOString()}::timestamptz`,
    lt(downloads.startedAt, weekEnd),
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
  const rows = await weeklyUnitsQuery(db, memberIds, weekStart, weekEnd);
  return new Map(rows.map((r) => [r.memberId as number, Number(r.used)]));
}

/** The statement of `weeklyUnitsByMember` (memberIds not empty), for the scale bench to read its plan. */
export function weeklyUnitsQuery(db: Db, memberIds: number[], weekStart: Date, weekEnd: Date) {
  const interval = RECOUNT_INTERVAL_MS / 1000;
  const started = sql`extract(epoch from ${downloads.startedAt})`;
  const incomplete = sql`extract(epoch from ${downloads.lastSeenIncompleteAt})`;
  const from = weekStart.getTime() / 1000;
  const to = weekEnd.getTime() / 1000;
  const lastUnit = sql`case when ${incomplete} is null or ${incomplete} <= ${started} then 0
    else floor((${incomplete} - ${started}) / ${interval}) end`;
  const firstUnit = sql`greatest(0, ceil((${from}::numeric - ${started}) / ${interval}))`;
  const lastInWeek = sql`least(${lastUnit}, ceil((${to}::numeric - ${started}) / ${interval}) - 1)`;
  return db
    .select({
      memberId: downloads.memberId,
      used: sql<string>`sum(greatest(0, ${lastInWeek} - ${firstUnit} + 1))`,
    })
    .from(downloads)
    .where(inWeek(memberIds, weekStart, weekEnd))
    .groupBy(downloads.memberId);
}
