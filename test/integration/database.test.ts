// Migrations at start-up, on the database this run uses (PGlite, or PostgreSQL with DATABASE_URL).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/client.ts';
import { readMigrations } from '../../src/db/migrations.ts';
import { plans } from '../../src/db/schema.ts';
import { createTestDatabase } from '../helpers/db.ts';

async function migrationCount(db: Awaited<ReturnType<typeof openDatabase>>['db']): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  const rows = Array.isArray(result) ? result : (result as unknown as { rows: Array<{ n: number }> }).rows;
  return Number((rows[0] as { n: number }).n);
}

/** How many migrations drizzle/ holds. */
const MIGRATIONS = readMigrations(MIGRATIONS_FOLDER).length;

test('two bot processes starting at once migrate once, and a restart keeps the data', async () => {
  const target = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-db-'));
  try {
    const options = { databaseUrl: target.url, dataDir };
    if (target.url) {
      // Two starts racing on one PostgreSQL: the advisory lock makes the second wait, then find nothing to do.
      const [a, b] = await Promise.all([openDatabase(options), openDatabase(options)]);
      assert.equal(await migrationCount(a.db), MIGRATIONS);
      await a.close();
      await b.close();
    }
    const first = await openDatabase(options);
    await first.db.insert(plans).values({ name: 'Kept', streamCap: 1, downloadsAllowed: false });
    await first.close();
    const second = await openDatabase(options);
    try {
      assert.equal(await migrationCount(second.db), MIGRATIONS, 'migrating again is a no-op');
      assert.deepEqual(
        (await second.db.select().from(plans)).map((p) => p.name),
        ['Kept'],
      );
    } finally {
      await second.close();
    }
  } finally {
    await target.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
