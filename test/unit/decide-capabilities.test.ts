// The capability state machine (src/decide/capabilities.ts): one alert when a capability that worked fails, one
// when it works again, none while it keeps failing or keeps working, none for one that never worked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideCapability } from '../../src/decide/capabilities.ts';
import { isCapabilityFailure } from '../../src/media/types.ts';
import type { CapabilityRecord, Observation } from '../../src/types/capabilities.ts';

const T0 = new Date('2026-11-18T20:00:00Z');
const T1 = new Date('2026-11-18T20:05:00Z');
const T2 = new Date('2026-11-18T20:10:00Z');
const ok: Observation = { capability: 'read-sessions', ok: true };
const fail = (reason = 'the route is gone (HTTP 410)', fix?: string): Observation => ({
  capability: 'read-sessions',
  ok: false,
  reason,
  ...(fix ? { fix } : {}),
});

/** Runs observations in order, one minute apart from T0, and returns the alerts and the last record. */
function walk(start: CapabilityRecord | null, observations: Observation[]) {
  let current = start;
  const alerts: Array<string | null> = [];
  observations.forEach((o, i) => {
    const d = decideCapability(current, o, new Date(T0.getTime() + i * 60_000));
    alerts.push(d.alert);
    current = d.next;
  });
  return { alerts, last: current };
}

describe('decideCapability', () => {
  it('unknown → works on success, without an alert', () => {
    const d = decideCapability(null, ok, T0);
    assert.deepEqual(d, {
      next: { state: 'works', since: T0, reason: null, fix: null, lostAlerted: false },
      changed: true,
      alert: null,
    });
  });

  it('unknown → failed on failure, without an alert (it never worked here)', () => {
    const d = decideCapability(null, fail('no', 'upgrade'), T0);
    assert.equal(d.alert, null);
    assert.deepEqual(d.next, {
      state: 'failed',
      since: T0,
      reason: 'no',
      fix: 'upgrade',
      lostAlerted: false,
    });
    // ... and no "back" alert when it starts working, since nothing was announced.
    assert.equal(decideCapability(d.next, ok, T1).alert, null);
  });

  it('works → failed posts "lost" once, then "back" once when it works again', () => {
    const { alerts, last } = walk(null, [ok, ok, fail(), fail(), fail(), ok, ok]);
    assert.deepEqual(alerts, [null, null, 'lost', null, null, 'back', null]);
    assert.equal(last?.state, 'works');
  });

  it('keeps the time a failure began while it goes on, and takes the newest reason', () => {
    const works = decideCapability(null, ok, T0).next;
    const lost = decideCapability(works, fail('first'), T1).next;
    const again = decideCapability(lost, fail('second', 'do this'), T2);
    assert.equal(again.changed, true);
    assert.deepEqual(again.next, {
      state: 'failed',
      since: T1,
      reason: 'second',
      fix: 'do this',
      lostAlerted: true,
    });
    const same = decideCapability(again.next, fail('second', 'do this'), T2);
    assert.equal(same.changed, false);
    assert.equal(same.alert, null);
  });

  it('a steady state needs no write', () => {
    const works = decideCapability(null, ok, T0).next;
    assert.deepEqual(decideCapability(works, ok, T1), { next: works, changed: false, alert: null });
  });

  it('flapping posts one pair per loss', () => {
    const { alerts } = walk(null, [ok, fail(), ok, fail(), ok]);
    assert.deepEqual(alerts, [null, 'lost', 'back', 'lost', 'back']);
  });
});

describe('isCapabilityFailure', () => {
  for (const [error, expected] of [
    [{ kind: 'unreachable' }, false],
    [{ kind: 'timeout' }, false],
    [{ kind: 'unauthorized', status: 401 }, false],
    [{ kind: 'server-error', status: 503 }, false],
    [{ kind: 'server-error', status: 410 }, true],
    [{ kind: 'server-error', status: 405 }, true],
    [{ kind: 'not-found', status: 404 }, true],
    [{ kind: 'bad-response' }, true],
    [{ kind: 'not-applied' }, true],
    [{ kind: 'redirect', status: 302 }, true],
  ] as const) {
    it(`${error.kind}${'status' in error ? ` ${error.status}` : ''}: ${expected}`, () => {
      assert.equal(isCapabilityFailure(error), expected);
    });
  }
});
