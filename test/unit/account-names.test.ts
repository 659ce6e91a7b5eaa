// closeNames: the names `/user link` suggests for a name the server does not have.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closeNames } from '../../src/policy/accounts.ts';

describe('closeNames', () => {
  const names = ['alice_plex', 'cosette_plex', 'eponine_plex', 'marius_plex', 'owner', 'Bo'];
  const cases: Array<[string, string[]]> = [
    ['alice_plx', ['alice_plex']], // one letter missing
    ['ALICE_PLEX ', []], // the same name (case, spaces) is not a suggestion: it matches
    ['alcie_plex', ['alice_plex']], // two letters swapped
    ['cosette', ['cosette_plex']], // part of the name
    ['marius_plex_old', ['marius_plex']], // the name inside what was typed
    ['stranger', []],
    ['', []],
    ['bo', []], // short: no containment match ('bo' is not in the others), and 'Bo' itself matches
    ['b', ['Bo']],
  ];
  for (const [typed, expected] of cases) {
    test(JSON.stringify(typed), () => assert.deepEqual(closeNames(typed, names), expected));
  }

  test('closest first, at most three', () => {
    assert.deepEqual(closeNames('alice', ['alicia', 'alice12', 'alice1', 'bob', 'alic']), [
      'alic',
      'alice1',
      'alice12',
    ]);
  });
});
