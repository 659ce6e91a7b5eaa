import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CLUSTER_TIMINGS, newInstanceId } from '../../src/cluster/cluster.ts';
import {
  fairShare,
  fencingDeadline,
  leaseServerId,
  planServerLeases,
  serverLease,
} from '../../src/cluster/plan.ts';

test('the fair share covers every server, whatever the number of live instances', () => {
  const cases: Array<[servers: number, live: number, share: number]> = [
    [0, 1, 0],
    [1, 1, 1],
    [5, 1, 5],
    [2, 2, 1],
    [3, 2, 2],
    [10, 3, 4],
    [1, 4, 1],
    [7, 0, 7], // no live instance counted yet: this one
  ];
  for (const [servers, live, share] of cases) {
    assert.equal(fairShare(servers, live), share, `${servers} servers / ${live} instances`);
    assert.ok(share * Math.max(1, live) >= servers);
  }
});

test('the fencing deadline comes before the database can hand the lease on', () => {
  // Renewal started at 1000 ms on the instance's clock; the database starts its TTL no sooner.
  assert.equal(fencingDeadline(1000, 10_000, 2000), 9000);
  const { ttlMs, marginMs, renewMs, standbyMs } = DEFAULT_CLUSTER_TIMINGS;
  assert.ok(fencingDeadline(0, ttlMs, marginMs) < ttlMs);
  // Two renewals may fail before an instance lets go of a lease it still holds.
  assert.ok(fencingDeadline(0, ttlMs, marginMs) > 2 * renewMs);
  // Takeover after a death: expiry plus one round of the others, within the 15 s the issue asks.
  assert.ok(ttlMs + Math.max(renewMs, standbyMs) <= 15_000);
});

test('lease names', () => {
  assert.equal(serverLease(12), 'server:12');
  assert.equal(leaseServerId('server:12'), 12);
  assert.equal(leaseServerId('gateway'), null);
  assert.equal(leaseServerId('instance:server:1'), null);
  assert.match(newInstanceId(), new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
  assert.notEqual(newInstanceId(), newInstanceId());
});

const inst = (id: string) => ({ name: `instance:${id}`, holder: id });
const srv = (id: number, holder: string) => ({ name: serverLease(id), holder });

test('alone, an instance takes every free server', () => {
  const plan = planServerLeases({ instanceId: 'a', serverIds: [3, 1, 2], active: [inst('a')], held: [] });
  assert.deepEqual(plan, { release: [], candidates: [1, 2, 3], room: 3, share: 3, live: 1 });
});

test('when a second instance joins, the first gives up what is over its share and the second takes it', () => {
  const active = [inst('a'), inst('b'), srv(1, 'a'), srv(2, 'a'), srv(3, 'a'), srv(4, 'a')];
  const a = planServerLeases({ instanceId: 'a', serverIds: [1, 2, 3, 4], active, held: [1, 2, 3, 4] });
  assert.deepEqual(a.release, [3, 4]);
  assert.equal(a.room, 0);
  const afterRelease = [inst('a'), inst('b'), srv(1, 'a'), srv(2, 'a')];
  const b = planServerLeases({ instanceId: 'b', serverIds: [1, 2, 3, 4], active: afterRelease, held: [] });
  assert.deepEqual(b.candidates, [3, 4]);
  assert.equal(b.room, 2);
});

test('servers held by another live instance are never candidates; expired ones (absent from active) are', () => {
  // b died: its leases expired, so they are no longer in `active`, and neither is its heartbeat.
  const plan = planServerLeases({
    instanceId: 'a',
    serverIds: [1, 2, 3],
    active: [inst('a'), inst('c'), srv(1, 'a'), srv(3, 'c')],
    held: [1],
  });
  assert.deepEqual(plan.candidates, [2]);
  assert.equal(plan.room, 1);
  assert.equal(plan.live, 2);
});

test('a lease the database still gives us but we stopped trusting (fenced) may be taken again', () => {
  const plan = planServerLeases({
    instanceId: 'a',
    serverIds: [1],
    active: [inst('a'), srv(1, 'a')],
    held: [],
  });
  assert.deepEqual(plan.candidates, [1]);
});

test('a removed server is released; the heartbeat of this instance counts even before it is written', () => {
  const plan = planServerLeases({ instanceId: 'a', serverIds: [1], active: [], held: [1, 9] });
  assert.deepEqual(plan.release, [9]);
  assert.equal(plan.live, 1);
  assert.equal(plan.room, 0);
});
