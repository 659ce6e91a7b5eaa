import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allotmentFor,
  type DownloadRecord,
  downloadUnitTimes,
  isOverQuota,
  observeDownload,
  progressBar,
  RECOUNT_INTERVAL_MS,
  unitsInWeek,
} from '../../src/policy/downloads.ts';
import { nextWeekStart, weekStart } from '../../src/policy/week.ts';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const T0 = new Date('2026-03-11T12:00:00Z');

function at(offsetMs: number, base = T0): Date {
  return new Date(base.getTime() + offsetMs);
}

function iso(dates: Date[]): string[] {
  return dates.map((d) => d.toISOString());
}

describe('two-hour recount rule', () => {
  const cases: Array<{ name: string; incompleteFor: number | null; units: number }> = [
    { name: 'seen complete only: counts once', incompleteFor: null, units: 1 },
    { name: 'incomplete at the start only', incompleteFor: 0, units: 1 },
    { name: 'still incomplete at +1h59', incompleteFor: 2 * HOUR - MINUTE, units: 1 },
    { name: 'still incomplete at exactly +2h counts again', incompleteFor: 2 * HOUR, units: 2 },
    { name: 'still incomplete at +3h59', incompleteFor: 4 * HOUR - MINUTE, units: 2 },
    { name: 'still incomplete at +4h', incompleteFor: 4 * HOUR, units: 3 },
    { name: 'stuck for a day', incompleteFor: 24 * HOUR, units: 13 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rec: DownloadRecord = {
        startedAt: T0,
        lastSeenIncompleteAt: c.incompleteFor === null ? null : at(c.incompleteFor),
      };
      const times = downloadUnitTimes(rec);
      assert.equal(times.length, c.units);
      assert.deepEqual(
        times.map((t) => t.getTime() - T0.getTime()),
        Array.from({ length: c.units }, (_, k) => k * RECOUNT_INTERVAL_MS),
      );
      assert.equal(unitsInWeek([rec], at(-7 * 24 * HOUR), at(7 * 24 * HOUR)), c.units);
    });
  }

  it('an incomplete sighting before the start (bad data) still counts once', () => {
    assert.equal(downloadUnitTimes({ startedAt: T0, lastSeenIncompleteAt: at(-HOUR) }).length, 1);
  });
});

describe('observeDownload', () => {
  it('first observation of an incomplete download without a start time starts it now', () => {
    assert.deepEqual(observeDownload(null, { startedAt: null, complete: false }, T0), {
      startedAt: T0,
      lastSeenIncompleteAt: T0,
    });
  });

  it('first observation of a complete download with a start time', () => {
    assert.deepEqual(observeDownload(null, { startedAt: at(-30 * MINUTE), complete: true }, T0), {
      startedAt: at(-30 * MINUTE),
      lastSeenIncompleteAt: null,
    });
  });

  it('a start time in the future (clock skew) is clamped to now', () => {
    assert.deepEqual(observeDownload(null, { startedAt: at(5 * MINUTE), complete: false }, T0).startedAt, T0);
  });

  it('polls every 5 minutes for 4h10 of an incomplete download, then complete: 3 units', () => {
    let rec: DownloadRecord | null = null;
    for (let t = 0; t <= 250 * MINUTE; t += 5 * MINUTE) {
      rec = observeDownload(rec, { startedAt: null, complete: false }, at(t));
    }
    rec = observeDownload(rec, { startedAt: null, complete: true }, at(255 * MINUTE));
    assert.ok(rec);
    assert.deepEqual(iso(downloadUnitTimes(rec)), iso([T0, at(2 * HOUR), at(4 * HOUR)]));
  });

  it('a complete download seen on many cycles counts once', () => {
    let rec: DownloadRecord | null = null;
    for (let t = 0; t < 10 * HOUR; t += 5 * MINUTE) {
      rec = observeDownload(rec, { startedAt: at(-10 * MINUTE), complete: true }, at(t));
    }
    assert.ok(rec);
    assert.equal(downloadUnitTimes(rec).length, 1);
  });

  it('is idempotent: observing the same thing twice gives an equal record', () => {
    const seen = { startedAt: null, complete: false };
    const once = observeDownload({ startedAt: T0, lastSeenIncompleteAt: at(HOUR) }, seen, at(3 * HOUR));
    const twice = observeDownload(once, seen, at(3 * HOUR));
    assert.deepEqual(twice, once);
    assert.deepEqual(observeDownload(twice, seen, at(3 * HOUR)), once);
  });

  it('never moves backwards: a replayed older observation changes nothing', () => {
    const current: DownloadRecord = { startedAt: T0, lastSeenIncompleteAt: at(3 * HOUR) };
    assert.deepEqual(observeDownload(current, { startedAt: null, complete: false }, at(HOUR)), current);
    assert.deepEqual(
      observeDownload(current, { startedAt: at(HOUR), complete: true }, at(2 * HOUR)),
      current,
    );
  });

  it('keeps the earliest start and the latest incomplete sighting, whatever the order', () => {
    const observations = [
      { seen: { startedAt: at(-20 * MINUTE), complete: false }, now: T0 },
      { seen: { startedAt: null, complete: false }, now: at(2 * HOUR + 5 * MINUTE) },
      { seen: { startedAt: at(-10 * MINUTE), complete: true }, now: at(3 * HOUR) },
    ];
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
      [2, 0, 1],
    ];
    for (const order of orders) {
      let rec: DownloadRecord | null = null;
      for (const i of order) {
        const o = observations[i];
        assert.ok(o);
        rec = observeDownload(rec, o.seen, o.now);
      }
      assert.deepEqual(rec, { startedAt: at(-20 * MINUTE), lastSeenIncompleteAt: at(2 * HOUR + 5 * MINUTE) });
    }
  });

  it('does not mutate the previous record', () => {
    const previous: DownloadRecord = { startedAt: T0, lastSeenIncompleteAt: at(HOUR) };
    const copy = structuredClone(previous);
    observeDownload(previous, { startedAt: at(-HOUR), complete: false }, at(5 * HOUR));
    assert.deepEqual(previous, copy);
  });
});

