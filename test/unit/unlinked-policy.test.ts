// Accounts linked to nobody, and the member name a sign-in carries (pure).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signInDeviceName, signInLabel } from '../../src/media/self-link.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import { matchStreams } from '../../src/policy/streams.ts';
import {
  accountsWithoutStandIn,
  partitionStandIns,
  type StandIn,
  standInLink,
  unlinkedAccounts,
} from '../../src/policy/unlinked.ts';

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

describe('stand-ins (accounts linked to nobody held to a plan)', () => {
  const byId: StandIn = { memberId: 50, serverId: 1, account: '7009', accountName: 'stranger' };
  const byName: StandIn = { memberId: 51, serverId: 2, account: 'guest', accountName: 'Guest' };
  const alice = { linkId: 1, memberId: 10, serverId: 1, accountName: 'alice', accountId: '7001' };

  test('in use while the account is linked to nobody and the mode is plan', () => {
    assert.deepEqual(partitionStandIns([byId, byName], [alice], true), {
      inUse: [byId, byName],
      retired: [],
    });
    assert.deepEqual(partitionStandIns([byId, byName], [alice], false), {
      inUse: [],
      retired: [byId, byName],
    });
  });

  test('retired once its account is linked to a real member, by id or (without an id) by name', () => {
    const linkedById = { linkId: 2, memberId: 11, serverId: 1, accountName: 'renamed', accountId: '7009' };
    const linkedByName = { linkId: 3, memberId: 12, serverId: 2, accountName: 'GUEST', accountId: null };
    assert.deepEqual(partitionStandIns([byId, byName], [alice, linkedById, linkedByName], true), {
      inUse: [],
      retired: [byId, byName],
    });
    // The same name linked on another server, or another account id with the same name, is not this account.
    const elsewhere = { linkId: 4, memberId: 13, serverId: 3, accountName: 'stranger', accountId: '7009' };
    const otherId = { linkId: 5, memberId: 14, serverId: 1, accountName: 'stranger', accountId: '8000' };
    assert.deepEqual(partitionStandIns([byId], [elsewhere, otherId], true).inUse, [byId]);
  });

  test('a stand-in’s link attributes its account’s streams to it, one account = one person', () => {
    const reads = [
      {
        serverId: 1,
        serverName: 'Plex',
        streams: [
          stream('1', { accountId: '7009', accountName: 'stranger' }),
          stream('2', { accountId: '7009', accountName: 'Stranger renamed' }),
          stream('3', { accountId: '7001', accountName: 'alice' }),
        ],
      },
      { serverId: 2, serverName: 'Jelly', streams: [stream('4', { accountName: ' guest ' })] },
    ];
    const { streams } = matchStreams(reads, [alice, standInLink(byId), standInLink(byName)]);
    assert.deepEqual(
      streams.map((s) => [s.stream.key, s.memberId]),
      [
        ['1', 50],
        ['2', 50],
        ['3', 10],
        ['4', 51],
      ],
    );
  });

  test('only accounts without a stand-in need one', () => {
    const reads = [
      {
        serverId: 1,
        serverName: 'Plex',
        streams: [
          stream('1', { accountId: '7009', accountName: 'stranger' }),
          stream('2', { accountId: '7010', accountName: 'newcomer' }),
        ],
      },
      // Same id on another server: another account.
      { serverId: 2, serverName: 'Jelly', streams: [stream('3', { accountId: '7009', accountName: 'x' })] },
    ];
    const missing = accountsWithoutStandIn(unlinkedAccounts(reads, []), [byId]);
    assert.deepEqual(
      missing.map((a) => [a.serverId, a.accountKey]),
      [
        [1, '7010'],
        [2, '7009'],
      ],
    );
  });
});
