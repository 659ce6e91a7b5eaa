// Who is streaming, and who is over their plan's cap. Pure: server reads and account links in, decisions out.

import type { ActiveStream } from '../media/types.ts';
import { findLink } from './accounts.ts';

/** A Discord member's account on one media server. `accountId` is null until it has been learnt. */
export interface AccountLink {
  linkId: number;
  memberId: number;
  serverId: number;
  accountName: string;
  accountId: string | null;
}

/** The sessions one server reported in one poll. */
export interface ServerRead {
  serverId: number;
  serverName: string;
  streams: ActiveStream[];
}

/** A real stream attributed to a member through one of their links. */
export interface MemberStream {
  memberId: number;
  linkId: number;
  serverId: number;
  serverName: string;
  stream: ActiveStream;
}

export interface Breach {
  memberId: number;
  cap: number;
  /** Streams counted against the cap (one device on one server counts once). */
  count: number;
  /** All of the member's streams, including the collapsed duplicates, so that every one can be stopped or shown. */
  streams: MemberStream[];
}

export interface MatchResult {
  streams: MemberStream[];
  /** Links matched by name whose stream carried an account id: store the id so a rename does not break the link. */
  learntAccountIds: Array<{ linkId: number; accountId: string }>;
}

/**
 * Attributes each real stream (something is playing, not the server owner) to a link on the same server.
 * A link that knows its account id matches by id; a link that does not (or a stream without an id) matches by
 * account name, trimmed and case-insensitive. Id matches win over name matches; among equals the lowest linkId
 * wins so the result never depends on input order. Streams nobody is linked to are dropped.
 */
export function matchStreams(reads: ServerRead[], links: AccountLink[]): MatchResult {
  const sortedLinks = [...links].sort((a, b) => a.linkId - b.linkId);
  const streams: MemberStream[] = [];
  const learnt = new Map<number, string>();
  for (const read of reads) {
    const serverLinks = sortedLinks.filter((link) => link.serverId === read.serverId);
    for (const stream of read.streams) {
      if (!isEnforceable(stream)) continue;
      const link = findLink(stream, serverLinks);
      if (!link) continue;
      streams.push({
        memberId: link.memberId,
        linkId: link.linkId,
        serverId: read.serverId,
        serverName: read.serverName,
        stream,
      });
      if (link.accountId === null && stream.accountId !== null && !learnt.has(link.linkId)) {
        learnt.set(link.linkId, stream.accountId);
      }
    }
  }
  const learntAccountIds = [...learnt].map(([linkId, accountId]) => ({ linkId, accountId }));
  return { streams, learntAccountIds };
}

/** Idle apps (state null) and the owner's own sessions are never counted. */
function isEnforceable(stream: ActiveStream): boolean {
  return stream.state !== null && !stream.isOwner;
}

/**
 * Groups streams per member, collapsing the sessions of one device on one server into one.
 *
 * Why: when the next episode autoplays or the viewer changes quality, the server briefly lists two sessions
 * for the same device (Tracearr #67 logged 17 "violations" from autoplay alone; peer-landscape §4.3 and §5,
 * "Never count the same device twice"). Counting them twice would stop a member who is watching on one screen.
 * Streams without a deviceId cannot be proven to be the same device, so each counts; the same deviceId on two
 * different servers are two real streams and counts twice; a copied device id does not hide several players
 * (see `streamUnits`). The first stream of a device (input order) is kept.
 */
export function countStreams(
  streams: MemberStream[],
  countBy: CountByMember = () => 'streams',
  seen?: SeenAt,
): Map<number, MemberStream[]> {
  return new Map(
    [...streamUnits(streams, countBy, seen)].map(([memberId, units]) => [memberId, units.map((u) => u[0]!)]),
  );
}

/** How a member's plan counts: every stream, or streams from one IP address (a household) as one. */
export type CountBy = 'streams' | 'locations';
export type CountByMember = (memberId: number) => CountBy;

