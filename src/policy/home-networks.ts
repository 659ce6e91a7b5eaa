// A server's home networks: the address ranges an owner configures as the server's own (`/server networks`), and
// whether a stream comes from one of them. Streams from there do not count against the cap when the member's plan
// says `home-streams: free`. The networks are configured, never guessed: Plex's `Player.local` and the server's
// own idea of "LAN" are not used, because a reverse proxy, a VPN or a carrier-grade NAT makes them say "local" for
// streams that are not. Pure: plain data in, answers out; the CIDR arithmetic is node:net's BlockList.

import { BlockList, isIP, SocketAddress } from 'node:net';
import type { HomeStreams } from '../db/schema.ts';
import type { MemberStream } from './streams.ts';

/** The most networks one server keeps. */
export const MAX_HOME_NETWORKS = 16;

/** Why a list of networks was refused; `part` is the piece that does not read, as typed. */
export type NetworksRefusal =
  | { kind: 'empty' }
  | { kind: 'not-an-address'; part: string }
  | { kind: 'prefix'; part: string; bits: 32 | 128 }
  | { kind: 'everything'; part: string }
  | { kind: 'too-many'; max: number };

export type NetworksParse = { ok: true; networks: string[] } | { ok: false; refusal: NetworksRefusal };

/**
 * Reads a list of networks in CIDR notation (`192.168.1.0/24, 2001:db8::/48`), separated by commas, spaces or
 * semicolons. Each address is written the canonical way (`2001:0DB8::` → `2001:db8::`); a bare address is one
 * host (`/32` or `/128`); duplicates are dropped. Refused: anything that is not an IPv4 or IPv6 address with a prefix
 * length in range, a zone id (`%eth0`), a prefix of 0 (every address would be "home") and more than
 * MAX_HOME_NETWORKS networks. Host bits are allowed (`192.168.1.10/24` is the /24), as `ip route` reads them.
 */
export function parseNetworks(input: string): NetworksParse {
  const parts = input
    .split(/[\s,;]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, refusal: { kind: 'empty' } };
  const networks: string[] = [];
  for (const part of parts) {
    const network = parseNetwork(part);
    if (typeof network !== 'string') return { ok: false, refusal: network };
    if (!networks.includes(network)) networks.push(network);
  }
  if (networks.length > MAX_HOME_NETWORKS)
    return { ok: false, refusal: { kind: 'too-many', max: MAX_HOME_NETWORKS } };
  return { ok: true, networks };
}

function parseNetwork(part: string): string | NetworksRefusal {
  const slash = part.indexOf('/');
  const address = slash === -1 ? part : part.slice(0, slash);
  const prefixText = slash === -1 ? null : part.slice(slash + 1);
  const version = isIP(address);
  if (version === 0 || address.includes('%')) return { kind: 'not-an-address', part };
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === null ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix > bits) return { kind: 'prefix', part, bits };
  if (prefix === 0) return { kind: 'everything', part };
  const family = version === 4 ? 'ipv4' : 'ipv6';
  return `${new SocketAddress({ address, family }).address}/${prefix}`;
}

/**
 * Whether an address falls inside one of the networks (as `parseNetworks` wrote them). IPv4-mapped IPv6 addresses
 * (`::ffff:192.168.1.5`, how a dual-stack server may report an IPv4 client) match the IPv4 networks and the other
 * way round. A null or unreadable address is never home.
 */
export function homeMatcher(networks: readonly string[]): (address: string | null) => boolean {
  if (networks.length === 0) return () => false;
  const list = new BlockList();
  for (const network of networks) {
    const slash = network.lastIndexOf('/');
    const address = network.slice(0, slash);
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(address, Number(network.slice(slash + 1)), family);
  }
  return (address) => {
    const version = address === null ? 0 : isIP(address);
    if (address === null || version === 0) return false;
    return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Whether one address is inside one of the networks (see `homeMatcher`). */
export function isHomeAddress(address: string | null, networks: readonly string[]): boolean {
  return homeMatcher(networks)(address);
}

/**
 * Splits streams into those that count and those left out because they come from their server's home networks
 * and the member's plan says `home-streams: free`. Left-out streams are never counted nor stopped for the cap.
 */
export function withoutHomeStreams(
  streams: readonly MemberStream[],
  homeStreamsOf: (memberId: number) => HomeStreams,
  networksOf: (serverId: number) => readonly string[],
): { counted: MemberStream[]; home: MemberStream[] } {
  const matchers = new Map<number, (address: string | null) => boolean>();
  const isHome = (ms: MemberStream) => {
    let match = matchers.get(ms.serverId);
    if (!match) {
      match = homeMatcher(networksOf(ms.serverId));
      matchers.set(ms.serverId, match);
    }
    return match(ms.stream.ipAddress);
  };
  const counted: MemberStream[] = [];
  const home: MemberStream[] = [];
  for (const ms of streams) {
    if (homeStreamsOf(ms.memberId) === 'free' && isHome(ms)) home.push(ms);
    else counted.push(ms);
  }
  return { counted, home };
}

/** Streams at home per member (for /quota: "… at home, not counted"). */
export function homeStreamsByMember(home: readonly MemberStream[]): Map<number, number> {
  const byMember = new Map<number, number>();
  for (const ms of home) byMember.set(ms.memberId, (byMember.get(ms.memberId) ?? 0) + 1);
  return byMember;
}
