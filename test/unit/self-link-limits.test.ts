// How often members may start `/link` sign-ins (pure).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HOUR_MS,
  mayStartSignIn,
  pruneSignIns,
  type SignInRecord,
} from '../../src/policy/self-link-limits.ts';

const T = Date.parse('2026-11-18T20:00:00Z');
const MIN = 60_000;
const rec = (member: string, startedMinAgo: number, inFlight: boolean, deadlineIn = 14): SignInRecord => ({
  member,
  startedAt: T - startedMinAgo * MIN,
  deadline: T + deadlineIn * MIN,
  inFlight,
});
const limits = { perMemberPerHour: 3, inFlightTotal: 2 };
const now = new Date(T);

describe('mayStartSignIn', () => {
  test('a first sign-in is allowed', () => {
    assert.deepEqual(mayStartSignIn([], 'a', now, limits), { ok: true });
  });
  test('one in flight per member: try again when its code expires', () => {
    assert.deepEqual(mayStartSignIn([rec('a', 1, true, 9)], 'a', now, limits), {
      ok: false,
      reason: 'in-flight',
      retryAt: new Date(T + 9 * MIN),
    });
    assert.deepEqual(
      mayStartSignIn([rec('b', 1, true)], 'a', now, limits),
      { ok: true },
      'others are not held',
    );
  });
  test('a few per rolling hour: try again when the oldest leaves the hour', () => {
    const three = [rec('a', 50, false), rec('a', 20, false), rec('a', 5, false)];
    assert.deepEqual(mayStartSignIn(three, 'a', now, limits), {
      ok: false,
      reason: 'hourly',
      retryAt: new Date(T + 10 * MIN),
    });
    const oneOld = [rec('a', 61, false), rec('a', 20, false), rec('a', 5, false)];
    assert.deepEqual(
      mayStartSignIn(oneOld, 'a', now, limits),
      { ok: true },
      'older than an hour: not counted',
    );
  });
  test('a cap on sign-ins in flight for the whole bot: try again when the first code expires', () => {
    const busy = [rec('b', 1, true, 12), rec('c', 2, true, 4)];
    assert.deepEqual(mayStartSignIn(busy, 'a', now, limits), {
      ok: false,
      reason: 'busy',
      retryAt: new Date(T + 4 * MIN),
    });
    assert.deepEqual(mayStartSignIn([rec('b', 1, true), rec('c', 2, false)], 'a', now, limits), { ok: true });
  });
  test('a retry time is never in the past', () => {
    const stale = [rec('a', 20, true, -5)];
    const verdict = mayStartSignIn(stale, 'a', now, limits);
    assert.ok(!verdict.ok && verdict.retryAt.getTime() === T);
  });
});

test('pruneSignIns keeps what is in flight or within the hour', () => {
  const kept = pruneSignIns([rec('a', 61, false), rec('a', 59, false), rec('b', 90, true)], now);
  assert.deepEqual(
    kept.map((r) => (T - r.startedAt) / MIN),
    [59, 90],
  );
  assert.equal(HOUR_MS, 60 * MIN);
});
