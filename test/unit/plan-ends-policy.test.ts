// Plans that end: which end dates `/user plan … until:` accepts, and what is due for each member (a reminder in the
// last three days, the fall-back from the first instant of the end date in the community's zone).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPlanUntil, type EndingPlan, planEndMoves } from '../../src/policy/plan-ends.ts';
import { addDaysToKey, localDateKey, localDayStart, parseDateKey } from '../../src/policy/week.ts';

describe('checkPlanUntil', () => {
  // [what, input, now, zone, expected: an end instant, or the refusal with today and the latest date allowed]
  const cases: Array<
    [string, string, string, string, string | { reason: string; today: string; latest: string }]
  > = [
    [
      'tomorrow in Berlin starts at 23:00 UTC',
      '2026-12-07',
      '2026-12-06T22:30:00Z',
      'Europe/Berlin',
      '2026-12-06T23:00:00.000Z',
    ],
    [
      'spaces around the date are ignored',
      ' 2026-12-08 ',
      '2026-12-06T22:30:00Z',
      'Europe/Berlin',
      '2026-12-07T23:00:00.000Z',
    ],
    [
      'today is refused: the day has begun',
      '2026-12-06',
      '2026-12-06T22:30:00Z',
      'Europe/Berlin',
      { reason: 'past', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'a past date is refused',
      '2026-11-30',
      '2026-12-06T22:30:00Z',
      'Europe/Berlin',
      { reason: 'past', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      '“today” is the zone’s: 23:30 UTC is already the 7th in Auckland',
      '2026-12-07',
      '2026-12-06T23:30:00Z',
      'Pacific/Auckland',
      { reason: 'past', today: '2026-12-07', latest: '2031-12-07' },
    ],
    [
      'the same instant in UTC still accepts the 7th',
      '2026-12-07',
      '2026-12-06T23:30:00Z',
      'UTC',
      '2026-12-07T00:00:00.000Z',
    ],
    [
      'exactly five years ahead is accepted',
      '2031-12-06',
      '2026-12-06T12:00:00Z',
      'UTC',
      '2031-12-06T00:00:00.000Z',
    ],
    [
      'a day more is refused',
      '2031-12-07',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'too-far', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'from 29 February the latest is 28 February',
      '2033-03-01',
      '2028-02-29T12:00:00Z',
      'UTC',
      { reason: 'too-far', today: '2028-02-29', latest: '2033-02-28' },
    ],
    [
      'no 30 February',
      '2027-02-30',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'format', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'no month 13',
      '2027-13-01',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'format', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'day-month-year is refused',
      '31-01-2027',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'format', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'a time is refused',
      '2027-01-31T10',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'format', today: '2026-12-06', latest: '2031-12-06' },
    ],
    [
      'words are refused',
      'next week',
      '2026-12-06T12:00:00Z',
      'UTC',
      { reason: 'format', today: '2026-12-06', latest: '2031-12-06' },
    ],
  ];
  for (const [what, input, now, zone, expected] of cases) {
    test(what, () => {
      const got = checkPlanUntil(input, new Date(now), zone);
      if (typeof expected === 'string') {
        assert.ok(got.ok, JSON.stringify(got));
        assert.equal(got.until, input.trim());
        assert.equal(got.endsAt.toISOString(), expected);
      } else {
        assert.deepEqual(got, { ok: false, ...expected });
      }
    });
  }
});

describe('planEndMoves', () => {
  const member = (memberId: number, until: string): EndingPlan => ({
    memberId,
    discordUserId: `u${memberId}`,
    planId: 7,
    until,
  });
  // [what, zone, until, now, expected move and its end instant (null: nothing due)]
  const cases: Array<[string, string, string, string, ['remind' | 'end', string] | null]> = [
    ['Berlin: just before the reminder day', 'Europe/Berlin', '2026-12-10', '2026-12-06T22:59:59.999Z', null],
    [
      'Berlin: the reminder day starts (local midnight, 3 days before)',
      'Europe/Berlin',
      '2026-12-10',
      '2026-12-06T23:00:00.000Z',
      ['remind', '2026-12-09T23:00:00.000Z'],
    ],
    [
      'Berlin: the last minute before the end',
      'Europe/Berlin',
      '2026-12-10',
      '2026-12-09T22:59:00.000Z',
      ['remind', '2026-12-09T23:00:00.000Z'],
    ],
    [
      'Berlin: the end date starts',
      'Europe/Berlin',
      '2026-12-10',
      '2026-12-09T23:00:00.000Z',
      ['end', '2026-12-09T23:00:00.000Z'],
    ],
    [
      'long after the end (the bot was down): the end, no reminder',
      'UTC',
      '2026-12-10',
      '2027-01-05T00:00:00.000Z',
      ['end', '2026-12-10T00:00:00.000Z'],
    ],
    [
      'New York across the spring change: reminded from EST midnight',
      'America/New_York',
      '2027-03-15',
      '2027-03-12T05:00:00.000Z',
      ['remind', '2027-03-15T04:00:00.000Z'],
    ],
    [
      'New York: an hour earlier is still before the reminder',
      'America/New_York',
      '2027-03-15',
      '2027-03-12T04:59:59.000Z',
      null,
    ],
    [
      'New York: ends at EDT midnight',
      'America/New_York',
      '2027-03-15',
      '2027-03-15T04:00:00.000Z',
      ['end', '2027-03-15T04:00:00.000Z'],
    ],
    [
      'Santiago: the end day has no midnight, it starts at 01:00',
      'America/Santiago',
      '2026-09-06',
      '2026-09-06T04:00:00.000Z',
      ['end', '2026-09-06T04:00:00.000Z'],
    ],
    [
      'Santiago: a moment before that is the reminder',
      'America/Santiago',
      '2026-09-06',
      '2026-09-06T03:59:59.999Z',
      ['remind', '2026-09-06T04:00:00.000Z'],
    ],
  ];
  for (const [what, zone, until, now, expected] of cases) {
    test(what, () => {
      const moves = planEndMoves([member(1, until)], new Date(now), zone);
      assert.deepEqual(
        moves.map((m) => [m.kind, m.endsAt.toISOString()]),
        expected ? [expected] : [],
      );
    });
  }

  test('each member gets their own move, in order, carrying the row it was given', () => {
    const rows = [
      member(1, '2026-12-20'),
      member(2, '2026-12-08'),
      member(3, '2026-12-06'),
      member(4, '2026-12-09'),
    ];
    const moves = planEndMoves(rows, new Date('2026-12-06T12:00:00Z'), 'UTC');
    assert.deepEqual(
      moves.map((m) => [m.kind, m.member.memberId]),
      [
        ['remind', 2],
        ['end', 3],
        ['remind', 4],
      ],
    );
    assert.equal(moves[0]?.member, rows[1]);
  });
});

describe('local dates', () => {
  test('the local date of an instant is the zone’s', () => {
    assert.equal(localDateKey(new Date('2026-12-06T23:30:00Z'), 'UTC'), '2026-12-06');
    assert.equal(localDateKey(new Date('2026-12-06T23:30:00Z'), 'Europe/Berlin'), '2026-12-07');
    assert.equal(localDateKey(new Date('2026-12-06T03:00:00Z'), 'America/Los_Angeles'), '2026-12-05');
  });
  test('days are added by the calendar, across months, years and 29 February', () => {
    assert.equal(addDaysToKey('2026-12-31', 1), '2027-01-01');
    assert.equal(addDaysToKey('2028-03-01', -1), '2028-02-29');
    assert.equal(addDaysToKey('2027-03-02', -3), '2027-02-27');
  });
  test('only real calendar dates parse', () => {
    assert.deepEqual(parseDateKey('2028-02-29'), { year: 2028, month: 2, day: 29 });
    assert.equal(parseDateKey('2027-02-29'), null);
    assert.equal(parseDateKey('2027-1-5'), null);
    assert.throws(() => localDayStart('2027-02-29', 'UTC'), /Not a calendar date/);
    assert.throws(() => addDaysToKey('soon', 1), /Not a calendar date/);
  });
});
