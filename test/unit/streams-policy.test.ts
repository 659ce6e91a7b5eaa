import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActiveStream } from '../../src/media/types.ts';
import {
  type AccountLink,
  COPIED_DEVICE_WINDOW_MS,
  countedStreamsByMember,
  countStreams,
  endedStops,
  findBreaches,
  isWithinCap,
  matchStreams,
  type ServerRead,
  sameNetwork,
  sessionRef,
  streamUnits,
  withoutStopped,
} from '../../src/policy/streams.ts';

let nextKey = 1;

/** A playing session as a Plex/Jellyfin/Emby mapper would return it. */
function session(overrides: Partial<ActiveStream>): ActiveStream {
  const key = String(nextKey++);
  return {
    sessionId: `session-${key}`,
    key,
    accountId: null,
    accountName: 'someone',
    isOwner: false,
    deviceId: `device-${key}`,
    device: 'Living Room TV',
    product: 'Plex for Android (TV)',
    ipAddress: '203.0.113.10',
    title: 'The Expanse - S02E03 - Static',
    state: 'playing',
    startedAt: new Date('2026-03-10T20:00:00Z'),
    ...overrides,
  };
}

const PLEX = 1;
const JELLYFIN = 2;

const links: AccountLink[] = [
  { linkId: 10, memberId: 100, serverId: PLEX, accountName: 'alice', accountId: '5001' },
  { linkId: 11, memberId: 100, serverId: JELLYFIN, accountName: 'Alice', accountId: null },
  { linkId: 20, memberId: 200, serverId: PLEX, accountName: 'BobTheViewer', accountId: null },
  { linkId: 30, memberId: 300, serverId: PLEX, accountName: 'carol', accountId: '5003' },
  { linkId: 40, memberId: 400, serverId: JELLYFIN, accountName: 'dave', accountId: 'a1b2c3' },
];

function read(serverId: number, streams: ActiveStream[]): ServerRead {
  return { serverId, serverName: serverId === PLEX ? 'Plex Home' : 'Jellyfin Cabin', streams };
}

function caps(entries: Array<[number, number | null]>): ReadonlyMap<number, number | null> {
  return new Map(entries);
}

describe('matchStreams', () => {
  it('matches by account id when the link knows it, even after a rename', () => {
    const renamed = session({ accountId: '5001', accountName: 'alice_new_name' });
    const { streams, learntAccountIds } = matchStreams([read(PLEX, [renamed])], links);
    assert.deepEqual(
      streams.map((s) => [s.memberId, s.linkId, s.serverName]),
      [[100, 10, 'Plex Home']],
    );
    assert.deepEqual(learntAccountIds, []);
  });

  it('matches by name, trimmed and case-insensitive, and learns the account id', () => {
    const s = session({ accountId: '5002', accountName: '  bobtheviewer ' });
    const { streams, learntAccountIds } = matchStreams([read(PLEX, [s])], links);
    assert.deepEqual(
      streams.map((m) => m.linkId),
      [20],
    );
    assert.deepEqual(learntAccountIds, [{ linkId: 20, accountId: '5002' }]);
  });

  it('learns each link id once even when the member has several streams', () => {
    const a = session({ accountId: 'jf-alice', accountName: 'ALICE' });
    const b = session({ accountId: 'jf-alice', accountName: 'alice' });
    const { streams, learntAccountIds } = matchStreams([read(JELLYFIN, [a, b])], links);
    assert.equal(streams.length, 2);
    assert.deepEqual(learntAccountIds, [{ linkId: 11, accountId: 'jf-alice' }]);
  });

  it('does not match a link that knows its id to a different id with the same name', () => {
    const impostor = session({ accountId: '9999', accountName: 'carol' });
    assert.deepEqual(matchStreams([read(PLEX, [impostor])], links).streams, []);
  });

  it('falls back to the name when the stream carries no account id', () => {
    const s = session({ accountId: null, accountName: 'Carol' });
    const { streams, learntAccountIds } = matchStreams([read(PLEX, [s])], links);
    assert.deepEqual(
      streams.map((m) => m.linkId),
      [30],
    );
    assert.deepEqual(learntAccountIds, []);
  });

  it('only matches links on the same server', () => {
    // dave is linked on Jellyfin only; his Plex session belongs to no link.
    const s = session({ accountId: 'a1b2c3', accountName: 'dave' });
    assert.deepEqual(matchStreams([read(PLEX, [s])], links).streams, []);
  });

  it('keeps only real streams: idle apps and the owner are dropped, paused and buffering kept', () => {
    const reads = [
      read(PLEX, [
        session({ accountId: '5001', state: 'playing' }),
        session({ accountId: '5001', state: 'paused' }),
        session({ accountId: '5001', state: 'buffering' }),
        session({ accountId: '5001', state: null }),
        session({ accountId: '1', accountName: 'alice', isOwner: true }),
      ]),
    ];
    const { streams } = matchStreams(reads, links);
    assert.deepEqual(
      streams.map((s) => s.stream.state),
      ['playing', 'paused', 'buffering'],
    );
  });

  it('drops streams of accounts nobody linked', () => {
    const s = session({ accountId: '7777', accountName: 'stranger' });
    assert.deepEqual(matchStreams([read(PLEX, [s])], links), { streams: [], learntAccountIds: [] });
  });
});