describe('unitsInWeek', () => {
  it('a unit starting Sat 23:00 counts in its week; its recount at Sun 01:00 in the next (UTC)', () => {
    const rec: DownloadRecord = {
      startedAt: new Date('2026-03-14T23:00:00Z'),
      lastSeenIncompleteAt: new Date('2026-03-15T01:00:00Z'),
    };
    const now = rec.startedAt;
    const start = weekStart(now, 'UTC');
    const end = nextWeekStart(now, 'UTC');
    assert.equal(unitsInWeek([rec], start, end), 1);
    assert.equal(unitsInWeek([rec], end, nextWeekStart(end, 'UTC')), 1);
  });

  it('edges are half-open: a unit at weekStart counts, a unit at weekEnd does not', () => {
    const ws = new Date('2026-03-08T00:00:00Z');
    const we = new Date('2026-03-15T00:00:00Z');
    const atStart = { startedAt: ws, lastSeenIncompleteAt: null };
    const atEnd = { startedAt: we, lastSeenIncompleteAt: null };
    const justBefore = { startedAt: new Date(we.getTime() - 1), lastSeenIncompleteAt: null };
    assert.equal(unitsInWeek([atStart, atEnd, justBefore], ws, we), 2);
  });

  it('a download running across the week boundary splits its units', () => {
    // Units at Sat 20:00, 22:00 | Sun 00:00, 02:00 (UTC).
    const rec = {
      startedAt: new Date('2026-03-14T20:00:00Z'),
      lastSeenIncompleteAt: new Date('2026-03-15T03:00:00Z'),
    };
    assert.equal(unitsInWeek([rec], new Date('2026-03-08T00:00:00Z'), new Date('2026-03-15T00:00:00Z')), 2);
    assert.equal(unitsInWeek([rec], new Date('2026-03-15T00:00:00Z'), new Date('2026-03-22T00:00:00Z')), 2);
  });

  it('DST week in New York (167 h): Sun 00:30 EDT after it belongs to the next week', () => {
    const zone = 'America/New_York';
    const now = new Date('2026-03-10T15:00:00Z');
    const start = weekStart(now, zone); // 2026-03-08T05:00Z
    const end = nextWeekStart(now, zone); // 2026-03-15T04:00Z, not start + 168 h
    const records: DownloadRecord[] = [
      { startedAt: new Date('2026-03-08T05:00:00Z'), lastSeenIncompleteAt: null }, // Sun 00:00 EST: in
      { startedAt: new Date('2026-03-15T03:30:00Z'), lastSeenIncompleteAt: null }, // Sat 23:30 EDT: in
      { startedAt: new Date('2026-03-15T04:30:00Z'), lastSeenIncompleteAt: null }, // Sun 00:30 EDT: next week
      { startedAt: new Date('2026-03-08T04:30:00Z'), lastSeenIncompleteAt: null }, // Sat 23:30 EST: previous
    ];
    assert.equal(unitsInWeek(records, start, end), 2);
    assert.equal(unitsInWeek(records, end, nextWeekStart(end, zone)), 1);
  });

  it('matches the listed unit times for many records and ranges', () => {
    const records: DownloadRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const start = at(i * 37 * MINUTE);
      records.push({
        startedAt: start,
        lastSeenIncompleteAt: i % 3 === 0 ? null : at((i % 7) * 53 * MINUTE, start),
      });
    }
    for (let from = -HOUR; from < 30 * HOUR; from += 41 * MINUTE) {
      const ws = at(from);
      const we = at(from + 5 * HOUR);
      const listed = records
        .flatMap(downloadUnitTimes)
        .filter((t) => t.getTime() >= ws.getTime() && t.getTime() < we.getTime()).length;
      assert.equal(unitsInWeek(records, ws, we), listed);
    }
  });

  it('no records → 0', () => {
    assert.equal(unitsInWeek([], at(0), at(HOUR)), 0);
  });
});

