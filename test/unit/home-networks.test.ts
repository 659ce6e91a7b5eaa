// A server's home networks: which lists read (and how they are written back), which addresses fall inside, and which
// streams are left out of the count under `home-streams: free`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HomeStreams } from '../../src/db/schema.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import {
  homeStreamsByMember,
  isHomeAddress,
  MAX_HOME_NETWORKS,
  type NetworksRefusal,
  parseNetworks,
  withoutHomeStreams,
} from '../../src/policy/home-networks.ts';
import type { MemberStream } from '../../src/policy/streams.ts';

describe('parseNetworks', () => {
  const accepted: Array<[string, string[]]> = [
    ['192.168.1.0/24', ['192.168.1.0/24']],
    ['192.168.1.0/24, 2001:db8::/48', ['192.168.1.0/24', '2001:db8::/48']],
    ['10.0.0.0/8;172.16.0.0/12  192.168.0.0/16', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
    ['2001:0DB8:0000::/48', ['2001:db8::/48']],
    ['192.168.1.10', ['192.168.1.10/32']],
    ['2001:db8::1', ['2001:db8::1/128']],
    ['192.168.1.0/24, 192.168.1.0/24', ['192.168.1.0/24']],
    ['192.168.1.10/24', ['192.168.1.10/24']],
    ['::ffff:192.168.0.0/120', ['::ffff:192.168.0.0/120']],
  ];
  for (const [input, networks] of accepted) {
    test(`reads ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseNetworks(input), { ok: true, networks });
    });
  }

  const refused: Array<[string, NetworksRefusal['kind']]> = [
    ['', 'empty'],
    [' , ', 'empty'],
    ['192.168.1.0/33', 'prefix'],
    ['2001:db8::/129', 'prefix'],
    ['192.168.1.0/', 'prefix'],
    ['192.168.1.0/24x', 'prefix'],
    ['192.168.1.0/-1', 'prefix'],
    ['192.168.1.0/0024', 'prefix'],
    ['0.0.0.0/0', 'everything'],
    ['::/0', 'everything'],
    ['192.168.1/24', 'not-an-address'],
    ['300.1.1.1/8', 'not-an-address'],
    ['192.168.01.0/24', 'not-an-address'],
    ['fe80::1%eth0/64', 'not-an-address'],
    ['home', 'not-an-address'],
    ['192.168.1.0/24, lan', 'not-an-address'],
    ['http://192.168.1.0/24', 'not-an-address'],
    [Array.from({ length: MAX_HOME_NETWORKS + 1 }, (_, i) => `10.${i}.0.0/16`).join(','), 'too-many'],
  ];
  for (const [input, kind] of refused) {
    test(`refuses ${JSON.stringify(input.slice(0, 40))} (${kind})`, () => {
      const parsed = parseNetworks(input);
      assert.equal(parsed.ok, false);
      assert.equal(!parsed.ok && parsed.refusal.kind, kind);
    });
  }

  test(`${MAX_HOME_NETWORKS} networks are fine`, () => {
    const input = Array.from({ length: MAX_HOME_NETWORKS }, (_, i) => `10.${i}.0.0/16`).join(', ');
    assert.equal(parseNetworks(input).ok, true);
  });
});

describe('isHomeAddress', () => {
  const networks = ['192.168.1.0/24', '2001:db8:1::/48', '198.51.100.7/32'];
  const table: Array<[string | null, boolean, string]> = [
    ['192.168.1.5', true, 'IPv4 inside'],
    ['192.168.1.0', true, 'the network address itself'],
    ['192.168.1.255', true, 'the last address'],
    ['192.168.2.5', false, 'the next /24'],
    ['192.168.0.255', false, 'the one before'],
    ['198.51.100.7', true, 'a single host'],
    ['198.51.100.8', false, 'next to a single host'],
    ['::ffff:192.168.1.5', true, 'IPv4-mapped IPv6 (a dual-stack server)'],
    ['::FFFF:192.168.1.5', true, 'IPv4-mapped, upper case'],
    ['::ffff:c0a8:105', true, 'IPv4-mapped in hex groups'],
    ['::ffff:192.168.2.5', false, 'IPv4-mapped outside'],
    ['2001:db8:1:42::7', true, 'IPv6 inside the /48'],
    ['2001:DB8:1::1', true, 'IPv6 upper case'],
    ['2001:db8:2::7', false, 'IPv6 in the next /48'],
    ['203.0.113.9', false, 'elsewhere'],
    [null, false, 'no address: never home'],
    ['', false, 'an empty address'],
    ['not-an-ip', false, 'an unreadable address'],
    ['192.168.1.5:51234', false, 'an address with a port (the mappers strip it first)'],
  ];
  for (const [address, home, why] of table) {
    test(`${JSON.stringify(address)}: ${home ? 'home' : 'not home'} (${why})`, () => {
      assert.equal(isHomeAddress(address, networks), home);
    });
  }

  test('an IPv4-mapped network matches the IPv4 address', () => {
    const parsed = parseNetworks('::ffff:192.168.0.0/120');
    assert.ok(parsed.ok);
    assert.equal(isHomeAddress('192.168.0.4', parsed.networks), true);
    assert.equal(isHomeAddress('192.168.1.4', parsed.networks), false);
  });

  test('no networks: nothing is home', () => {
    assert.equal(isHomeAddress('192.168.1.5', []), false);
  });
});

describe('withoutHomeStreams', () => {
  const ms = (key: string, ip: string | null, serverId: number, memberId: number): MemberStream => ({
    memberId,
    linkId: memberId,
    serverId,
    serverName: `S${serverId}`,
    stream: {
      sessionId: key,
      key,
      accountId: null,
      accountName: `m${memberId}`,
      isOwner: false,
      deviceId: `d-${key}`,
      device: `Device ${key}`,
      product: null,
      ipAddress: ip,
      title: key,
      state: 'playing',
      startedAt: null,
    } satisfies ActiveStream,
  });
  const networks = new Map([
    [1, ['192.168.1.0/24']],
    [2, ['10.0.0.0/8']],
  ]);
  const rules = new Map<number, HomeStreams>([
    [1, 'free'],
    [2, 'count'],
  ]);
  const split = (streams: MemberStream[]) =>
    withoutHomeStreams(
      streams,
      (m) => rules.get(m) ?? 'count',
      (s) => networks.get(s) ?? [],
    );

  test('a free plan leaves out the streams from their own server’s networks only', () => {
    const streams = [
      ms('home', '192.168.1.5', 1, 1),
      ms('out', '203.0.113.5', 1, 1),
      ms('other-server-net', '10.1.2.3', 1, 1), // server 2's network, on server 1
      ms('on-2', '10.1.2.3', 2, 1),
      ms('no-ip', null, 1, 1),
      ms('server-3', '192.168.1.5', 3, 1), // a server without networks
    ];
    const { counted, home } = split(streams);
    assert.deepEqual(
      home.map((s) => s.stream.key),
      ['home', 'on-2'],
    );
    assert.deepEqual(
      counted.map((s) => s.stream.key),
      ['out', 'other-server-net', 'no-ip', 'server-3'],
    );
    assert.deepEqual([...homeStreamsByMember(home)], [[1, 2]]);
  });

  test('a plan that counts (the default) counts streams at home', () => {
    const { counted, home } = split([ms('home', '192.168.1.5', 1, 2), ms('other', '192.168.1.6', 1, 3)]);
    assert.equal(home.length, 0);
    assert.equal(counted.length, 2);
  });
});
