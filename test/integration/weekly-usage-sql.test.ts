// The weekly units summed in SQL (weeklyUnitsByMember) equal the policy's unitsInWeek on the same records, on
// the database this run uses (PGlite, or PostgreSQL with DATABASE_URL): boundaries of the week, the 2-hour
// recount, downloads still incomplete across the week's start and end, and members with nothing this week.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadsForWeek, weeklyUnitsByMember } from '../../src/db/downloads.ts';
import { downloads, mediaServers, members } from '../../src/db/schema.ts';
import { type DownloadRecord, unitsInWeek } from '../../src/policy/downloads.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';
import { withTestDatabase } from '../helpers/db.ts';

const WEEK_START = new Date('2026-11-15T00:00:00Z');
const WEEK_END = new Date('2026-11-22T00:00:00Z');
const at = (ms: number) => new Date(WEEK_START.getTime() + ms);

/** Per member, a list of records; each case is chosen to sit on an edge of the arithmetic. */
const CASES: DownloadRecord[][] = [
  [{ startedAt: at(HOUR), lastSeenIncompleteAt: null }],
  [{ startedAt: at(HOUR), lastSeenIncompleteAt: at(HOUR + 2 * HOUR) }], // incomplete at exactly +2 h: 2 units
  [{ startedAt: at(HOUR), lastSeenIncompleteAt: at(HOUR + 2 * HOUR - 1) }], // 1 ms short: 1 unit
  [{ startedAt: at(-3 * HOUR), lastSeenIncompleteAt: at(3 * HOUR) }], // from last week: units at -3h..+3h
  [{ startedAt: at(-2 * HOUR), lastSeenIncompleteAt: at(0) }], // unit at exactly the week's start counts
  [{ startedAt: at(-HOUR), lastSeenIncompleteAt: null }], // last week only
  [
    {
      startedAt: new Date(WEEK_END.getTime() - HOUR),
      lastSeenIncompleteAt: new Date(WEEK_END.getTime() + 5 * HOUR),
    },
  ],
  [{ startedAt: WEEK_END, lastSeenIncompleteAt: null }], // next week
  [{ startedAt: at(17 * MINUTE + 123), lastSeenIncompleteAt: at(9 * HOUR + 59 * MINUTE) }],
  [
    { startedAt: at(HOUR), lastSeenIncompleteAt: null },
    { startedAt: at(2 * HOUR), lastSeenIncompleteAt: at(7 * HOUR) },
    { startedAt: at(3 * HOUR), lastSeenIncompleteAt: at(2 * HOUR) }, // seen incomplete before its start: 1 unit
  ],
  [],
];

test('weekly units summed in SQL equal the policy arithmetic', async () => {
  await withTestDatabase('sw-usage-', async (database) => {
    const { db } = database;
    const [server] = await db
      .insert(mediaServers)
      .values({ name: 'S', platform: 'plex', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    const ids: number[] = [];
    for (const [i, records] of CASES.entries()) {
      const [m] = await db
        .insert(members)
        .values({ discordUserId: `2400000000000000${String(i).padStart(2, '0')}`, displayName: `m${i}` })
        .returning();
      ids.push(m!.id);
      for (const [j, r] of records.entries()) {
        await db.insert(downloads).values({
          serverId: server!.id,
          memberId: m!.id,
          downloadKey: `${i}-${j}`,
          title: 't',
          startedAt: r.startedAt,
          lastSeenIncompleteAt: r.lastSeenIncompleteAt,
          lastSeenAt: r.lastSeenIncompleteAt ?? r.startedAt,
          logged: true,
        });
      }
    }
    const summed = await weeklyUnitsByMember(db, ids, WEEK_START, WEEK_END);
    const expected = CASES.map((records) => unitsInWeek(records, WEEK_START, WEEK_END));
    assert.deepEqual(
      ids.map((id) => summed.get(id) ?? 0),
      expected,
    );
    assert.ok(
      expected.some((n) => n > 1) && expected.includes(0),
      'the cases cover recounts and empty weeks',
    );
    // The rows read for one member's list are those with a unit in the week (plus none from other members).
    const listed = await downloadsForWeek(db, [ids[9]!], WEEK_START, WEEK_END);
    assert.deepEqual(listed.map((r) => r.downloadKey).sort(), ['9-0', '9-1', '9-2']);
  });
});