describe('allotmentFor', () => {
  const cases: Array<{
    name: string;
    plan: { downloadsAllowed: boolean; weeklyDownloads: number | null } | null;
    personal: number | null;
    expected: number;
  }> = [
    { name: 'no plan', plan: null, personal: 50, expected: 0 },
    {
      name: 'plan forbids downloads, personal ignored',
      plan: { downloadsAllowed: false, weeklyDownloads: 10 },
      personal: 50,
      expected: 0,
    },
    {
      name: 'plan default',
      plan: { downloadsAllowed: true, weeklyDownloads: 10 },
      personal: null,
      expected: 10,
    },
    {
      name: 'personal override wins',
      plan: { downloadsAllowed: true, weeklyDownloads: 10 },
      personal: 25,
      expected: 25,
    },
    {
      name: 'personal override of 0',
      plan: { downloadsAllowed: true, weeklyDownloads: 10 },
      personal: 0,
      expected: 0,
    },
    {
      name: 'plan default null',
      plan: { downloadsAllowed: true, weeklyDownloads: null },
      personal: null,
      expected: 0,
    },
    {
      name: 'plan default null, personal set',
      plan: { downloadsAllowed: true, weeklyDownloads: null },
      personal: 4,
      expected: 4,
    },
    {
      name: 'negative is 0',
      plan: { downloadsAllowed: true, weeklyDownloads: -3 },
      personal: null,
      expected: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(allotmentFor(c.plan, c.personal), c.expected));
  }
});

describe('isOverQuota', () => {
  const cases: Array<[number, number, boolean]> = [
    [0, 0, false],
    [1, 0, true],
    [10, 10, false],
    [11, 10, true],
  ];
  for (const [used, allotment, expected] of cases) {
    it(`${used} of ${allotment} → ${expected}`, () => assert.equal(isOverQuota(used, allotment), expected));
  }
});

describe('progressBar', () => {
  const cases: Array<[number, number, number | undefined, string]> = [
    [0, 10, undefined, '▱▱▱▱▱▱▱▱▱▱'],
    [5, 10, undefined, '▰▰▰▰▰▱▱▱▱▱'],
    [10, 10, undefined, '▰▰▰▰▰▰▰▰▰▰'],
    [14, 10, undefined, '▰▰▰▰▰▰▰▰▰▰'],
    [1, 100, undefined, '▰▱▱▱▱▱▱▱▱▱'],
    [99, 100, undefined, '▰▰▰▰▰▰▰▰▰▱'],
    [0, 0, undefined, '▱▱▱▱▱▱▱▱▱▱'],
    [1, 0, undefined, '▰▰▰▰▰▰▰▰▰▰'],
    [1, 3, 6, '▰▰▱▱▱▱'],
  ];
  for (const [used, allotment, width, expected] of cases) {
    it(`${used}/${allotment} width ${width ?? 'default'} → ${expected}`, () => {
      const bar = width === undefined ? progressBar(used, allotment) : progressBar(used, allotment, width);
      assert.equal(bar, expected);
    });
  }

  it('rejects a width that is not a positive integer', () => {
    assert.throws(() => progressBar(1, 2, 0), { name: 'RangeError', message: /positive integer/ });
    assert.throws(() => progressBar(1, 2, -3), { name: 'RangeError', message: /positive integer/ });
    assert.equal(progressBar(2, 2, 1), '▰', 'a width of one is allowed');
    assert.throws(() => progressBar(1, 2, 2.5), RangeError);
  });
});
