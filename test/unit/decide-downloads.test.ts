// The pure decisions about download allotments: who is over this week, and what to do with each stored switch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideQuotas,
  decideSwitch,
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

describe('decideQuotas', () => {
  const usage = new Map([
    [1, week(5, 5)],
    [2, week(6, 5)],
    [3, week(1, 0)],
    [4, week(9, 5)],
  ]);
  const known = new Set([1, 2, 3]);

  test('only members over their allotment, and only members still linked, in the order of the usage', () => {
    const moves = decideQuotas(usage, known, { disableDownloads: true, dryRun: false });
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
      const [move] = decideQuotas(new Map([[2, week(6, 5)]]), new Set([2]), rules);
      assert.equal(move?.switching, switching);
      assert.equal(move?.policy, policy);
    });
  }

  test('within the allotment (at it exactly) is no move', () => {
    assert.deepEqual(
      decideQuotas(new Map([[1, week(5, 5)]]), new Set([1]), { disableDownloads: true, dryRun: false }),
      [],
    );
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
