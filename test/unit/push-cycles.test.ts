import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { PushCycles } from '../../src/sense/push-cycles.ts';

/** A runCycle whose cycles end only when the test says so. */
function cycles() {
  const calls: number[][] = [];
  const ends: Array<(fail?: Error) => void> = [];
  const lines: string[] = [];
  const push = new PushCycles({
    runCycle: (serverIds) => {
      calls.push([...serverIds].sort((a, b) => a - b));
      return new Promise((resolve, reject) => ends.push((fail) => (fail ? reject(fail) : resolve(null))));
    },
    log: createLogger('error', { destination: { write: (s: string) => void lines.push(s) } }),
  });
  return { push, calls, ends, lines };
}

/** Lets the event loop turn once (the requests of one turn start together), and the promises settle. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

test('the first event starts a cycle of its server in the same turn, with no wait', async () => {
  const { push, calls, ends } = cycles();
  push.request(4);
  assert.deepEqual(calls, [], 'the events of the same message are gathered first');
  await turn();
  assert.deepEqual(calls, [[4]]);
  ends[0]!();
  await turn();
  assert.deepEqual(calls, [[4]], 'nothing more was asked for, nothing more runs');
  push.stop();
});

test('the events of one turn ride in one cycle', async () => {
  const { push, calls, ends } = cycles();
  push.request(1);
  push.request(2);
  push.request(1);
  await turn();
  assert.deepEqual(calls, [[1, 2]]);
  ends[0]!();
  await turn();
  assert.equal(calls.length, 1);
  push.stop();
});

test('events during a cycle fold into exactly one more, of the servers they named', async () => {
  const { push, calls, ends } = cycles();
  push.request(1);
  await turn();
  // A burst while the first cycle runs: Plex's several notifications of one play start, a second server's event.
  for (const id of [1, 3, 1, 3, 1]) {
    push.request(id);
    await turn();
  }
  assert.deepEqual(calls, [[1]], 'no second cycle while the first runs');
  ends[0]!();
  await turn();
  assert.deepEqual(calls, [[1], [1, 3]]);
  ends[1]!();
  await turn();
  assert.equal(calls.length, 2, 'the burst cost one cycle, not one per event');
  // Later, quiet again: the next event starts its own cycle at once.
  push.request(2);
  await turn();
  assert.deepEqual(calls.at(-1), [2]);
  ends[2]!();
  push.stop();
});

test('a cycle that fails is logged and the folded one still runs', async () => {
  const { push, calls, ends, lines } = cycles();
  push.request(1);
  await turn();
  push.request(2);
  ends[0]!(new Error('database gone'));
  await turn();
  assert.deepEqual(calls, [[1], [2]]);
  assert.match(lines.join(''), /push-triggered enforcement cycle failed/);
  ends[1]!();
  push.stop();
});

test('after stop, nothing asked for runs', async () => {
  const { push, calls, ends } = cycles();
  push.request(1);
  push.stop();
  await turn();
  assert.deepEqual(calls, [], 'a request of the same turn is dropped');

  const second = cycles();
  second.push.request(1);
  await turn();
  second.push.request(2);
  second.push.stop();
  second.ends[0]!();
  await turn();
  assert.deepEqual(second.calls, [[1]], 'the folded cycle is dropped');
  assert.equal(ends.length, 0);
});
