// Exempt devices and boosts: the pure rules (src/policy/fairness.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActiveStream } from '../../src/media/types.ts';
import {
  activeBoost,
  activeBoostsByMember,
  type BoostTerms,
  effectiveAllotment,
  effectiveStreamCap,
  isBoostActive,
  withoutExemptDevices,
} from '../../src/policy/fairness.ts';
import { countedStreamsByMember, findBreaches, type MemberStream } from '../../src/policy/streams.ts';

const T0 = new Date('2026-03-14T18:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

function boost(overrides: Partial<BoostTerms>): BoostTerms {
  return {
    id: 1,
    memberId: 100,
    extraStreams: 1,
    extraDownloads: 0,
    startsAt: T0,
    endsAt: hours(48),
    endedEarlyAt: null,
    ...overrides,
  };
}

let nextKey = 1;
function memberStream(memberId: number, deviceId: string | null, device = 'Living Room TV', serverId = 1) {
  const key = String(nextKey++);
  const stream: ActiveStream = {
    sessionId: `s-${key}`,
    key,
    accountId: null,
    accountName: `member-${memberId}`,
    isOwner: false,
    deviceId,
    device,
    product: 'Plex for Android (TV)',
    ipAddress: '203.0.113.10',
    title: 'Dune',
    state: 'playing',
    startedAt: null,
  };
  return { memberId, linkId: memberId * 10, serverId, serverName: 'Main', stream } satisfies MemberStream;
}

describe('isBoostActive / activeBoost', () => {
  const cases: Array<[string, BoostTerms, Date, boolean]> = [
    ['at its start', boost({}), T0, true],
    ['before its start', boost({}), hours(-1), false],
    ['just before its end', boost({}), new Date(hours(48).getTime() - 1), true],
    ['at its end (ends by itself)', boost({}), hours(48), false],
    ['after its end', boost({}), hours(100), false],
    ['ended early, before that moment', boost({ endedEarlyAt: hours(2) }), hours(1), true],
    ['ended early, at that moment', boost({ endedEarlyAt: hours(2) }), hours(2), false],
    ['ended early, after', boost({ endedEarlyAt: hours(2) }), hours(3), false],
  ];
  for (const [name, b, now, expected] of cases) {
    it(name, () => assert.equal(isBoostActive(b, now), expected));
  }

  it('picks the boost that started last, so a replaced boost never adds to its replacement', () => {
    const first = boost({ id: 1, extraStreams: 3, endsAt: hours(100) });
    const second = boost({ id: 2, extraStreams: 1, startsAt: hours(1), endsAt: hours(5) });
    assert.equal(activeBoost([first, second], hours(2))?.id, 2);
    assert.equal(activeBoost([second, first], hours(2))?.id, 2, 'input order does not matter');
    assert.equal(activeBoost([first, second], hours(6))?.id, 1, 'the first still applies after the second');
    assert.equal(activeBoost([first, second], hours(-1)), null);
    assert.equal(activeBoost([], T0), null);
  });

  it('same start: the highest id wins', () => {
    assert.equal(activeBoost([boost({ id: 7 }), boost({ id: 3 })], T0)?.id, 7);
  });

  it('activeBoostsByMember keeps one applying boost per member', () => {
    const map = activeBoostsByMember(
      [
        boost({ id: 1, memberId: 100 }),
        boost({ id: 2, memberId: 200, endsAt: hours(1) }),
        boost({ id: 3, memberId: 100, startsAt: hours(1) }),
      ],
      hours(2),
    );
    assert.deepEqual(
      [...map].map(([m, b]) => [m, b.id]),
      [[100, 3]],
    );
  });
});

describe('effectiveStreamCap', () => {
  it('adds the extra streams while the boost applies', () => {
    assert.equal(effectiveStreamCap(1, boost({ extraStreams: 2 }), hours(1)), 3);
  });
  it('is the plan cap once the boost is over or ended early', () => {
    assert.equal(effectiveStreamCap(1, boost({ extraStreams: 2 }), hours(48)), 1);
    assert.equal(effectiveStreamCap(1, boost({ extraStreams: 2, endedEarlyAt: T0 }), hours(1)), 1);
  });
  it('a null cap (no plan) stays null, boosted or not', () => {
    assert.equal(effectiveStreamCap(null, boost({ extraStreams: 2 }), hours(1)), null);
    assert.equal(effectiveStreamCap(null, null, hours(1)), null);
  });
  it('without a boost, or a downloads-only boost, the plan cap', () => {
    assert.equal(effectiveStreamCap(2, null, T0), 2);
    assert.equal(effectiveStreamCap(2, boost({ extraStreams: 0, extraDownloads: 5 }), T0), 2);
  });
});

describe('effectiveAllotment', () => {
  it('adds the extra downloads while the boost applies, and not after', () => {
    const b = boost({ extraStreams: 0, extraDownloads: 5 });
    assert.equal(effectiveAllotment(10, b, hours(1)), 15);
    assert.equal(effectiveAllotment(10, b, hours(48)), 10);
    assert.equal(effectiveAllotment(0, b, hours(1)), 5);
    assert.equal(effectiveAllotment(10, null, hours(1)), 10);
  });
});

describe('withoutExemptDevices', () => {
  it('holds only on the network the device was seen on when exempted', () => {
    const home = memberStream(100, 'tv-1');
    const copied = {
      ...memberStream(100, 'tv-1'),
      stream: { ...memberStream(100, 'tv-1').stream, ipAddress: '198.51.100.7' },
    };
    const noAddress = { ...home, stream: { ...home.stream, key: 'x', ipAddress: null } };
    const exemption = { memberId: 100, deviceId: 'tv-1', ipAddress: '203.0.113.10' };
    assert.deepEqual(withoutExemptDevices([home, copied, noAddress], [exemption]), [copied, noAddress]);
    assert.deepEqual(
      withoutExemptDevices([home, copied], [{ ...exemption, ipAddress: null }]),
      [],
      'an exemption without an address holds on any network',
    );
  });

  it('leaves out the streams of a device the member exempted, matched by identifier', () => {
    const tv = memberStream(100, 'tv-1', 'Living Room TV');
    const phone = memberStream(100, 'phone-1', 'Phone');
    const kept = withoutExemptDevices([tv, phone], [{ memberId: 100, deviceId: 'tv-1' }]);
    assert.deepEqual(kept, [phone]);
  });

  it('a device renamed to the exempt device’s name still counts', () => {
    const tv = memberStream(100, 'tv-1', 'Living Room TV');
    const impostor = memberStream(100, 'laptop-9', 'Living Room TV');
    assert.deepEqual(withoutExemptDevices([tv, impostor], [{ memberId: 100, deviceId: 'tv-1' }]), [impostor]);
  });

  it('an exemption is the member’s own: the same device id streaming for someone else counts', () => {
    const mine = memberStream(100, 'tv-1');
    const theirs = memberStream(200, 'tv-1');
    assert.deepEqual(withoutExemptDevices([mine, theirs], [{ memberId: 100, deviceId: 'tv-1' }]), [theirs]);
  });

  it('a stream without a device id is never exempt; no exemptions keeps everything', () => {
    const anonymous = memberStream(100, null);
    assert.deepEqual(withoutExemptDevices([anonymous], [{ memberId: 100, deviceId: 'tv-1' }]), [anonymous]);
    const list = [memberStream(100, 'a'), memberStream(100, 'b')];
    assert.deepEqual(withoutExemptDevices(list, []), list);
  });

  it('applies on every server the device streams from', () => {
    const onPlex = memberStream(100, 'tv-1', 'TV', 1);
    const onJellyfin = memberStream(100, 'tv-1', 'TV', 2);
    assert.deepEqual(withoutExemptDevices([onPlex, onJellyfin], [{ memberId: 100, deviceId: 'tv-1' }]), []);
  });

  it('with the cap: an exempt TV and a phone at cap 1 are no breach; TV and two phones are, without the TV', () => {
    const exemptions = [{ memberId: 100, deviceId: 'tv-1' }];
    const caps = new Map([[100, 1]]);
    const tv = memberStream(100, 'tv-1');
    const phone = memberStream(100, 'phone-1');
    assert.deepEqual(findBreaches(withoutExemptDevices([tv, phone], exemptions), caps), []);
    const phone2 = memberStream(100, 'phone-2');
    const [breach] = findBreaches(withoutExemptDevices([tv, phone, phone2], exemptions), caps);
    assert.equal(breach?.count, 2);
    assert.ok(!breach?.streams.includes(tv), 'the exempt TV is never among the streams to stop');
    assert.equal(countedStreamsByMember(withoutExemptDevices([tv, phone], exemptions)).get(100), 1);
  });
});
