// Housekeeping once a week, in the first cycle after the week turns (off the hot path of every other cycle):
// settled outbox rows, places older than 30 days and sharing flags older than 90 days are pruned, and on the
// embedded PGlite the whole database is vacuumed and analysed. PGlite has no autovacuum, so once an hour (a job of
// src/jobs/jobs.ts) it also gets what autovacuum would do: the tables with more dead rows than autovacuum's own
// threshold (50 + 20 % of the live rows) are vacuumed, so the space of rows rewritten every few cycles (live
// sessions, the stream log's last sightings, server health) is reused instead of growing the files, and a
// checkpoint lets the write-ahead log be recycled.
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

/**
 * PGlite's hourly stand-ins for PostgreSQL's background workers: autovacuum (`vacuumChurned`), then a checkpoint.
 * PGlite runs PostgreSQL in single-user mode, where nothing starts a checkpoint before close, so without one the
 * write-ahead log grows for as long as the bot runs (and a restart after a crash replays all of it); after one,
 * the log is recycled down to max_wal_size (src/db/pglite-worker.ts). Returns the tables vacuumed.
 */
export async function maintainEmbedded(db: Db): Promise<string[]> {
  const tables = await vacuumChurned(db);
  await db.execute(sql`checkpoint`);
  return tables;
}

/**
 * Vacuums the tables past autovacuum's default threshold (`autovacuum_vacuum_threshold` 50 plus
 * `autovacuum_vacuum_scale_factor` 0.2 of the live rows), as PostgreSQL's autovacuum would; returns their names.
 */
export async function vacuumChurned(db: Db): Promise<string[]> {
  // A backend publishes its counters at most once a second unless asked: asked here, published as it goes idle.
  await db.execute(sql`select pg_stat_force_next_flush()`);
  const rows = (await db.execute(
    sql`select relname from pg_stat_user_tables where schemaname = 'public' and n_dead_tup > 50 + 0.2 * n_live_tup`,
  )) as unknown as Array<{ relname: string }>;
  const tables = rows.map((r) => r.relname);
  if (tables.length > 0) {
    await db.execute(sql.raw(`vacuum ${tables.map((t) => `"${t.replaceAll('"', '""')}"`).join(', ')}`));
  }
  return tables;
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
