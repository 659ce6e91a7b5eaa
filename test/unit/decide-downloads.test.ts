// The pure decisions about download allotments: who is over this week, and what to do with each stored switch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OverQuotaAction } from '../../src/db/schema.ts';
import {
  decideQuotas,
  decideSwitch,
  type QuotaPlaces,
  type StoredSwitch,
  type SwitchFacts,
  type WeekUsage,
} from '../../src/decide/downloads.ts';

const NOW = new Date('2026-03-11T12:00:00Z');
const WEEK_END = new Date('2026-03-15T00:00:00Z');
const week = (used: number, allotment: number): WeekUsage => ({
  used,
  allotment,
  weekKey: '2026-03-08',
  weekEnd: WEEK_END,
});

/** Every member on a plan without its own setting, linked on servers 10 (Plex-like) and 20 (Emby-like). */
const places = (plans: Record<number, OverQuotaAction | null> = {}): QuotaPlaces => ({
  planOf: (id) => ({ downloadsOverQuota: plans[id] ?? null }),
  serversOf: () => [10, 20],
  cancellable: new Set([20]),
});

describe('decideQuotas', () => {
  const usage = new Map([
    [1, week(5, 5)],
    [2, week(6, 5)],
    [3, week(1, 0)],
    [4, week(9, 5)],
  ]);
  const known = new Set([1, 2, 3]);

  test('only members over their allotment, and only members still linked, in the order of the usage', () => {
    const moves = decideQuotas(usage, known, { disableDownloads: true, dryRun: false }, places());
    assert.deepEqual(
      moves.map((m) => m.memberId),
      [2, 3],
    );
    assert.ok(moves.every((m) => m.kind === 'over-allotment' && m.switching && m.policy === 'switch-off'));
  });

  const cases: Array<[string, { disableDownloads: boolean; dryRun: boolean }, boolean, string]> = [
    ['switching on', { disableDownloads: true, dryRun: false }, true, 'switch-off'],
    ['switching off', { disableDownloads: false, dryRun: false }, false, 'not-enabled'],
    ['dry run wins over switching', { disableDownloads: true, dryRun: true }, false, 'dry-run'],
    ['dry run without switching', { disableDownloads: false, dryRun: true }, false, 'dry-run'],
  ];
  for (const [name, rules, switching, policy] of cases) {
    test(name, () => {
      const [move] = decideQuotas(new Map([[2, week(6, 5)]]), new Set([2]), rules, places());
      assert.equal(move?.switching, switching);
      assert.equal(move?.policy, policy);
    });
  }

  test('within the allotment (at it exactly) is no move', () => {
    assert.deepEqual(
      decideQuotas(
        new Map([[1, week(5, 5)]]),
        new Set([1]),
        { disableDownloads: true, dryRun: false },
        places({ 1: 'cancel' }),
      ),
      [],
    );
  });
});

describe('decideQuotas: the plan’s downloads-over-quota and the community switch', () => {
  // [name, plan setting, community switch, dry run, action, policy, switch off on, cancel on]
  const cases: Array<
    [string, OverQuotaAction | null, boolean, boolean, OverQuotaAction, string, number[], number[]]
  > = [
    ['no setting, switch off: warns (as before)', null, false, false, 'warn', 'not-enabled', [], []],
    [
      'no setting, switch on: switches off (as before)',
      null,
      true,
      false,
      'switch-off',
      'switch-off',
      [10, 20],
      [],
    ],
    ['warn wins over the community switch', 'warn', true, false, 'warn', 'not-enabled', [], []],
    [
      'switch-off without the community switch',
      'switch-off',
      false,
      false,
      'switch-off',
      'switch-off',
      [10, 20],
      [],
    ],
    [
      'cancel: cancels where it can, switches off where it cannot',
      'cancel',
      false,
      false,
      'cancel',
      'cancel',
      [10],
      [20],
    ],
    ['cancel with the community switch on: the same', 'cancel', true, false, 'cancel', 'cancel', [10], [20]],
    ['cancel in dry run: nothing', 'cancel', false, true, 'cancel', 'dry-run', [], []],
    ['switch-off in dry run: nothing', 'switch-off', true, true, 'switch-off', 'dry-run', [], []],
  ];
  for (const [name, plan, community, dryRun, action, policy, switchOff, cancelOn] of cases) {
    test(name, () => {
      const [move] = decideQuotas(
        new Map([[2, week(6, 5)]]),
        new Set([2]),
        { disableDownloads: community, dryRun },
        places({ 2: plan }),
      );
      assert.equal(move?.action, action);
      assert.equal(move?.policy, policy);
      assert.deepEqual(move?.switchOff, switchOff);
      assert.deepEqual(move?.cancelOn, cancelOn);
      assert.equal(move?.switching, switchOff.length > 0);
    });
  }

  test('a member with no plan follows the community switch', () => {
    const [move] = decideQuotas(
      new Map([[2, week(1, 0)]]),
      new Set([2]),
      { disableDownloads: true, dryRun: false },
      { ...places(), planOf: () => null },
    );
    assert.equal(move?.action, 'switch-off');
  });
});

describe('decideSwitch', () => {
  const sw = (state: StoredSwitch['state'], until = WEEK_END): StoredSwitch => ({
    memberId: 1,
    serverId: 9,
    state,
    until,
  });
  const facts = (over: Partial<SwitchFacts> = {}): SwitchFacts => ({
    usage: week(6, 5),
    owned: true,
    disableDownloads: true,
    enforceDownloads: true,
    now: NOW,
    ...over,
  });
  const cases: Array<[string, StoredSwitch, SwitchFacts, string]> = [
    ['still over, confirmed off', sw('disabled'), facts(), 'keep-off'],
    ['still over, switch-off never confirmed', sw('disable-failed'), facts(), 'confirm-off'],
    ['still over, a switch-back that failed stays off', sw('enable-failed'), facts(), 'keep-off'],
    ['the week turned', sw('disabled', NOW), facts(), 'switch-on'],
    ['more allotment now', sw('disabled'), facts({ usage: week(6, 10) }), 'switch-on'],
    ['the member is gone', sw('disabled'), facts({ usage: undefined }), 'switch-on'],
    ['the owner stopped switching', sw('disabled'), facts({ disableDownloads: false }), 'switch-on'],
    ['download enforcement off', sw('disable-failed'), facts({ enforceDownloads: false }), 'switch-on'],
    ['another instance senses the server', sw('disabled'), facts({ owned: false }), 'leave'],
  ];
  for (const [name, row, f, kind] of cases) {
    test(name, () => assert.equal(decideSwitch(row, f).kind, kind));
  }

  test('a switch left to another instance counts as left off only when it should be on', () => {
    assert.deepEqual(decideSwitch(sw('disabled'), facts({ owned: false })), {
      kind: 'leave',
      shouldBeOn: false,
    });
    assert.deepEqual(decideSwitch(sw('disabled', NOW), facts({ owned: false })), {
      kind: 'leave',
      shouldBeOn: true,
    });
  });
});
