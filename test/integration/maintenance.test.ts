// Weekly maintenance on the database this run uses: settled outbox rows past their retention are pruned (pending
// ones and recent ones stay), so are the places members streamed from after 30 days and sharing flags after 90, and
// the embedded PGlite is vacuumed (PostgreSQL has autovacuum); between those, the PGlite tables past autovacuum's
// threshold of dead rows are vacuumed as autovacuum would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { asc, sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { members, outbox, sharingFlags, sharingPlaces } from '../../src/db/schema.ts';
import {
  FLAGS_RETENTION_MS,
  maintainEmbedded,
  OUTBOX_RETENTION_MS,
  PLACES_RETENTION_MS,
  runMaintenance,
} from '../../src/engine/maintenance.ts';
import { HOUR } from '../helpers/clock.ts';
import { createTestDatabase, databaseKind } from '../helpers/db.ts';

test('maintenance prunes settled outbox rows, old places and old flags past retention and vacuums PGlite', async () => {
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
    const [member] = await database.db
      .insert(members)
      .values({ discordUserId: '240000000000000001', displayName: 'alice' })
      .returning();
    assert.ok(member);
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const place = (network: string, seen: Date) => ({
      memberId: member.id,
      day: seen.toISOString().slice(0, 10),
      network,
      device: 'TV',
      firstSeenAt: seen,
      lastSeenAt: seen,
    });
    await database.db
      .insert(sharingPlaces)
      .values([
        place('198.51.100.0/24', ago(PLACES_RETENTION_MS + HOUR)),
        place('192.0.2.0/24', ago(PLACES_RETENTION_MS - HOUR)),
      ]);
    const flag = (key: string, createdAt: Date) => ({
      key,
      memberId: member.id,
      kind: 'households' as const,
      evidence: {},
      createdAt,
    });
    await database.db
      .insert(sharingFlags)
      .values([flag('old', ago(FLAGS_RETENTION_MS + HOUR)), flag('recent', ago(FLAGS_RETENTION_MS - HOUR))]);
    const done = await runMaintenance(database.db, database.kind, now);
    assert.deepEqual(done, {
      outboxPruned: 2,
      placesPruned: 1,
      flagsPruned: 1,
      vacuumed: databaseKind() === 'pglite',
    });
    assert.deepEqual(
      (await database.db.select().from(sharingPlaces)).map((p) => p.network),
      ['192.0.2.0/24'],
    );
    assert.deepEqual(
      (await database.db.select().from(sharingFlags)).map((f) => f.key),
      ['recent'],
    );
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

test('on PGlite, the tables past autovacuum’s threshold of dead rows are vacuumed, and only those, then a checkpoint runs', {
  skip: databaseKind() !== 'pglite' && 'PostgreSQL runs autovacuum itself',
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-churn-'));
  const database = await openDatabase({ databaseUrl: null, dataDir });
  // The counters a backend keeps are published at most once a second unless a flush is asked for.
  const flush = () => database.db.execute(sql`select pg_stat_force_next_flush()`);
  const dead = async (table: string) =>
    Number(
      (
        (await database.db.execute(
          sql`select n_dead_tup from pg_stat_user_tables where relname = ${table}`,
        )) as unknown as Array<{ n_dead_tup: string }>
      )[0]?.n_dead_tup,
    );
  try {
    const at = new Date('2026-11-22T00:05:00Z');
    await database.db
      .insert(outbox)
      .values(Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, kind: 'dm', payload: {}, dueAt: at })));
    // Every row rewritten three times: about 600 dead rows against 200 live ones, past 50 + 20 %.
    for (let i = 0; i < 3; i++) await database.db.update(outbox).set({ attempts: i + 1 });
    // Under the threshold: 20 dead rows in members.
    await database.db.insert(members).values({ discordUserId: '240000000000000002', displayName: 'bob' });
    for (let i = 0; i < 20; i++) await database.db.update(members).set({ displayName: `bob ${i}` });
    await flush();
    assert.ok((await dead('outbox')) > 50 + 0.2 * 200);
    assert.ok((await dead('members')) > 0);
    const checkpoint = async () =>
      (
        (await database.db.execute(
          sql`select checkpoint_lsn::text as lsn from pg_control_checkpoint()`,
        )) as unknown as Array<{ lsn: string }>
      )[0]?.lsn;
    const before = await checkpoint();
    const vacuumed = await maintainEmbedded(database.db);
    assert.deepEqual(vacuumed, ['outbox']);
    assert.notEqual(await checkpoint(), before, 'a checkpoint ran, so the write-ahead log can be recycled');
    await flush();
    assert.equal(await dead('outbox'), 0);
    assert.ok((await dead('members')) > 0, 'a table under the threshold is left for later');
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
