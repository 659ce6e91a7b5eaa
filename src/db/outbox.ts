import { createHash } from 'node:crypto';
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { type OutboxRow, outbox } from './schema.ts';

export interface Effect {
  /** Unique for the effect's whole life, e.g. `dm:episode:12`. */
  key: string;
  kind: string;
  payload: Record<string, unknown>;
  /** Effects of one group run one after another in the order they were stored (a breach's DM before its alert). */
  group?: string;
  /** Not before this time (default: now). */
  dueAt?: Date;
}

/** Discord's message nonce (at most 25 characters), stable for one effect key. */
export const nonceFor = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 25);

/** Stores effects; an effect whose key already exists is left as it is. Returns how many were new. */
export async function enqueueEffects(db: Db, effects: readonly Effect[], now: Date): Promise<number> {
  if (effects.length === 0) return 0;
  const rows = await db
    .insert(outbox)
    .values(
      effects.map((e) => ({
        key: e.key,
        kind: e.kind,
        payload: e.payload,
        groupKey: e.group ?? null,
        dueAt: e.dueAt ?? now,
      })),
    )
    .onConflictDoNothing({ target: outbox.key })
    .returning({ id: outbox.id });
  return rows.length;
}

/** The effects whose key starts with `prefix`, e.g. every stop of one episode. */
export async function effectsByPrefix(db: Db, prefix: string): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(sql`${outbox.key} like ${`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
}

export async function effectByKey(db: Db, key: string): Promise<OutboxRow | null> {
  const [row] = await db.select().from(outbox).where(eq(outbox.key, key));
  return row ?? null;
}

/** Effects still to do and effects given up, for /status and the metrics. */
export async function outboxCounts(db: Db): Promise<{ pending: number; failed: number }> {
  const rows = await db
    .select({ state: outbox.state, n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(inArray(outbox.state, ['pending', 'running', 'failed']))
    .groupBy(outbox.state);
  const n = (s: string) => rows.filter((r) => r.state === s).reduce((a, r) => a + Number(r.n), 0);
  return { pending: n('pending') + n('running'), failed: n('failed') };
}

/** Deletes settled effects older than `before`, so the table does not grow with every breach. */
export async function pruneSettled(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(outbox)
    .where(and(inArray(outbox.state, ['done', 'failed']), lte(outbox.doneAt, before)))
    .returning({ id: outbox.id });
  return rows.length;
}
