// Weekly maintenance on the database this run uses: settled outbox rows past their retention are pruned (pending
// ones and recent ones stay), and the embedded PGlite is vacuumed (PostgreSQL has autovacuum).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { asc } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { outbox } from '../../src/db/schema.ts';
import { OUTBOX_RETENTION_MS, runMaintenance } from '../../src/engine/maintenance.ts';
import { HOUR } from '../helpers/clock.ts';
import { createTestDatabase, databaseKind } from '../helpers/db.ts';

test('maintenance prunes settled outbox rows past retention and vacuums PGlite', async () => {
  const target = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-maint-'));
  const database = await openDatabase({ databaseUrl: target.url, dataDir });
  try {
    const now = new Date('2026-11-22T00:05:00Z');
    const old = new Date(now.getTime() - OUTBOX_RETENTION_MS - HOUR);
    const recent = new Date(now.getTime() - OUTBOX_RETENTION_MS + HOUR);
    const row = (key: string, state: 'pending' | 'done' | 'failed', doneAt: Date | null) => ({
      key,
      kind: 'dm',
      payload: {},
      state,
      dueAt: old,
      doneAt,
    });
    await database.db
      .insert(outbox)
      .values([
        row('old-done', 'done', old),
        row('old-failed', 'failed', old),
        row('recent-done', 'done', recent),
        row('old-pending', 'pending', null),
      ]);
    const done = await runMaintenance(database.db, database.kind, now);
    assert.deepEqual(done, { outboxPruned: 2, vacuumed: databaseKind() === 'pglite' });
    const left = await database.db.select({ key: outbox.key }).from(outbox).orderBy(asc(outbox.key));
    assert.deepEqual(
      left.map((r) => r.key),
      ['old-pending', 'recent-done'],
    );
  } finally {
    await database.close();
    await target.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
