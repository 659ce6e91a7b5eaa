// The stream log at a volume past PostgreSQL's limit of 65,535 parameters a statement: one cycle that first sees
// 6,000 sessions (as an instance holding 250 servers of 25 streams does at start) writes them all in one statement,
// and the next cycle, with every session changed, updates them in place. On the database this run uses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { mediaServers, streamLog } from '../../src/db/schema.ts';
import { logStreams, type StreamLogEntry } from '../../src/db/stream-log.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import { MINUTE } from '../helpers/clock.ts';
import { createTestDatabase } from '../helpers/db.ts';

const SESSIONS = 6_000;

const stream = (n: number, state: 'playing' | 'paused'): ActiveStream => ({
  sessionId: `s${n}`,
  key: String(n),
  accountId: String(100_000 + n),
  accountName: `viewer${n}`,
  isOwner: false,
  deviceId: `dev-${n}`,
  device: `Device ${n}`,
  product: 'Plex for Android',
  ipAddress: `203.0.${n % 250}.${(n % 200) + 1}`,
  title: `Movie ${n}`,
  state,
  startedAt: null,
});

test('6,000 new sessions are logged in one statement, and updated in place by the next cycle', async () => {
  const target = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-streamlog-'));
  const database = await openDatabase({ databaseUrl: target.url, dataDir });
  try {
    const { db } = database;
    const [server] = await db
      .insert(mediaServers)
      .values({ name: 'Big', platform: 'plex', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    assert.ok(server);
    const entries = (state: 'playing' | 'paused'): StreamLogEntry[] =>
      Array.from({ length: SESSIONS }, (_, n) => ({
        serverId: server.id,
        memberId: null,
        stream: stream(n, state),
      }));
    const start = new Date('2026-12-06T20:00:00Z');
    const before = database.statements();
    await logStreams(db, entries('playing'), [server.id], start);
    // One read for sessions this process does not know yet, one write for all of them.
    assert.equal(database.statements() - before, 2);
    const count = async (state: string) =>
      Number(
        (
          (await db.execute(
            sql`select count(*)::int as n from ${streamLog} where ${streamLog.state} = ${state}`,
          )) as unknown as Array<{ n: number }>
        )[0]?.n,
      );
    assert.equal(await count('playing'), SESSIONS);
    await logStreams(db, entries('paused'), [server.id], new Date(start.getTime() + MINUTE));
    assert.equal(await count('paused'), SESSIONS, 'each row updated in place');
    assert.equal(await count('playing'), 0);
  } finally {
    await database.close();
    await target.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
