// holdSecret: a secret that lives for a while (a member's sign-in token during `/link`) is masked while held, and a
// secret registered for good (a server token) stays masked when a hold on the same string ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdSecret, redact, registerSecret } from '../../src/redact.ts';

test('a held secret is masked until it is released', () => {
  const token = 'member-sign-in-token-4f5e6d';
  const release = holdSecret(token);
  assert.equal(redact(`GET /api/v2/user failed for ${token}`), 'GET /api/v2/user failed for [redacted]');
  release();
  assert.equal(redact(`plain ${token}`), `plain ${token}`);
});

test('releasing a hold does not forget a secret registered for good', () => {
  const token = 'server-token-registered-7a8b9c';
  registerSecret(token);
  holdSecret(token)();
  assert.equal(redact(token), '[redacted]');
});
