// Accounts linked to nobody, and the member name a sign-in carries (pure).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signInDeviceName, signInLabel } from '../../src/media/self-link.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import { unlinkedAccounts } from '../../src/policy/unlinked.ts';

const stream = (key: string, over: Partial<ActiveStream>): ActiveStream => ({
  sessionId: key,
  key,
  accountId: null,
  accountName: 'someone',
  isOwner: false,
  deviceId: `d-${key}`,
  device: `Device ${key}`,
  product: null,
  ipAddress: null,
  title: null,
  state: 'playing',
  startedAt: null,
  ...over,
});

describe('unlinkedAccounts', () => {
  const links = [{ linkId: 1, memberId: 10, serverId: 1, accountName: 'alice', accountId: '7001' }];
  test('one entry per account linked to nobody, with all its streams; linked, owner and idle left out', () => {
    const reads = [
      {
        serverId: 1,
        serverName: 'Plex',
        streams: [
          stream('1', { accountId: '7001', accountName: 'alice' }),
          stream('2', { accountId: '7009', accountName: 'stranger' }),
          stream('3', { accountId: '7009', accountName: 'stranger' }),
          stream('4', { accountId: '1', accountName: 'owner', isOwner: true }),
          stream('5', { accountId: '7010', accountName: 'idle', state: null }),
        ],
      },
      // The same account name on another server is another account.
      { serverId: 2, serverName: 'Jelly', streams: [stream('6', { accountName: 'Alice' })] },
    ];
    const found = unlinkedAccounts(reads, links);
    assert.deepEqual(
      found.map((a) => [a.serverName, a.accountKey, a.streams.map((s) => s.key)]),
      [
        ['Plex', '7009', ['2', '3']],
        ['Jelly', 'alice', ['6']],
      ],
    );
  });
  test('nothing when everyone is linked', () => {
    assert.deepEqual(
      unlinkedAccounts(
        [{ serverId: 1, serverName: 'Plex', streams: [stream('1', { accountName: 'ALICE ' })] }],
        links,
      ),
      [],
    );
  });
});

describe('signInLabel', () => {
  const cases: Array<[string, string]> = [
    ['alice', 'alice'],
    ['Alice “the boss”, admin="x"', 'Alice the boss admin x'],
    ['🎬🎬', 'member 0001'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'Fullwidth'],
    ['a'.repeat(50), 'a'.repeat(32)],
    ['line\nbreak\u0000', 'line break'],
    ['Zoë', 'Zoe'],
  ];
  for (const [input, expected] of cases)
    test(JSON.stringify(input), () => assert.equal(signInLabel(input, 'member 0001'), expected));
  test('the Jellyfin device name', () => assert.equal(signInDeviceName('bob'), 'Discord /link for bob'));
});