describe('countStreams', () => {
  it('collapses two sessions of one device on one server (autoplay, quality change)', () => {
    const { streams } = matchStreams(
      [
        read(PLEX, [
          session({ accountId: '5001', deviceId: 'shield-1', title: 'S02E03' }),
          session({ accountId: '5001', deviceId: 'shield-1', title: 'S02E04' }),
          session({ accountId: '5001', deviceId: 'iphone-1' }),
        ]),
      ],
      links,
    );
    const counted = countStreams(streams);
    assert.deepEqual(
      counted.get(100)?.map((s) => s.stream.title),
      ['S02E03', 'The Expanse - S02E03 - Static'],
    );
  });

  it('counts the same deviceId on two different servers twice', () => {
    const { streams } = matchStreams(
      [
        read(PLEX, [session({ accountId: '5001', deviceId: 'shared-id' })]),
        read(JELLYFIN, [session({ accountName: 'alice', deviceId: 'shared-id' })]),
      ],
      links,
    );
    assert.equal(countStreams(streams).get(100)?.length, 2);
  });

  it('counts each session without a deviceId', () => {
    const { streams } = matchStreams(
      [
        read(PLEX, [
          session({ accountId: '5001', deviceId: null }),
          session({ accountId: '5001', deviceId: null }),
        ]),
      ],
      links,
    );
    assert.equal(countStreams(streams).get(100)?.length, 2);
  });

  it('never merges two members that report the same deviceId', () => {
    const { streams } = matchStreams(
      [
        read(PLEX, [
          session({ accountId: '5001', deviceId: 'family-tv' }),
          session({ accountId: '5003', deviceId: 'family-tv' }),
        ]),
      ],
      links,
    );
    const counted = countStreams(streams);
    assert.equal(counted.get(100)?.length, 1);
    assert.equal(counted.get(300)?.length, 1);
  });
});

