// Housekeeping once a week, in the first cycle after the week turns (off the hot path of every other cycle):
// settled outbox rows are pruned, and on the embedded PGlite, which has no autovacuum, the database is vacuumed so
// that the space of dead rows is reused instead of growing the files.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { Database, Db } from '../db/client.ts';
import { pruneSettled } from '../db/outbox.ts';
import { weekKey } from '../policy/week.ts';

/** Settled outbox rows are kept this long for inspection (/status, debugging), then deleted. */
export const OUTBOX_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

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
): Promise<{ outboxPruned: number; vacuumed: boolean }> {
  const outboxPruned = await pruneSettled(db, new Date(now.getTime() - OUTBOX_RETENTION_MS));
  const vacuumed = kind === 'pglite';
  // PostgreSQL runs autovacuum itself; PGlite (single process, WASM) does not.
  if (vacuumed) await db.execute(sql`vacuum (analyze)`);
  return { outboxPruned, vacuumed };
}
