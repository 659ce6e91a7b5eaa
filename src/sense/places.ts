// Where each member's streams come from, for the sharing signals (src/decide/sharing.ts): a place is a network (an
// IPv4 /24, an IPv6 /48: the size a home or an office is given) with the city when the bundled GeoIP data
// (fast-geoip: MaxMind GeoLite2 City, IPv4 only, read from disk a few kB per lookup) knows it. Private, loopback,
// link-local, CGNAT, ULA and other special addresses are never places and never looked up (ipaddr.js `range()`:
// anything but `unicast`). A place is written once when first seen in a local day, then at most every 15 minutes
// while it streams (its `last_seen_at`), so the cycle's cost per stream is a map lookup, and what is written goes in
// one statement per thousand places.
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Db } from '../db/client.ts';
import { sharingPlaces } from '../db/schema.ts';
import type { Place } from '../decide/sharing.ts';
import type { MemberStream } from '../policy/streams.ts';
import { localDateKey } from '../policy/week.ts';

/** How often a place still streaming gets its `last_seen_at` written. */
export const PLACE_REFRESH_MS = 15 * 60 * 1000;

export interface Network {
  network: string;
  /** The address itself, for the GeoIP lookup (IPv4 only); never stored. */
  address: string;
  v4: boolean;
}

/** The network of a public address; null for private, LAN and special addresses, and for what is not an address. */
export function publicNetwork(raw: string | null): Network | null {
  if (!raw) return null;
  const text = raw
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  if (!ipaddr.isValid(text)) return null;
  const ip = ipaddr.process(text); // an IPv4-mapped IPv6 address is its IPv4 address
  if (ip.range() !== 'unicast') return null;
  if (ip.kind() === 'ipv4') {
    const [a, b, c] = (ip as ipaddr.IPv4).octets;
    return { network: `${a}.${b}.${c}.0/24`, address: ip.toString(), v4: true };
  }
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 3);
  return {
    network: `${new ipaddr.IPv6([...parts, 0, 0, 0, 0, 0]).toString()}/48`,
    address: ip.toString(),
    v4: false,
  };
}

export interface City {
  city: string;
  latitude: number;
  longitude: number;
  accuracyKm: number | null;
}

type Lookup = (address: string) => Promise<City | null>;

let geoip: Promise<Lookup> | null = null;

const NO_CITY: Lookup = async () => null;

/**
 * fast-geoip, loaded on the first lookup only (the feature is off by default). Its reader does not survive a data
 * file it cannot open (it reads on from an unopened file in a callback, which would end the process), so a package
 * whose data is missing gives no cities instead.
 */