describe('findBreaches', () => {
  interface Case {
    name: string;
    reads: ServerRead[];
    caps: ReadonlyMap<number, number | null>;
    expected: Array<{ memberId: number; cap: number; count: number; streams: number }>;
  }

  const cases: Case[] = [
    {
      name: 'member at cap is untouched',
      reads: [read(PLEX, [session({ accountId: '5001' }), session({ accountId: '5001' })])],
      caps: caps([[100, 2]]),
      expected: [],
    },
    {
      name: 'over cap across two servers',
      reads: [
        read(PLEX, [session({ accountId: '5001' }), session({ accountId: '5001', state: 'paused' })]),
        read(JELLYFIN, [session({ accountName: 'alice', device: 'Chrome' })]),
      ],
      caps: caps([[100, 2]]),
      expected: [{ memberId: 100, cap: 2, count: 3, streams: 3 }],
    },
    {
      name: 'idle sessions do not count',
      reads: [
        read(PLEX, [
          session({ accountId: '5001' }),
          session({ accountId: '5001', state: null }),
          session({ accountId: '5001', state: null }),
        ]),
      ],
      caps: caps([[100, 1]]),
      expected: [],
    },
    {
      name: 'the owner is exempt',
      reads: [
        read(PLEX, [
          session({ accountId: '1', accountName: 'alice', isOwner: true }),
          session({ accountId: '1', accountName: 'alice', isOwner: true }),
        ]),
      ],
      caps: caps([[100, 1]]),
      expected: [],
    },
    {
      name: 'a member with no plan (null cap) is never enforced',
      reads: [
        read(PLEX, [
          session({ accountId: '5003' }),
          session({ accountId: '5003' }),
          session({ accountId: '5003' }),
        ]),
      ],
      caps: caps([[300, null]]),
      expected: [],
    },
    {
      name: 'a member missing from the cap map is never enforced',
      reads: [read(PLEX, [session({ accountId: '5003' }), session({ accountId: '5003' })])],
      caps: caps([]),
      expected: [],
    },
    {
      name: 'same device twice counts once but both sessions are in the breach',
      reads: [
        read(PLEX, [
          session({ accountId: '5001', deviceId: 'shield-1' }),
          session({ accountId: '5001', deviceId: 'shield-1' }),
          session({ accountId: '5001', deviceId: 'ipad-1' }),
        ]),
      ],
      caps: caps([[100, 1]]),
      expected: [{ memberId: 100, cap: 1, count: 2, streams: 3 }],
    },
    {
      name: 'same device twice with cap 1 is not a breach (autoplay)',
      reads: [
        read(PLEX, [
          session({ accountId: '5001', deviceId: 'shield-1' }),
          session({ accountId: '5001', deviceId: 'shield-1' }),
        ]),
      ],
      caps: caps([[100, 1]]),
      expected: [],
    },
    {
      name: 'same deviceId on two servers counts twice',
      reads: [
        read(PLEX, [session({ accountId: '5001', deviceId: 'shared-id' })]),
        read(JELLYFIN, [session({ accountName: 'Alice', deviceId: 'shared-id' })]),
      ],
      caps: caps([[100, 1]]),
      expected: [{ memberId: 100, cap: 1, count: 2, streams: 2 }],
    },
    {
      name: 'cap 0 makes any stream a breach',
      reads: [read(JELLYFIN, [session({ accountId: 'a1b2c3', accountName: 'dave' })])],
      caps: caps([[400, 0]]),
      expected: [{ memberId: 400, cap: 0, count: 1, streams: 1 }],
    },
    {
      name: 'unlinked accounts are ignored; breaches sorted by memberId',
      reads: [
        read(PLEX, [
          session({ accountId: '5003' }),
          session({ accountId: '5003' }),
          session({ accountId: '8888', accountName: 'stranger' }),
          session({ accountId: '8888', accountName: 'stranger' }),
          session({ accountId: '5001' }),
          session({ accountId: '5001' }),
        ]),
      ],
      caps: caps([
        [100, 1],
        [300, 1],
      ]),
      expected: [
        { memberId: 100, cap: 1, count: 2, streams: 2 },
        { memberId: 300, cap: 1, count: 2, streams: 2 },
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const { streams } = matchStreams(c.reads, links);
      const breaches = findBreaches(streams, c.caps);
      assert.deepEqual(
        breaches.map((b) => ({
          memberId: b.memberId,
          cap: b.cap,
          count: b.count,
          streams: b.streams.length,
        })),
        c.expected,
      );
      for (const b of breaches) assert.ok(b.streams.every((s) => s.memberId === b.memberId));
    });
  }
});

describe('isWithinCap', () => {
  const cases: Array<[number, number | null, boolean]> = [
    [0, 0, true],
    [1, 0, false],
    [2, 2, true],
    [3, 2, false],
    [99, null, true],
  ];
  for (const [count, cap, expected] of cases) {
    it(`${count} streams with cap ${cap} → ${expected}`, () =>
      assert.equal(isWithinCap(count, cap), expected));
  }
});

