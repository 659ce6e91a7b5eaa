// Housekeeping once a week, in the first cycle after the week turns (off the hot path of every other cycle):
// settled outbox rows, places older than 30 days and sharing flags older than 90 days are pruned, and on the embedded PGlite, which has no autovacuum, the database is vacuumed so
// that the space of dead rows is reused instead of growing the files.
import { lt, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { Database, Db } from '../db/client.ts';
import { pruneSettled } from '../db/outbox.ts';
import { sharingFlags, sharingPlaces } from '../db/schema.ts';
import { weekKey } from '../policy/week.ts';

/** Settled outbox rows are kept this long for inspection (/status, debugging), then deleted. */
export const OUTBOX_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Where members streamed from (the sharing signals) is kept this long. */
export const PLACES_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Sharing flags (with their evidence) are kept this long, for `/user info`. */
export const FLAGS_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** The week each database was last seen in by this process; the first cycle only records it. */
const lastWeekByDb = new WeakMap<Db, string>();

/** True when the week turned since this process's previous cycle on this database. */
function weekTurned(db: Db, now: Date, zone: string): boolean {
  const week = weekKey(now, zone);
  const previous = lastWeekByDb.get(db);
  lastWeekByDb.set(db, week);
  return previous !== undefined && previous !== week;
}

export async function maintainWeekly(ctx: AppContext, now: Date): Promise<void> {
  // One instance maintains the shared database: the one holding the gateway (every instance on PGlite: one).
  if (!ctx.cluster.isGatewayHolder() || !weekTurned(ctx.db, now, ctx.config.timezone)) return;
  const kind = ctx.config.databaseUrl === null ? 'pglite' : 'postgres';
  await runMaintenance(ctx.db, kind, now).then(
    (done) => ctx.log.info(done, 'weekly maintenance'),
    (err) => ctx.log.error({ err }, 'weekly maintenance failed'),
  );
}

export async function runMaintenance(
  db: Db,
  kind: Database['kind'],
  now: Date,
): Promise<{ outboxPruned: number; placesPruned: number; flagsPruned: number; vacuumed: boolean }> {
  const outboxPruned = await pruneSettled(db, new Date(now.getTime() - OUTBOX_RETENTION_MS));
  const placesPruned = (
    await db
      .delete(sharingPlaces)
      .where(lt(sharingPlaces.lastSeenAt, new Date(now.getTime() - PLACES_RETENTION_MS)))
      .returning({ m: sharingPlaces.memberId })
  ).length;
  const flagsPruned = (
    await db
      .delete(sharingFlags)
      .where(lt(sharingFlags.createdAt, new Date(now.getTime() - FLAGS_RETENTION_MS)))
      .returning({ id: sharingFlags.id })
  ).length;
  const vacuumed = kind === 'pglite';
  // PostgreSQL runs autovacuum itself; PGlite (single process, WASM) does not.
  if (vacuumed) await db.execute(sql`vacuum (analyze)`);
  return { outboxPruned, placesPruned, flagsPruned, vacuumed };
}
