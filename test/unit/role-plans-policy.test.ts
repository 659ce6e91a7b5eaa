// Which plan a member's Discord roles give, and what a role sync does to a stored plan.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BoundPlan,
  comparePlans,
  planAllotment,
  planFromRoles,
  type RoleBinding,
  resolveMemberPlan,
} from '../../src/policy/role-plans.ts';

const plan = (id: number, streamCap: number, weeklyDownloads: number | null, downloadsAllowed = true) =>
  ({ id, streamCap, downloadsAllowed, weeklyDownloads }) satisfies BoundPlan;

const FAMILY = plan(1, 4, 10);
const SUPPORTER = plan(2, 2, 50);
const BASIC = plan(3, 1, 0);
const bindings: RoleBinding[] = [
  { roleId: 'r-family', plan: FAMILY },
  { roleId: 'r-supporter', plan: SUPPORTER },
  { roleId: 'r-patreon', plan: SUPPORTER },
  { roleId: 'r-basic', plan: BASIC },
];

describe('planAllotment', () => {
  test('a plan without downloads gives none, whatever its weekly figure', () => {
    assert.equal(planAllotment(plan(1, 1, 30, false)), 0);
    assert.equal(planAllotment(plan(1, 1, null)), 0);
    assert.equal(planAllotment(plan(1, 1, 30)), 30);
  });
});

describe('comparePlans', () => {
  const cases: Array<[string, BoundPlan, BoundPlan]> = [
    ['the higher stream cap wins over a larger allotment', plan(9, 3, 0), plan(1, 2, 1000)],
    ['same cap: the larger allotment wins', plan(9, 2, 20), plan(1, 2, 10)],
    [
      'same cap: downloads allowed beats a weekly figure without downloads',
      plan(9, 2, 5),
      plan(1, 2, 50, false),
    ],
    ['same cap and allotment: the lower id wins', plan(1, 2, 10), plan(2, 2, 10)],
  ];
  for (const [name, better, worse] of cases) {
    test(name, () => {
      assert.ok(comparePlans(better, worse) < 0);
      assert.ok(comparePlans(worse, better) > 0);
    });
  }
});

describe('planFromRoles', () => {
  test('no bound role held: no plan', () => {
    assert.equal(planFromRoles(['r-other'], bindings), null);
    assert.equal(planFromRoles([], bindings), null);
    assert.equal(planFromRoles(['r-family'], []), null);
  });
  test('several bound roles: the highest stream cap, whatever the order', () => {
    assert.equal(planFromRoles(['r-basic', 'r-family', 'r-supporter'], bindings)?.plan, FAMILY);
    assert.equal(planFromRoles(['r-supporter', 'r-basic'], bindings)?.plan, SUPPORTER);
  });
  test('names every held role that gives the chosen plan', () => {
    assert.deepEqual(planFromRoles(['r-patreon', 'r-basic', 'r-supporter'], bindings)?.roleIds, [
      'r-supporter',
      'r-patreon',
    ]);
  });
  test('ties: larger allotment, then lower id', () => {
    const a = plan(7, 2, 10);
    const b = plan(5, 2, 10);
    const c = plan(3, 2, 5);
    const tied: RoleBinding[] = [
      { roleId: 'a', plan: a },
      { roleId: 'b', plan: b },
      { roleId: 'c', plan: c },
    ];
    assert.equal(planFromRoles(['a', 'b', 'c'], tied)?.plan, b);
    assert.equal(planFromRoles(['a', 'c'], tied)?.plan, a);
  });
});

describe('resolveMemberPlan', () => {
  test('an explicit plan wins over roles, and stays when the roles go', () => {
    assert.equal(resolveMemberPlan({ planId: BASIC.id, fromRoles: false }, ['r-family'], bindings), null);
    assert.equal(resolveMemberPlan({ planId: BASIC.id, fromRoles: false }, [], bindings), null);
  });
  test('no row, or a row without a plan: the roles give the plan', () => {
    assert.deepEqual(resolveMemberPlan(null, ['r-supporter'], bindings), {
      planId: SUPPORTER.id,
      fromRoles: true,
      plan: SUPPORTER,
      roleIds: ['r-supporter'],
    });
    assert.equal(
      resolveMemberPlan({ planId: null, fromRoles: false }, ['r-family'], bindings)?.planId,
      FAMILY.id,
    );
  });
  test('no row and no bound role: nothing to do', () => {
    assert.equal(resolveMemberPlan(null, ['r-other'], bindings), null);
    assert.equal(resolveMemberPlan({ planId: null, fromRoles: false }, [], bindings), null);
  });
  test('a plan from roles follows the roles: to the next bound plan, then to none', () => {
    const fromFamily = { planId: FAMILY.id, fromRoles: true };
    assert.equal(resolveMemberPlan(fromFamily, ['r-family', 'r-basic'], bindings), null, 'unchanged');
    assert.equal(resolveMemberPlan(fromFamily, ['r-basic'], bindings)?.planId, BASIC.id);
    assert.deepEqual(resolveMemberPlan(fromFamily, ['r-other'], bindings), {
      planId: null,
      fromRoles: false,
      plan: null,
      roleIds: [],
    });
    assert.equal(resolveMemberPlan(fromFamily, ['r-family'], [])?.planId, null, 'every binding removed');
  });
});
