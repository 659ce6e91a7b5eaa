import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTimeZone, isValidTimeZone, nextWeekStart, weekKey, weekStart } from '../../src/policy/week.ts';

const HOUR = 60 * 60 * 1000;

interface WeekCase {
  name: string;
  zone: string;
  now: string;
  start: string;
  next: string;
  key: string;
  hours: number;
}

const cases: WeekCase[] = [
  {
    name: 'UTC, a Wednesday',
    zone: 'UTC',
    now: '2026-03-11T12:00:00Z',
    start: '2026-03-08T00:00:00.000Z',
    next: '2026-03-15T00:00:00.000Z',
    key: '2026-03-08',
    hours: 168,
  },
  {
    name: 'New York, Saturday 23:30 local (already Sunday in UTC) stays in the old week',
    zone: 'America/New_York',
    now: '2026-03-08T04:30:00Z',
    start: '2026-03-01T05:00:00.000Z',
    next: '2026-03-08T05:00:00.000Z',
    key: '2026-03-01',
    hours: 168,
  },
  {
    name: 'New York, Saturday 23:59:59.999 belongs to the old week',
    zone: 'America/New_York',
    now: '2026-03-08T04:59:59.999Z',
    start: '2026-03-01T05:00:00.000Z',
    next: '2026-03-08T05:00:00.000Z',
    key: '2026-03-01',
    hours: 168,
  },
  {
    name: 'New York, Sunday 00:00 exactly starts the new week; spring-forward week is 167 h',
    zone: 'America/New_York',
    now: '2026-03-08T05:00:00Z',
    start: '2026-03-08T05:00:00.000Z',
    next: '2026-03-15T04:00:00.000Z',
    key: '2026-03-08',
    hours: 167,
  },
  {
    name: 'New York, last instant of the spring-forward week (Sat 23:59:59.999 EDT)',
    zone: 'America/New_York',
    now: '2026-03-15T03:59:59.999Z',
    start: '2026-03-08T05:00:00.000Z',
    next: '2026-03-15T04:00:00.000Z',
    key: '2026-03-08',
    hours: 167,
  },
  {
    name: 'New York, fall-back week 2026-11-01 is 169 h',
    zone: 'America/New_York',
    now: '2026-11-04T15:00:00Z',
    start: '2026-11-01T04:00:00.000Z',
    next: '2026-11-08T05:00:00.000Z',
    key: '2026-11-01',
    hours: 169,
  },
  {
    name: 'Berlin, spring-forward Sunday 2026-03-29 (week is 167 h)',
    zone: 'Europe/Berlin',
    now: '2026-03-29T10:00:00Z',
    start: '2026-03-28T23:00:00.000Z',
    next: '2026-04-04T22:00:00.000Z',
    key: '2026-03-29',
    hours: 167,
  },
  {
    name: 'Berlin, Saturday 23:30 CET before the change stays in the old week',
    zone: 'Europe/Berlin',
    now: '2026-03-28T22:30:00Z',
    start: '2026-03-21T23:00:00.000Z',
    next: '2026-03-28T23:00:00.000Z',
    key: '2026-03-22',
    hours: 168,
  },
  {
    name: 'Santiago, 2026-09-06 local midnight does not exist: week starts 01:00 (04:00Z)',
    zone: 'America/Santiago',
    now: '2026-09-06T04:00:00Z',
    start: '2026-09-06T04:00:00.000Z',
    next: '2026-09-13T03:00:00.000Z',
    key: '2026-09-06',
    hours: 167,
  },
  {
    name: 'Santiago, the instant before the gap is still Saturday',
    zone: 'America/Santiago',
    now: '2026-09-06T03:59:59.999Z',
    start: '2026-08-30T04:00:00.000Z',
    next: '2026-09-06T04:00:00.000Z',
    key: '2026-08-30',
    hours: 168,
  },
  {
    name: 'Santiago fall-back 2026-04-05 (Saturday 23:00–24:00 repeats; week is 169 h before it)',
    zone: 'America/Santiago',
    now: '2026-04-05T03:30:00Z',
    start: '2026-03-29T03:00:00.000Z',
    next: '2026-04-05T04:00:00.000Z',
    key: '2026-03-29',
    hours: 169,
  },
  {
    // Cuba falls back at 01:00 → 00:00 on a Sunday, so Sunday 00:00 happens twice; the week starts at the first.
    name: 'Havana, Sunday 00:30 during the repeated hour (second pass) is in the week that began at the first 00:00',
    zone: 'America/Havana',
    now: '2026-11-01T05:30:00Z',
    start: '2026-11-01T04:00:00.000Z',
    next: '2026-11-08T05:00:00.000Z',
    key: '2026-11-01',
    hours: 169,
  },
  {
    name: 'Havana, Saturday 23:59:59.999 before the repeated hour is the old week',
    zone: 'America/Havana',
    now: '2026-11-01T03:59:59.999Z',
    start: '2026-10-25T04:00:00.000Z',
    next: '2026-11-01T04:00:00.000Z',
    key: '2026-10-25',
    hours: 168,
  },
  {
    name: 'Kolkata (+05:30), Sunday 01:30 local is Saturday in UTC',
    zone: 'Asia/Kolkata',
    now: '2026-03-07T20:00:00Z',
    start: '2026-03-07T18:30:00.000Z',
    next: '2026-03-14T18:30:00.000Z',
    key: '2026-03-08',
    hours: 168,
  },
  {
    name: 'Kiritimati (+14), Sunday 00:00 local is Saturday 10:00 UTC',
    zone: 'Pacific/Kiritimati',
    now: '2026-03-07T10:00:00Z',
    start: '2026-03-07T10:00:00.000Z',
    next: '2026-03-14T10:00:00.000Z',
    key: '2026-03-08',
    hours: 168,
  },
  {
    name: 'Kiritimati, one millisecond earlier is the previous week',
    zone: 'Pacific/Kiritimati',
    now: '2026-03-07T09:59:59.999Z',
    start: '2026-02-28T10:00:00.000Z',
    next: '2026-03-07T10:00:00.000Z',
    key: '2026-03-01',
    hours: 168,
  },
  {
    name: 'UTC, year boundary (Sunday 2026-12-27 to Sunday 2027-01-03)',
    zone: 'UTC',
    now: '2027-01-01T00:00:00Z',
    start: '2026-12-27T00:00:00.000Z',
    next: '2027-01-03T00:00:00.000Z',
    key: '2026-12-27',
    hours: 168,
  },
];

