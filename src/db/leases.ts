// Named leases between bot instances sharing one PostgreSQL: who holds the Discord gateway, who senses which
// server. A lease is held until `expires_at`; its holder renews it well before then, and an instance that dies
// simply stops renewing, so another takes over once it expires. Expiry is judged by the database's clock, the one
// clock every instance shares (instances' own clocks may drift apart).
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { leases } from './schema.ts';

/** Takes the lease, or renews it if we hold it. True when we hold it afterwards. One statement, no race. */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  return (await acquireLeases(db, [name], holder, ttlMs)).has(name);
}

/**
 * Takes or renews several leases in one statement, each exactly as `acquireLease` would (renewed when we hold it,
 * taken when it is free or expired, refused while another holder's lease runs): one row per name, all judged on
 * the database's clock at once. Returns the names we hold afterwards.
 */
export async function acquireLeases(
  db: Db,
  names: readonly string[],
  holder: string,
  ttlMs: number,
): Promise<Set<string>> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return new Set();
  const expiresAt = sql`now() + ${ttlMs} * interval '1 millisecond'`;
  const rows = await db
    .insert(leases)
    .values(unique.map((name) => ({ name, holder, expiresAt })))
    .onConflictDoUpdate({
      target: leases.name,
      set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
      setWhere: sql`${leases.holder} = excluded.holder or ${leases.expiresAt} < now()`,
    })
    .returning({ name: leases.name, holder: leases.holder });
  return new Set(rows.filter((r) => r.holder === holder).map((r) => r.name));
}

/** Gives the lease up at once (clean shutdown), so another instance need not wait for it to expire. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
}

/** Leases currently held (not expired), for /status. */
export async function activeLeases(
  db: Db,
): Promise<Array<{ name: string; holder: string; expiresAt: Date }>> {
  return db.select().from(leases).where(sql`${leases.expiresAt} >= now()`).orderBy(leases.name);
}

/**
 * Deletes leases that expired more than a minute ago (instances that died, servers since removed): an expired row
 * means the same as no row, and without this every restart would leave one `instance:<id>` row behind.
 */
export async function pruneExpiredLeases(db: Db): Promise<void> {
  await db.delete(leases).where(sql`${leases.expiresAt} < now() - interval '1 minute'`);
}
