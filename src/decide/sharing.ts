// Decide: the signs that an account is used from several places, the usual sign of a shared password. Pure: no
// I/O, no clock. A place is a network (an IPv4 /24 or an IPv6 /48) with the city when the GeoIP data knows it; the
// sense step (src/sense/places.ts) leaves private and LAN addresses out, so they are never places. Two flags:
//  - households: more distinct networks in one local day than the plan's `households`;
//  - impossible travel: two places farther apart than MIN_TRAVEL_KM (after taking off both accuracy radii) whose
//    times leave less than the distance at MAX_SPEED_KMH (an airliner's cruising speed); places seen at the same
//    time are always too fast.
// Each intent carries its key (one flag, and one alert, per key) and its evidence. A flag is never a stop.

/** Faster than an airliner cruises. */
export const MAX_SPEED_KMH = 900;
/** Closer than this (after the accuracy radii are taken off) is GeoIP noise or a neighbouring town. */
export const MIN_TRAVEL_KM = 300;
/** Places compared for impossible travel: those seen within the last day. */
export const TRAVEL_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface Place {
  /** The local date (in TIMEZONE) the place was seen on. */
  day: string;
  network: string;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracyKm: number | null;
  device: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface SharingInput {
  memberId: number;
  /** The plan's households a day; 0: no households flag. */
  households: number;
  /** The community's impossible-travel switch. */
  travel: boolean;
  /** Today's local date. */
  today: string;
  /** The member's places: today's and those last seen within TRAVEL_WINDOW_MS. */
  places: readonly Place[];
  now: Date;
}

export type SharingIntent =
  | { type: 'households'; key: string; memberId: number; allowed: number; places: Place[] }
  | {
      type: 'travel';
      key: string;
      memberId: number;
      places: [Place, Place];
      distanceKm: number;
      /** Hours between the two places (0: seen at the same time). */
      hours: number;
      /** The speed the trip would need; null when the places were seen at the same time. */
      speedKmh: number | null;
    };

const EARTH_RADIUS_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km (haversine). */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
) {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const byFirstSeen = (a: Place, b: Place) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime();

function householdsIntent(input: SharingInput): SharingIntent | null {
  if (input.households <= 0) return null;
  const today = new Map<string, Place>();
  for (const p of [...input.places].sort(byFirstSeen)) {
    if (p.day === input.today && !today.has(p.network)) today.set(p.network, p);
  }
  if (today.size <= input.households) return null;
  return {
    type: 'households',
    key: `households:${input.memberId}:${input.today}`,
    memberId: input.memberId,
    allowed: input.households,
    places: [...today.values()],
  };
}

const located = (p: Place): p is Place & { latitude: number; longitude: number } =>
  p.city !== null && p.latitude !== null && p.longitude !== null;

/** The trip between two places, when it is too far for the time between them; else null. */
export function impossibleTrip(
  a: Place,
  b: Place,
): { distanceKm: number; hours: number; speedKmh: number | null } | null {
  if (!located(a) || !located(b) || a.network === b.network) return null;
  const km = distanceKm(a, b) - (a.accuracyKm ?? 0) - (b.accuracyKm ?? 0);
  if (km < MIN_TRAVEL_KM) return null;
  // The time between the two: from the end of the one seen first to the start of the other (0 when they overlap).
  const gapMs = Math.max(
    0,
    Math.max(a.firstSeenAt.getTime(), b.firstSeenAt.getTime()) -
      Math.min(a.lastSeenAt.getTime(), b.lastSeenAt.getTime()),
  );
  const hours = gapMs / 3_600_000;
  const speedKmh = hours > 0 ? km / hours : null;
  if (speedKmh !== null && speedKmh <= MAX_SPEED_KMH) return null;
  return { distanceKm: Math.round(km), hours, speedKmh: speedKmh === null ? null : Math.round(speedKmh) };
}

function travelIntents(input: SharingInput): SharingIntent[] {
  if (!input.travel) return [];
  const since = input.now.getTime() - TRAVEL_WINDOW_MS;
  // One place per network (its widest span across the days loaded).
  const byNetwork = new Map<string, Place>();
  for (const p of input.places) {
    if (p.lastSeenAt.getTime() < since) continue;
    const seen = byNetwork.get(p.network);
    byNetwork.set(
      p.network,
      seen
        ? {
            ...seen,
            firstSeenAt: seen.firstSeenAt < p.firstSeenAt ? seen.firstSeenAt : p.firstSeenAt,
            lastSeenAt: seen.lastSeenAt > p.lastSeenAt ? seen.lastSeenAt : p.lastSeenAt,
          }
        : p,
    );
  }
  const places = [...byNetwork.values()].sort(byFirstSeen);
  const intents: SharingIntent[] = [];
  for (let i = 0; i < places.length; i++) {
    for (let j = i + 1; j < places.length; j++) {
      const a = places[i] as Place;
      const b = places[j] as Place;
      const trip = impossibleTrip(a, b);
      if (!trip) continue;
      const pair = [a.network, b.network].sort().join('|');
      intents.push({
        type: 'travel',
        key: `travel:${input.memberId}:${input.today}:${pair}`,
        memberId: input.memberId,
        places: [a, b],
        ...trip,
      });
    }
  }
  return intents;
}

/** The flags a member's places raise now; the caller stores each key once. */
export function decideSharing(input: SharingInput): SharingIntent[] {
  const households = householdsIntent(input);
  return [...(households ? [households] : []), ...travelIntents(input)];
}