describe('countedStreamsByMember', () => {
  it('counts two sessions of one device once, like findBreaches, and each other device once', () => {
    const tv = session({ accountId: '5001', deviceId: 'tv' });
    const tvAgain = session({ accountId: '5001', deviceId: 'tv' });
    const phone = session({ accountId: '5001', deviceId: 'phone' });
    const carol = session({ accountId: '5003' });
    const { streams } = matchStreams([read(PLEX, [tv, tvAgain, phone, carol])], links);
    assert.deepEqual(
      [...countedStreamsByMember(streams)],
      [
        [100, 2],
        [300, 1],
      ],
    );
    assert.equal(findBreaches(streams, caps([[100, 1]]))[0]?.count, 2, 'the same count as enforcement');
  });

  it('is empty for no streams', () => {
    assert.equal(countedStreamsByMember([]).size, 0);
  });
});

describe('stopped sessions', () => {
  it('sessionRef is server id and key', () => {
    assert.equal(sessionRef(3, 'abc'), '3:abc');
  });

  it('withoutStopped drops only the stopped sessions of the same server', () => {
    const a = session({ key: 'k1' });
    const b = session({ key: 'k2' });
    const c = session({ key: 'k1' });
    const reads = withoutStopped(
      [read(PLEX, [a, b]), read(JELLYFIN, [c])],
      new Set([sessionRef(PLEX, 'k1')]),
    );
    assert.deepEqual(
      reads.map((r) => [r.serverId, r.streams.map((s) => s.key)]),
      [
        [PLEX, ['k2']],
        [JELLYFIN, ['k1']],
      ],
    );
    assert.equal(reads[0]?.serverName, 'Plex Home');
  });

  it('endedStops forgets stops no longer listed as playing on servers that were read, and keeps the rest', () => {
    const stopped = new Set([
      sessionRef(PLEX, 'still'),
      sessionRef(PLEX, 'gone'),
      sessionRef(PLEX, 'idle'),
      sessionRef(JELLYFIN, 'unread'),
    ]);
    const plexRead = read(PLEX, [session({ key: 'still' }), session({ key: 'idle', state: null })]);
    assert.deepEqual([...endedStops([plexRead], stopped)], [[PLEX, ['gone', 'idle']]]);
  });

  it('endedStops returns nothing when every stop is still listed, and matches the server id exactly', () => {
    const stopped = new Set([sessionRef(1, 'a'), sessionRef(11, 'b')]);
    assert.equal(endedStops([read(1, [session({ key: 'a' })])], stopped).size, 0);
  });
});

describe('matchStreams tie-breaks and learning (mutation survivors)', () => {
  it('among links with the same name on one server, the lowest linkId wins whatever the input order', () => {
    const twins: AccountLink[] = [
      { linkId: 9, memberId: 900, serverId: PLEX, accountName: 'twin', accountId: null },
      { linkId: 3, memberId: 300, serverId: PLEX, accountName: 'twin', accountId: null },
      { linkId: 5, memberId: 500, serverId: PLEX, accountName: 'twin', accountId: null },
    ];
    const { streams } = matchStreams([read(PLEX, [session({ accountName: 'twin' })])], twins);
    assert.deepEqual(
      streams.map((s) => s.linkId),
      [3],
    );
  });

  it('learns nothing from a stream that carries no account id', () => {
    const { streams, learntAccountIds } = matchStreams(
      [read(PLEX, [session({ accountName: 'BobTheViewer', accountId: null })])],
      links,
    );
    assert.equal(streams.length, 1);
    assert.deepEqual(learntAccountIds, []);
  });

  it('never matches a nameless, id-less session to a link', () => {
    const nameless: AccountLink[] = [
      { linkId: 1, memberId: 1, serverId: PLEX, accountName: ' ', accountId: null },
    ];
    const { streams } = matchStreams([read(PLEX, [session({ accountName: '', accountId: null })])], nameless);
    assert.equal(streams.length, 0);
  });
});

