// recordDownloads folds a server read into the store in one upsert; the stored rows must be exactly what
// src/policy/downloads.ts `observeDownload` gives when it folds the same sightings one by one: replayed and
// out-of-order reads, a download listed twice in one read, starts in the future, completes, and a member learnt
// only on a later read. Run on the database this run uses (PGlite, or PostgreSQL with DATABASE_URL).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asc } from 'drizzle-orm';
import { recordDownloads } from '../../src/db/downloads.ts';
import { downloads, mediaServers, members } from '../../src/db/schema.ts';
import type { DownloadActivity } from '../../src/media/types.ts';
import { type DownloadRecord, observeDownload } from '../../src/policy/downloads.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';
import { withTestDatabase } from '../helpers/db.ts';

const T0 = new Date('2026-11-18T20:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const activity = (id: string, startedAt: Date | null, complete: boolean): DownloadActivity => ({
  id,
  accountId: null,
  accountName: 'alice',
  title: `Title ${id}`,
  startedAt,
  progress: complete ? 100 : 40,
  complete,
});

/** Reads of one server, in the order the bot makes them; `member` says whether the link was known then. */
const READS: Array<{ now: Date; member: boolean; seen: DownloadActivity[] }> = [
  { now: at(0), member: false, seen: [activity('a', null, false), activity('b', at(-HOUR), true)] },
  // 'a' listed twice in one read (an activity log repeating itself), once with an earlier start.
  {
    now: at(2 * HOUR),
    member: true,
    seen: [
      activity('a', null, false),
      activity('a', at(-30 * MINUTE), false),
      activity('c', at(HOUR), false),
    ],
  },
  // An older read replayed: changes nothing.
  { now: at(0), member: true, seen: [activity('a', null, false), activity('b', at(-HOUR), true)] },
  // A start in the future is clamped to now; 'c' completes; 'b' is seen incomplete again (a re-download).
  {
    now: at(3 * HOUR),
    member: true,
    seen: [
      activity('c', at(4 * HOUR), true),
      activity('b', at(-2 * HOUR), false),
      activity('d', at(5 * HOUR), false),
    ],
  },
];

test('recordDownloads stores what observeDownload folds, in one statement per read', async () => {
  await withTestDatabase('sw-record-downloads-', async (database) => {
    const { db } = database;
    const [server] = await db
      .insert(mediaServers)
      .values({ name: 'S', platform: 'plex', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    const [member] = await db
      .insert(members)
      .values({ discordUserId: '240000000000000001', displayName: 'alice' })
      .returning();
    const expected = new Map<string, DownloadRecord & { memberId: number | null }>();
    for (const read of READS) {
      const memberId = read.member ? member!.id : null;
      const before = database.statements();
      await recordDownloads(
        db,
        server!.id,
        read.seen.map((a) => ({ activity: a, memberId })),
        { logged: true, now: read.now },
      );
      assert.equal(database.statements() - before, 1, 'one statement per read');
      for (const a of read.seen) {
        const previous = expected.get(a.id) ?? null;
        expected.set(a.id, {
          ...observeDownload(previous, a, read.now),
          memberId: previous ? (previous.memberId ?? memberId) : memberId,
        });
      }
    }
    const rows = await db.select().from(downloads).orderBy(asc(downloads.downloadKey));
    assert.deepEqual(
      rows.map((r) => [r.downloadKey, r.startedAt, r.lastSeenIncompleteAt, r.memberId]),
      [...expected].sort().map(([key, r]) => [key, r.startedAt, r.lastSeenIncompleteAt, r.memberId]),
    );
    assert.equal(rows.find((r) => r.downloadKey === 'a')?.memberId, member!.id, 'the member learnt later');
    assert.equal(rows.find((r) => r.downloadKey === 'a')?.title, 'Title a');
    const before = database.statements();
    await recordDownloads(db, server!.id, [], { logged: true, now: at(4 * HOUR) });
    assert.equal(database.statements(), before, 'an empty read writes nothing');
  });
});