/**
 * When sessions were first seen, at `now` (live_sessions' first sighting by `serverId:key`, else the platform's
 * start time): how long two sessions of one device id have played side by side.
 */
export interface SeenAt {
  now: Date;
  firstSeen: ReadonlyMap<string, Date>;
}

/** Sessions of one device id that play side by side longer than this are separate players (a copied id). */
export const COPIED_DEVICE_WINDOW_MS = 90_000;

/**
 * Each member's streams grouped into the units that count against the cap, in input order: the sessions of one
 * device on one server are one unit, and with `locations` so are all streams from one IP address (a household
 * behind one connection). A stream without a device id or an address is a unit of its own. Stopping a unit means
 * stopping every stream in it.
 *
 * One device id is not always one device: a client can copy its id into several players. Two sessions of one
 * device id are separate units when they play different items from different addresses, or (given `seen`) when
 * both have been playing for more than COPIED_DEVICE_WINDOW_MS (a quality change or an autoplay replaces a session
 * within seconds).
 */
export function streamUnits(
  streams: MemberStream[],
  countBy: CountByMember = () => 'streams',
  seen?: SeenAt,
): Map<number, MemberStream[][]> {
  const byMember = new Map<number, MemberStream[][]>();
  const unitOf = new Map<string, MemberStream[]>();
  const unitsOfDevice = new Map<string, MemberStream[][]>();
  for (const memberStream of streams) {
    const device = deviceKey(memberStream);
    const location = countBy(memberStream.memberId) === 'locations' ? locationKey(memberStream) : null;
    const known: MemberStream[][] = [];
    if (device !== null) {
      const same = (unitsOfDevice.get(device) ?? []).find((unit) =>
        unit.every((other) => deviceKey(other) !== device || oneDevice(other, memberStream, seen)),
      );
      if (same) known.push(same);
    }
    if (location !== null && unitOf.has(location)) known.push(unitOf.get(location)!);
    const unit = known[0] ?? [];
    unit.push(memberStream);
    if (device !== null && !(unitsOfDevice.get(device) ?? []).includes(unit))
      unitsOfDevice.set(device, [...(unitsOfDevice.get(device) ?? []), unit]);
    if (location !== null) unitOf.set(location, unit);
    if (known.length === 0) {
      const list = byMember.get(memberStream.memberId) ?? [];
      list.push(unit);
      byMember.set(memberStream.memberId, list);
    }
  }
  return byMember;
}

/** Whether two sessions of one device id (one member, one server) may be one player. */
function oneDevice(a: MemberStream, b: MemberStream, seen: SeenAt | undefined): boolean {
  const ipA = a.stream.ipAddress ? normalizeIp(a.stream.ipAddress) : null;
  const ipB = b.stream.ipAddress ? normalizeIp(b.stream.ipAddress) : null;
  const otherItem = a.stream.title !== null && b.stream.title !== null && a.stream.title !== b.stream.title;
  if (otherItem && ipA !== null && ipB !== null && ipA !== ipB) return false;
  if (!seen) return true;
  const since = (s: MemberStream) =>
    (seen.firstSeen.get(sessionRef(s.serverId, s.stream.key)) ?? s.stream.startedAt ?? seen.now).getTime();
  const sideBySide = seen.now.getTime() - Math.max(since(a), since(b));
  return sideBySide <= COPIED_DEVICE_WINDOW_MS;
}

function locationKey({ memberId, stream }: MemberStream): string | null {
  return stream.ipAddress ? JSON.stringify([memberId, 'ip', normalizeIp(stream.ipAddress)]) : null;
}

/**
 * Whether two addresses are on one network: the same IPv4 address, or the same IPv6 /64 (the prefix a home gets;
 * the rest changes with privacy addresses). `::ffff:`-mapped IPv4 addresses compare as IPv4.
 */
export function sameNetwork(a: string, b: string): boolean {
  const x = normalizeIp(a);
  const y = normalizeIp(b);
  if (!x.includes(':') || !y.includes(':')) return x === y;
  const prefix = ipv6Prefix64(x);
  return prefix !== null && prefix === ipv6Prefix64(y);
}