describe('copied device ids', () => {
  const NOW = new Date('2026-03-10T21:00:00Z');
  const secondsAgo = (n: number) => new Date(NOW.getTime() - n * 1000);
  /** Alice's sessions of one device id, each [title, address, first seen (s ago)]. */
  const units = (specs: Array<[string, string | null, number]>, timed = true) => {
    const sessions = specs.map(([title, ipAddress]) =>
      session({ accountId: '5001', deviceId: 'copied-id', title, ipAddress }),
    );
    const firstSeen = new Map(sessions.map((s, i) => [sessionRef(PLEX, s.key), secondsAgo(specs[i]![2])]));
    const { streams } = matchStreams([read(PLEX, sessions)], links);
    const seen = timed ? { now: NOW, firstSeen } : undefined;
    return {
      count: countedStreamsByMember(streams, undefined, seen).get(100),
      breaches: findBreaches(streams, caps([[100, 1]]), undefined, seen).length,
      units: streamUnits(streams, undefined, seen)
        .get(100)
        ?.map((u) => u.map((m) => m.stream.title)),
    };
  };
  const cases: Array<[string, Array<[string, string | null, number]>, number]> = [
    [
      'quality change: same item, same address, moments apart',
      [
        ['A', '203.0.113.1', 400],
        ['A', '203.0.113.1', 3],
      ],
      1,
    ],
    [
      'autoplay: next item, same address',
      [
        ['E1', '203.0.113.1', 1500],
        ['E2', '203.0.113.1', 2],
      ],
      1,
    ],
    [
      'different items from different addresses: two players',
      [
        ['A', '203.0.113.1', 30],
        ['B', '198.51.100.9', 5],
      ],
      2,
    ],
    [
      'same item from two addresses, just seen: one for now',
      [
        ['A', '203.0.113.1', 30],
        ['A', '198.51.100.9', 5],
      ],
      1,
    ],
    [
      'side by side past the window: two players, even from one address',
      [
        ['A', '203.0.113.1', 600],
        ['B', '203.0.113.1', 91],
      ],
      2,
    ],
    [
      'side by side just inside the window: one',
      [
        ['A', '203.0.113.1', 600],
        ['B', '203.0.113.1', 90],
      ],
      1,
    ],
    [
      'three copies, two side by side for long, one new',
      [
        ['A', '203.0.113.1', 600],
        ['A', '203.0.113.1', 500],
        ['A', '203.0.113.1', 10],
      ],
      2,
    ],
    [
      'IPv4 and its ::ffff: form are one address',
      [
        ['A', '203.0.113.1', 30],
        ['B', '::ffff:203.0.113.1', 5],
      ],
      1,
    ],
    [
      'no address: the item alone proves nothing',
      [
        ['A', null, 30],
        ['B', '198.51.100.9', 5],
      ],
      1,
    ],
  ];
  for (const [name, specs, expected] of cases) {
    it(name, () => {
      const r = units(specs);
      assert.equal(r.count, expected, JSON.stringify(r.units));
      assert.equal(r.breaches, expected > 1 ? 1 : 0, 'findBreaches counts the same way');
    });
  }
  it('without timing (a caller that has none), only the item-and-address rule splits', () => {
    assert.equal(
      units(
        [
          ['A', '203.0.113.1', 600],
          ['B', '203.0.113.1', 500],
        ],
        false,
      ).count,
      1,
    );
    assert.equal(
      units(
        [
          ['A', '203.0.113.1', 600],
          ['B', '198.51.100.9', 500],
        ],
        false,
      ).count,
      2,
    );
  });
  it('the window is 90 s', () => assert.equal(COPIED_DEVICE_WINDOW_MS, 90_000));
});

describe('sameNetwork', () => {
  const cases: Array<[string, string, boolean]> = [
    ['203.0.113.1', '203.0.113.1', true],
    ['203.0.113.1', '203.0.113.2', false],
    ['::ffff:203.0.113.1', '203.0.113.1', true],
    ['2001:db8:1:2::10', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', true],
    ['2001:db8:1:2::10', '2001:db8:1:3::10', false],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::2', true],
    ['2001:db8::1', '2001:db8:0:0:1::', true],
    ['2001:db8::1', '203.0.113.1', false],
    ['not-an-address', 'not-an-address', true],
    ['2001:db8:::1', '2001:db8:::1', false],
  ];
  for (const [a, b, expected] of cases)
    it(`${a} ~ ${b}: ${expected}`, () => assert.equal(sameNetwork(a, b), expected));
});
