// The figures of /report and /history, hand-checked on a Paris week that contains the end of summer time
// (Sunday 25 October 2026, 03:00 CEST → 02:00 CET: that Sunday lasts 25 hours).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closestToAllotment,
  dailyFigures,
  downtimeByServer,
  formatDuration,
  type MemberDownloads,
  peakSimultaneous,
  recentWeekBounds,
  topDownloaders,
  weeklyHistory,
} from '../../src/policy/report.ts';
import { weekDayBounds } from '../../src/policy/week.ts';

const ZONE = 'Europe/Paris';
const d = (iso: string) => new Date(iso);
const span = (start: string, end: string) => ({ start: d(start), end: d(end) });

describe('weekDayBounds', () => {
  it('gives calendar days in the zone, the DST Sunday lasting 25 hours', () => {
    const bounds = weekDayBounds(d('2026-10-28T12:00:00Z'), ZONE);
    assert.deepEqual(
      bounds.map((b) => b.toISOString()),
      [
        '2026-10-24T22:00:00.000Z', // Sun 25 00:00 CEST
        '2026-10-25T23:00:00.000Z', // Mon 26 00:00 CET
        '2026-10-26T23:00:00.000Z',
        '2026-10-27T23:00:00.000Z',
        '2026-10-28T23:00:00.000Z',
        '2026-10-29T23:00:00.000Z',
        '2026-10-30T23:00:00.000Z', // Sat 31
        '2026-10-31T23:00:00.000Z', // next Sunday
      ],
    );
  });
});

describe('peakSimultaneous', () => {
  it('counts sessions that touch at one sighting as simultaneous, and clips to the window', () => {
    const spans = [
      span('2026-10-25T10:00:00Z', '2026-10-25T12:00:00Z'),
      span('2026-10-25T11:00:00Z', '2026-10-25T11:30:00Z'),
      span('2026-10-25T12:00:00Z', '2026-10-25T13:00:00Z'),
    ];
    assert.equal(peakSimultaneous(spans, d('2026-10-25T00:00:00Z'), d('2026-10-26T00:00:00Z')), 2);
    assert.equal(peakSimultaneous(spans, d('2026-10-25T12:30:00Z'), d('2026-10-26T00:00:00Z')), 1);
    assert.equal(peakSimultaneous(spans, d('2026-10-25T13:00:01Z'), d('2026-10-26T00:00:00Z')), 0);
    assert.equal(peakSimultaneous([], d('2026-10-25T00:00:00Z'), d('2026-10-26T00:00:00Z')), 0);
  });
});

describe('dailyFigures over the DST week', () => {
  const bounds = weekDayBounds(d('2026-10-28T12:00:00Z'), ZONE);
  const spans = [
    span('2026-10-25T10:00:00Z', '2026-10-25T12:00:00Z'),
    span('2026-10-25T11:00:00Z', '2026-10-25T11:30:00Z'),
    // Sunday 23:30 CET → Monday 00:30 CET: counts on both days.
    span('2026-10-25T22:30:00Z', '2026-10-25T23:30:00Z'),
    span('2026-10-25T23:10:00Z', '2026-10-26T01:00:00Z'),
    span('2026-10-30T18:00:00Z', '2026-10-30T19:00:00Z'),
  ];
  const breaches = [
    d('2026-10-25T22:59:00Z'), // Sunday 23:59 CET: still Sunday (24 h after Sunday 00:00 would say Monday)
    d('2026-10-25T23:00:00Z'), // Monday 00:00 CET
    d('2026-10-31T22:59:59Z'), // Saturday 23:59:59
    d('2026-10-31T23:00:00Z'), // the next week
    d('2026-10-24T21:59:59Z'), // the week before
  ];
  const days = dailyFigures(bounds, ZONE, spans, breaches);

  it('labels the seven local days', () => {
    assert.deepEqual(
      days.map((x) => x.label),
      ['Sun 25', 'Mon 26', 'Tue 27', 'Wed 28', 'Thu 29', 'Fri 30', 'Sat 31'],
    );
  });
  it('has the peak of simultaneous streams per day', () => {
    assert.deepEqual(
      days.map((x) => x.peakStreams),
      [2, 2, 0, 0, 0, 1, 0],
    );
  });
  it('puts each breach in the local day it was opened', () => {
    assert.deepEqual(
      days.map((x) => x.breaches),
      [1, 1, 0, 0, 0, 0, 1],
    );
  });
});