/** The first four groups of an IPv6 address, expanded (`2001:db8::1` → `2001:db8:0:0`); null when malformed. */
function ipv6Prefix64(ip: string): string | null {
  const address = ip.replace(/%.*$/, '').replace(/^\[|\]$/g, '');
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}

/** `::ffff:198.51.100.7` (an IPv4 address as Plex may report it over IPv6) is `198.51.100.7`. */
const normalizeIp = (ip: string) =>
  ip
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/**
 * How many streams count against each member's cap: the one count used by enforcement and by /quota, so a
 * member never sees "2 of 1" for a quality change that enforcement rightly treats as one stream.
 */
export function countedStreamsByMember(
  streams: MemberStream[],
  countBy: CountByMember = () => 'streams',
  seen?: SeenAt,
): Map<number, number> {
  return new Map(
    [...streamUnits(streams, countBy, seen)].map(([memberId, units]) => [memberId, units.length]),
  );
}

/** When a unit's newest stream started (start time, or first seen), for `stop: newest`; null when unknown. */
export function unitStart(unit: MemberStream[], firstSeen: ReadonlyMap<string, Date>): number | null {
  const starts = unit.map(
    (s) =>
      (s.stream.startedAt ?? firstSeen.get(sessionRef(s.serverId, s.stream.key)) ?? null)?.getTime() ?? null,
  );
  const known = starts.filter((t): t is number => t !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/** The identity of a session across reads: `serverId:key`. */
export const sessionRef = (serverId: number, key: string): string => `${serverId}:${key}`;

/** The reads without the sessions the bot already stopped (Plex lists a stopped session for a while). */
export function withoutStopped(reads: ServerRead[], stopped: ReadonlySet<string>): ServerRead[] {
  return reads.map((read) => ({
    ...read,
    streams: read.streams.filter((s) => !stopped.has(sessionRef(read.serverId, s.key))),
  }));
}

/**
 * Remembered stops to forget, per server: those a server that was read no longer lists as playing (gone, or an
 * idle app whose next playback must count). Stops on servers that were not read are kept.
 */
export function endedStops(reads: ServerRead[], stopped: ReadonlySet<string>): Map<number, string[]> {
  const ended = new Map<number, string[]>();
  for (const read of reads) {
    const prefix = `${read.serverId}:`;
    const playing = new Set(read.streams.filter((s) => s.state !== null).map((s) => s.key));
    const gone = [...stopped]
      .filter((ref) => ref.startsWith(prefix))
      .map((ref) => ref.slice(prefix.length))
      .filter((key) => !playing.has(key));
    if (gone.length > 0) ended.set(read.serverId, gone);
  }
  return ended;
}

function deviceKey({ memberId, serverId, stream }: MemberStream): string | null {
  return stream.deviceId === null ? null : JSON.stringify([memberId, serverId, stream.deviceId]);
}

/** True when `count` streams are allowed under `cap`; a null cap (no plan) is never enforced. */
export function isWithinCap(count: number, cap: number | null): boolean {
  return cap === null || count <= cap;
}

/**
 * Members whose counted streams exceed their plan's cap, sorted by memberId. A member with no cap in
 * `capByMember` (null or absent: no plan) is never in breach.
 */
export function findBreaches(
  streams: MemberStream[],
  capByMember: ReadonlyMap<number, number | null>,
  countBy: CountByMember = () => 'streams',
  seen?: SeenAt,
): Breach[] {
  const counted = countStreams(streams, countBy, seen);
  const breaches: Breach[] = [];
  for (const [memberId, memberCounted] of counted) {
    const cap = capByMember.get(memberId) ?? null;
    if (cap === null || isWithinCap(memberCounted.length, cap)) continue;
    const all = streams.filter((s) => s.memberId === memberId);
    breaches.push({ memberId, cap, count: memberCounted.length, streams: all });
  }
  return breaches.sort((a, b) => a.memberId - b.memberId);
}