describe('weekStart / nextWeekStart / weekKey', () => {
  for (const c of cases) {
    it(c.name, () => {
      const now = new Date(c.now);
      const start = weekStart(now, c.zone);
      const next = nextWeekStart(now, c.zone);
      assert.equal(start.toISOString(), c.start);
      assert.equal(next.toISOString(), c.next);
      assert.equal(weekKey(now, c.zone), c.key);
      assert.equal((next.getTime() - start.getTime()) / HOUR, c.hours);
      assert.ok(
        start.getTime() <= now.getTime() && now.getTime() < next.getTime(),
        'half-open [start, next)',
      );
    });
  }

  // A 5-hour step is coprime with 24, so every local hour of every weekday is visited over the year.
  it('weeks tile time with no gap or overlap, every 5 h through 2026, in several zones', () => {
    const zones = ['UTC', 'America/New_York', 'America/Santiago', 'America/Havana', 'Australia/Lord_Howe'];
    for (const zone of zones) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 5 * HOUR) {
        const now = new Date(t);
        const start = weekStart(now, zone);
        const next = nextWeekStart(now, zone);
        assert.ok(start.getTime() <= t && t < next.getTime(), `${zone} ${now.toISOString()}`);
        assert.equal(weekStart(next, zone).getTime(), next.getTime(), `${zone} next week starts at next`);
        assert.equal(weekStart(new Date(start.getTime() - 1), zone).getTime() < start.getTime(), true);
      }
    }
  });

  it('weekKey is the local Sunday of every instant in the week', () => {
    const zone = 'America/New_York';
    const start = new Date('2026-11-01T04:00:00Z');
    const next = new Date('2026-11-08T05:00:00Z');
    for (const t of [start.getTime(), start.getTime() + 100 * HOUR, next.getTime() - 1]) {
      assert.equal(weekKey(new Date(t), zone), '2026-11-01');
    }
    assert.equal(weekKey(next, zone), '2026-11-08');
  });
});

describe('time zone validation', () => {
  const valid = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Pacific/Kiritimati'];
  const invalid = ['Mars/Olympus_Mons', '', '   ', 'New York', 'UTC+3'];

  for (const zone of valid) {
    it(`accepts ${zone}`, () => {
      assert.equal(isValidTimeZone(zone), true);
      assert.doesNotThrow(() => assertTimeZone(zone));
    });
  }

  for (const zone of invalid) {
    it(`rejects ${JSON.stringify(zone)} with a RangeError naming it`, () => {
      assert.equal(isValidTimeZone(zone), false);
      assert.throws(
        () => assertTimeZone(zone),
        (err: unknown) => err instanceof RangeError && err.message.includes(`"${zone}"`),
      );
    });
  }

  it('weekStart, nextWeekStart and weekKey reject an unknown zone', () => {
    const now = new Date('2026-03-11T12:00:00Z');
    assert.throws(() => weekStart(now, 'Mars/Olympus_Mons'), RangeError);
    assert.throws(() => nextWeekStart(now, 'Mars/Olympus_Mons'), RangeError);
    assert.throws(() => weekKey(now, 'Mars/Olympus_Mons'), RangeError);
  });

  it('rejects an invalid date', () => {
    assert.throws(() => weekStart(new Date(Number.NaN), 'UTC'), RangeError);
  });
});
