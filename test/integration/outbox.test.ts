// The outbox and the leases on the real database (PGlite, or PostgreSQL with DATABASE_URL).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { sendOnce } from '../../src/act/executors.ts';
import { claimDue, type Executor, PermanentEffectError, runDueEffects } from '../../src/act/outbox.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { acquireLease, acquireLeases, activeLeases, releaseLease } from '../../src/db/leases.ts';
import { enqueueEffects, nonceFor, outboxCounts, pruneSettled } from '../../src/db/outbox.ts';
import { type OutboxRow, outbox } from '../../src/db/schema.ts';
import { NONCE_TRUSTED_MS, type SendOptions } from '../../src/notify/notifier.ts';
import { TestClock } from '../helpers/clock.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let database: Database;
let testDb: TestDatabase;
let dataDir: string;

before(async () => {
  testDb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'streamwarden-outbox-'));
  database = await openDatabase({ databaseUrl: testDb.url, dataDir });
});
after(async () => {
  await database.close();
  await testDb.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('outbox', () => {
  const clock = new TestClock(new Date('2026-11-18T20:00:00Z'));
  const calls: string[] = [];
  const ok: Executor = async (row) => {
    calls.push(row.key);
    return { messageId: `m-${row.id}` };
  };
  const options = (executors: Record<string, Executor>, instanceId = 'a') => ({
    db: database.db,
    instanceId,
    clock: clock.now,
    executors,
    retryDelayMs: () => 60_000,
    maxAttempts: 3,
  });

  beforeEach(async () => {
    calls.length = 0;
    await database.db.delete(outbox);
  });

  it('stores an effect once, however often it is enqueued, and carries it out once', async () => {
    const effect = { key: 'dm:episode:1', kind: 'dm', payload: { text: 'hi' } };
    assert.equal(await enqueueEffects(database.db, [effect], clock.now()), 1);
    assert.equal(await enqueueEffects(database.db, [effect], clock.now()), 0);
    assert.deepEqual(await runDueEffects(options({ dm: ok })), { done: 1, retried: 0, failed: 0 });
    assert.deepEqual(await runDueEffects(options({ dm: ok })), { done: 0, retried: 0, failed: 0 });
    assert.deepEqual(calls, ['dm:episode:1']);
    const [row] = await database.db.select().from(outbox);
    assert.equal(row?.state, 'done');
    assert.deepEqual(row?.result, { messageId: `m-${row?.id}` });
  });

  it('does not run an effect before it is due', async () => {
    await enqueueEffects(
      database.db,
      [{ key: 'later', kind: 'dm', payload: {}, dueAt: new Date(clock.now().getTime() + 30_000) }],
      clock.now(),
    );
    assert.equal((await runDueEffects(options({ dm: ok }))).done, 0);
    clock.advance(30_000);
    assert.equal((await runDueEffects(options({ dm: ok }))).done, 1);
  });

  it('retries a failure after the delay, and gives up once after the last attempt', async () => {
    const gaveUp: string[] = [];
    const failing: Executor = async () => {
      throw new Error('Discord answered 503');
    };
    const o = { ...options({ dm: failing }), onGiveUp: async (row: OutboxRow) => void gaveUp.push(row.key) };
    await enqueueEffects(database.db, [{ key: 'dm:x', kind: 'dm', payload: {} }], clock.now());
    assert.deepEqual(await runDueEffects(o), { done: 0, retried: 1, failed: 0 });
    assert.deepEqual(await runDueEffects(o), { done: 0, retried: 0, failed: 0 }, 'not due again yet');
    clock.advance(60_000);
    assert.deepEqual(await runDueEffects(o), { done: 0, retried: 1, failed: 0 });
    clock.advance(60_000);
    assert.deepEqual(await runDueEffects(o), { done: 0, retried: 0, failed: 1 });
    clock.advance(60_000);
    assert.deepEqual(await runDueEffects(o), { done: 0, retried: 0, failed: 0 });
    assert.deepEqual(gaveUp, ['dm:x']);
    const [row] = await database.db.select().from(outbox);
    assert.equal(row?.attempts, 3);
    assert.equal(row?.lastError, 'Discord answered 503');
    assert.deepEqual(await outboxCounts(database.db), { pending: 0, failed: 1 });
  });

  it('gives up at once on a permanent failure', async () => {
    const closed: Executor = async () => {
      throw new PermanentEffectError('the member does not accept DMs');
    };
    await enqueueEffects(database.db, [{ key: 'dm:closed', kind: 'dm', payload: {} }], clock.now());
    assert.deepEqual(await runDueEffects(options({ dm: closed })), { done: 0, retried: 0, failed: 1 });
  });

  it('takes over the effects of an instance that died once its claim expires; the dead one writes nothing', async () => {
    await enqueueEffects(database.db, [{ key: 'stop:1', kind: 'stop', payload: {} }], clock.now());
    const [claimed] = await claimDue(database.db, { instanceId: 'dead', claimMs: 60_000 }, clock.now());
    assert.ok(claimed);
    assert.equal((await runDueEffects(options({ stop: ok }, 'b'))).done, 0, 'claim still held');
    clock.advance(60_000);
    assert.equal((await runDueEffects(options({ stop: ok }, 'b'))).done, 1);
    // The dead instance wakes up and tries to settle what it claimed: its claim is gone, nothing changes.
    await runDueEffects(options({ stop: ok }, 'dead'));
    const [row] = await database.db.select().from(outbox).where(eq(outbox.key, 'stop:1'));
    assert.equal(row?.lockedBy, 'b');
    assert.equal(row?.state, 'done');
    assert.deepEqual(calls, ['stop:1']);
  });

  it('never hands one effect to two instances running at the same moment', async () => {
    await enqueueEffects(
      database.db,
      Array.from({ length: 40 }, (_, i) => ({ key: `e${i}`, kind: 'dm', payload: {} })),
      clock.now(),
    );
    const o = { batchSize: 100 };
    const [a, b] = await Promise.all([
      runDueEffects({ ...options({ dm: ok }, 'a'), ...o }),
      runDueEffects({ ...options({ dm: ok }, 'b'), ...o }),
    ]);
    assert.equal((a?.done ?? 0) + (b?.done ?? 0), 40);
    assert.equal(new Set(calls).size, 40);
    assert.equal(calls.length, 40);
  });

  it('prunes settled effects older than the cut-off only', async () => {
    await enqueueEffects(database.db, [{ key: 'old', kind: 'dm', payload: {} }], clock.now());
    await runDueEffects(options({ dm: ok }));
    await enqueueEffects(database.db, [{ key: 'open', kind: 'dm', payload: {} }], clock.now());
    assert.equal(await pruneSettled(database.db, clock.now()), 1);
    assert.deepEqual(
      (await database.db.select().from(outbox)).map((r) => r.key),
      ['open'],
    );
  });

  it("keeps a message's retries on its nonce while Discord keeps nonces, then has it look for its earlier copy", async () => {
    const sent: SendOptions[] = [];
    const failing: Executor = async (row) => {
      sent.push(sendOnce(row, clock.now()));
      throw new Error('Discord did not answer');
    };
    const start = clock.now();
    await enqueueEffects(database.db, [{ key: 'dm:y', kind: 'dm', payload: {} }], start);
    await runDueEffects(options({ dm: failing }));
    clock.advance(60_000);
    await runDueEffects(options({ dm: failing }));
    clock.advance(NONCE_TRUSTED_MS);
    await runDueEffects(options({ dm: failing }));
    const [row] = await database.db.select().from(outbox);
    assert.deepEqual(row?.firstAttemptAt, start, 'the first attempt is remembered across retries');
    assert.deepEqual(
      sent.map((o) => [o.nonce, o.earlierAttemptAt ?? null]),
      [
        [nonceFor('dm:y'), null],
        [nonceFor('dm:y'), null],
        [nonceFor('dm:y'), start],
      ],
    );
  });

  it('derives a stable Discord nonce of at most 25 characters from the key', () => {
    assert.equal(nonceFor('dm:episode:1'), nonceFor('dm:episode:1'));
    assert.notEqual(nonceFor('dm:episode:1'), nonceFor('dm:episode:2'));
    assert.ok(nonceFor('x'.repeat(500)).length <= 25);
  });
});

describe('leases', () => {
  it('one holder at a time; renewable by its holder; free again when released or expired', async () => {
    assert.equal(await acquireLease(database.db, 'gateway', 'a', 15_000), true);
    assert.equal(await acquireLease(database.db, 'gateway', 'b', 15_000), false);
    assert.equal(await acquireLease(database.db, 'gateway', 'a', 15_000), true, 'renewed by its holder');
    await releaseLease(database.db, 'gateway', 'b');
    assert.equal(
      await acquireLease(database.db, 'gateway', 'b', 15_000),
      false,
      'b could not release a lease of a',
    );
    await releaseLease(database.db, 'gateway', 'a');
    assert.equal(await acquireLease(database.db, 'gateway', 'b', 15_000), true);
    // An expired lease (its holder stopped renewing) is taken over.
    assert.equal(await acquireLease(database.db, 'server:1', 'a', -1), true);
    assert.equal(await acquireLease(database.db, 'server:1', 'b', 15_000), true);
    assert.deepEqual(
      (await activeLeases(database.db)).map((l) => [l.name, l.holder]),
      [
        ['gateway', 'b'],
        ['server:1', 'b'],
      ],
    );
  });

  it('one statement renews and takes many leases, each judged as a single one would be', async () => {
    const before = database.statements() + 0;
    const names = ['batch:held', 'batch:free', 'batch:expired', 'batch:other', 'batch:released'];
    assert.equal(await acquireLease(database.db, 'batch:held', 'a', 15_000), true);
    assert.equal(await acquireLease(database.db, 'batch:expired', 'b', -1), true);
    assert.equal(await acquireLease(database.db, 'batch:other', 'b', 15_000), true);
    assert.equal(await acquireLease(database.db, 'batch:released', 'b', 15_000), true);
    await releaseLease(database.db, 'batch:released', 'b');
    const held = await acquireLeases(database.db, [...names, 'batch:held'], 'a', 15_000);
    assert.deepEqual([...held].sort(), ['batch:expired', 'batch:free', 'batch:held', 'batch:released']);
    assert.equal(database.statements(), before, "lease statements are not counted as a cycle's");
    assert.deepEqual(
      (await activeLeases(database.db))
        .filter((l) => l.name.startsWith('batch:'))
        .map((l) => [l.name, l.holder]),
      [
        ['batch:expired', 'a'],
        ['batch:free', 'a'],
        ['batch:held', 'a'],
        ['batch:other', 'b'],
        ['batch:released', 'a'],
      ],
    );
    assert.equal((await acquireLeases(database.db, [], 'a', 15_000)).size, 0);
  });

  it('concurrent attempts leave exactly one holder', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((h) => acquireLease(database.db, 'race', h, 15_000)),
    );
    assert.equal(results.filter(Boolean).length, 1);
  });
});