describe('downloads against allotments', () => {
  const list: MemberDownloads[] = [
    { memberId: 1, name: 'alice', used: 6, allotment: 5 },
    { memberId: 2, name: 'bob', used: 4, allotment: 5 },
    { memberId: 3, name: 'carol (no allotment)', used: 1, allotment: 0 },
    { memberId: 4, name: 'dave', used: 0, allotment: 3 },
    { memberId: 5, name: 'erin', used: 4, allotment: 10 },
  ];
  it('ranks the top downloaders, most first, leaving out those with none', () => {
    assert.deepEqual(
      topDownloaders(list).map((m) => m.name),
      ['alice', 'bob', 'erin', 'carol (no allotment)'],
    );
    assert.deepEqual(
      topDownloaders(list, 2).map((m) => m.name),
      ['alice', 'bob'],
    );
  });
  it('puts a member with no allotment who downloaded first among those closest to it', () => {
    assert.deepEqual(
      closestToAllotment(list).map((m) => m.name),
      ['carol (no allotment)', 'alice', 'bob'],
    );
  });
});

describe('downtimeByServer', () => {
  it('clips outages to the week and runs an open one until now', () => {
    const from = d('2026-10-24T22:00:00Z');
    const to = d('2026-10-31T23:00:00Z');
    const result = downtimeByServer(
      [
        { server: 'Main', startedAt: d('2026-10-24T21:00:00Z'), endedAt: d('2026-10-24T23:00:00Z') },
        { server: 'Main', startedAt: d('2026-10-27T10:00:00Z'), endedAt: d('2026-10-27T10:30:00Z') },
        { server: 'Jelly', startedAt: d('2026-10-31T22:00:00Z'), endedAt: null },
        { server: 'Old', startedAt: d('2026-10-20T10:00:00Z'), endedAt: d('2026-10-21T10:00:00Z') },
      ],
      from,
      to,
      d('2026-11-01T05:00:00Z'),
    );
    assert.deepEqual(result, [
      { server: 'Main', downMs: 90 * 60_000, outages: 2 },
      { server: 'Jelly', downMs: 60 * 60_000, outages: 1 },
    ]);
    // Asked mid-outage: the open one counts up to now only.
    const mid = downtimeByServer(
      [{ server: 'Jelly', startedAt: d('2026-10-31T22:00:00Z'), endedAt: null }],
      from,
      to,
      d('2026-10-31T22:20:00Z'),
    );
    assert.deepEqual(mid, [{ server: 'Jelly', downMs: 20 * 60_000, outages: 1 }]);
  });
  it('formats durations', () => {
    assert.equal(formatDuration(65 * 60_000), '1 h 05 min');
    assert.equal(formatDuration(45 * 60_000), '45 min');
    assert.equal(formatDuration(20_000), 'under a minute');
    assert.equal(formatDuration(26 * 60 * 60_000), '1 d 2 h');
  });
});

describe('weeklyHistory', () => {
  it('walks back whole local weeks across the DST change and applies the two-hour rule per week', () => {
    const bounds = recentWeekBounds(d('2026-11-04T12:00:00Z'), ZONE, 3);
    assert.deepEqual(
      bounds.map((b) => b.toISOString()),
      [
        '2026-10-17T22:00:00.000Z',
        '2026-10-24T22:00:00.000Z',
        '2026-10-31T23:00:00.000Z',
        '2026-11-07T23:00:00.000Z',
      ],
    );
    const weeks = weeklyHistory(
      bounds,
      [
        { startedAt: d('2026-10-20T10:00:00Z'), lastSeenIncompleteAt: null },
        // Saturday 23:30 CET, still incomplete at 01:40: counts once in each week.
        { startedAt: d('2026-10-31T22:30:00Z'), lastSeenIncompleteAt: d('2026-11-01T00:40:00Z') },
      ],
      [d('2026-10-25T22:59:00Z'), d('2026-11-02T08:00:00Z'), d('2026-11-03T08:00:00Z')],
    );
    assert.deepEqual(
      weeks.map((w) => [w.used, w.breaches]),
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
    );
  });
});
