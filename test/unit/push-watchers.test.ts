import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEnforcementRelevant, MAX_PUSHED_SESSIONS } from '../../src/sense/watchers.ts';

test('the sessions remembered per server stay bounded, whatever keys a server pushes', () => {
  const watched = { plexSessions: new Map<string, string>(), playing: null };
  for (let i = 0; i < MAX_PUSHED_SESSIONS * 3; i++)
    assert.equal(
      isEnforcementRelevant(watched, { type: 'session-changed', key: `k${i}`, state: 'playing' }),
      true,
    );
  assert.equal(watched.plexSessions.size, MAX_PUSHED_SESSIONS);
  // The newest are kept: a repeat of the last key is no change.
  const last = `k${MAX_PUSHED_SESSIONS * 3 - 1}`;
  assert.equal(
    isEnforcementRelevant(watched, { type: 'session-changed', key: last, state: 'playing' }),
    false,
  );
  // A key no server sends is acted on but not remembered.
  const huge = 'x'.repeat(1_000_000);
  assert.equal(
    isEnforcementRelevant(watched, { type: 'session-changed', key: huge, state: 'playing' }),
    true,
  );
  assert.equal(watched.plexSessions.has(huge), false);
  assert.equal(watched.plexSessions.size, MAX_PUSHED_SESSIONS);
});
