// Quick Connect sign-ins not settled yet (schema.ts `pending_sign_ins`): written before the member sees the code,
// removed once settled. The secret is stored encrypted by the caller.
import { and, asc, eq, lte, notInArray } from 'drizzle-orm';
import type { Db } from './client.ts';
import { type PendingSignIn, pendingSignIns } from './schema.ts';

export type NewPendingSignIn = typeof pendingSignIns.$inferInsert;

export async function insertPendingSignIn(db: Db, row: NewPendingSignIn): Promise<number> {
  const [saved] = await db.insert(pendingSignIns).values(row).returning({ id: pendingSignIns.id });
  if (!saved) throw new Error('the pending sign-in was not stored');
  return saved.id;
}

export async function deletePendingSignIn(db: Db, id: number): Promise<void> {
  await db.delete(pendingSignIns).where(eq(pendingSignIns.id, id));
}

/** Rows due for a check at `now`, except those this process is still waiting on. */
export function duePendingSignIns(db: Db, now: Date, skip: readonly number[]): Promise<PendingSignIn[]> {
  return db
    .select()
    .from(pendingSignIns)
    .where(
      and(
        lte(pendingSignIns.nextCheckAt, now),
        skip.length ? notInArray(pendingSignIns.id, [...skip]) : undefined,
      ),
    )
    .orderBy(asc(pendingSignIns.id))
    .limit(100);
}

export async function reschedulePendingSignIn(
  db: Db,
  id: number,
  changes: { nextCheckAt: Date; lastAliveAt?: Date },
): Promise<void> {
  await db.update(pendingSignIns).set(changes).where(eq(pendingSignIns.id, id));
}