function geoLookup(): Promise<Lookup> {
  geoip ??= (async () => {
    const data = join(dirname(createRequire(import.meta.url).resolve('fast-geoip')), '..', 'data');
    const present = await Promise.all(
      ['index.json', 'locations.json'].map((f) =>
        access(join(data, f)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (present.includes(false)) return NO_CITY;
    const { default: lib } = await import('fast-geoip');
    // `area` is GeoLite2's accuracy radius in km; `ll` is [latitude, longitude].
    return async (address: string) => {
      const found = await lib.lookup(address);
      if (!found?.city) return null;
      return {
        city: [found.city, found.region, found.country].filter(Boolean).join(', '),
        latitude: found.ll[0],
        longitude: found.ll[1],
        accuracyKm: Number.isFinite(found.area) ? found.area : null,
      };
    };
  })().catch(() => NO_CITY);
  return geoip;
}

/** The city of a public IPv4 address, when the GeoIP data knows it; a failing lookup is no city. */
export async function cityOf(net: Network): Promise<City | null> {
  if (!net.v4) return null;
  return (await geoLookup())(net.address).catch(() => null);
}

/**
 * What this process has written, per database: `member|network` → when, for the day; and each address's network
 * (parsed once, not on every cycle). Cleared when the day turns.
 */
interface Recorded {
  day: string;
  written: Map<string, number>;
  networks: Map<string, Network | null>;
  /** Each network's city, looked up once a day however many members stream from it. */
  cities: Map<string, Promise<City | null>>;
}

/** Addresses whose network is remembered; past this the memory starts again (it is only a cache). */
const NETWORKS_KEPT = 50_000;
const recordedByDb = new WeakMap<Db, Recorded>();

export interface PlaceInput {
  streams: readonly MemberStream[];
  /** Whether a member's places are recorded (their plan has `households`, or impossible travel is on). */
  wanted: (memberId: number) => boolean;
  now: Date;
  zone: string;
}

/** Rows written per statement (ten parameters each, well under PostgreSQL's 65,535). */
const ROWS_PER_STATEMENT = 1000;

/**
 * Records the places of this read's streams, all in a few statements. Returns the members with a new place (or one
 * seen again).
 */
export async function recordPlaces(db: Db, input: PlaceInput): Promise<Set<number>> {
  const day = localDateKey(input.now, input.zone);
  let recorded = recordedByDb.get(db);
  if (recorded?.day !== day) {
    recorded = { day, written: new Map(), networks: new Map(), cities: new Map() };
    recordedByDb.set(db, recorded);
  }
  const now = input.now.getTime();
  const due: Array<{
    key: string;
    memberId: number;
    net: Network;
    device: string;
    city: Promise<City | null> | null;
  }> = [];
  for (const { memberId, stream } of input.streams) {
    if (!input.wanted(memberId)) continue;
    if (!stream.ipAddress) continue;
    let net = recorded.networks.get(stream.ipAddress);
    if (net === undefined) {
      if (recorded.networks.size >= NETWORKS_KEPT) recorded.networks.clear();
      net = publicNetwork(stream.ipAddress);
      recorded.networks.set(stream.ipAddress, net);
    }
    if (!net) continue;
    const key = `${memberId}|${net.network}`;
    const last = recorded.written.get(key);
    if (last !== undefined && now - last < PLACE_REFRESH_MS) continue;
    // Marked at once, so a second stream of the member from the same network in this read is not written twice.
    recorded.written.set(key, now);
    let city: Promise<City | null> | null = null;
    if (last === undefined) {
      city = recorded.cities.get(net.network) ?? cityOf(net);
      recorded.cities.set(net.network, city);
    }
    due.push({ key, memberId, net, device: stream.device.slice(0, 200), city });
  }
  const cities = await Promise.all(due.map((d) => d.city));
  const touched = new Set<number>();
  for (let i = 0; i < due.length; i += ROWS_PER_STATEMENT) {
    const chunk = due.slice(i, i + ROWS_PER_STATEMENT);
    try {
      await db
        .insert(sharingPlaces)
        .values(
          chunk.map((d, j) => {
            const city = cities[i + j] ?? null;
            return {
              memberId: d.memberId,
              day,
              network: d.net.network,
              city: city?.city ?? null,
              latitude: city?.latitude ?? null,
              longitude: city?.longitude ?? null,
              accuracyKm: city?.accuracyKm ?? null,
              device: d.device,
              firstSeenAt: input.now,
              lastSeenAt: input.now,
            };
          }),
        )
        .onConflictDoUpdate({
          target: [sharingPlaces.memberId, sharingPlaces.day, sharingPlaces.network],
          set: { lastSeenAt: input.now },
        });
    } catch (err) {
      // Not written: tried again on the next read rather than 15 minutes later.
      for (const d of chunk) recorded.written.delete(d.key);
      throw err;
    }
    for (const d of chunk) touched.add(d.memberId);
  }
  return touched;
}

/** The rows as the decision takes them. */
export const placeOf = (row: typeof sharingPlaces.$inferSelect): Place => ({
  day: row.day,
  network: row.network,
  city: row.city,
  latitude: row.latitude,
  longitude: row.longitude,
  accuracyKm: row.accuracyKm,
  device: row.device,
  firstSeenAt: row.firstSeenAt,
  lastSeenAt: row.lastSeenAt,
});
