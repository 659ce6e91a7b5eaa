// Exempt devices and temporary boosts. Pure: rows and `now` in, caps, allotments and counted streams out.

import { type MemberStream, sameNetwork } from './streams.ts';

/** A temporary raise (a `boosts` row). It applies while `startsAt <= now < endsAt` unless it was ended early. */
export interface BoostTerms {
  id: number;
  memberId: number;
  extraStreams: number;
  extraDownloads: number;
  startsAt: Date;
  endsAt: Date;
  endedEarlyAt: Date | null;
}

/** A device whose streams never count for that member (a `device_exemptions` row). */
export interface ExemptDevice {
  memberId: number;
  deviceId: string;
  /** The address the device was seen on when exempted: the exemption holds on that network only. Null (not known,
   *  or an exemption from before addresses were kept): on any network. */
  ipAddress?: string | null;
}

/** Whether `boost` applies at `now`: started, not yet at its end, and not ended early (at or before `now`). */
export function isBoostActive(boost: BoostTerms, now: Date): boolean {
  const t = now.getTime();
  if (boost.startsAt.getTime() > t || boost.endsAt.getTime() <= t) return false;
  return boost.endedEarlyAt === null || boost.endedEarlyAt.getTime() > t;
}

/**
 * The boost that applies at `now` among one member's boosts: the one that started last (then the highest id), so
 * a replaced boost never adds to its replacement. Null when none applies.
 */
export function activeBoost<B extends BoostTerms>(boosts: readonly B[], now: Date): B | null {
  let best: B | null = null;
  for (const b of boosts) {
    if (!isBoostActive(b, now)) continue;
    if (
      best === null ||
      b.startsAt.getTime() > best.startsAt.getTime() ||
      (b.startsAt.getTime() === best.startsAt.getTime() && b.id > best.id)
    ) {
      best = b;
    }
  }
  return best;
}

/** The boosts that apply at `now`, one per member. */
export function activeBoostsByMember<B extends BoostTerms>(boosts: readonly B[], now: Date): Map<number, B> {
  const byMember = new Map<number, B[]>();
  for (const b of boosts) byMember.set(b.memberId, [...(byMember.get(b.memberId) ?? []), b]);
  const result = new Map<number, B>();
  for (const [memberId, list] of byMember) {
    const active = activeBoost(list, now);
    if (active) result.set(memberId, active);
  }
  return result;
}

/** The plan's cap plus the boost's extra streams while it applies. No plan (null) stays unenforced. */
export function effectiveStreamCap(
  planCap: number | null,
  boost: BoostTerms | null,
  now: Date,
): number | null {
  if (planCap === null) return null;
  return boost && isBoostActive(boost, now) ? planCap + Math.max(0, boost.extraStreams) : planCap;
}

/** This week's allotment plus the boost's extra downloads while it applies. */
export function effectiveAllotment(allotment: number, boost: BoostTerms | null, now: Date): number {
  return boost && isBoostActive(boost, now) ? allotment + Math.max(0, boost.extraDownloads) : allotment;
}

const exemptKey = (memberId: number, deviceId: string) => JSON.stringify([memberId, deviceId]);

/**
 * The streams without those from a device the member exempted: they never count and are never stopped. Matching is
 * by the device's identifier (never its name), and on the network the device was seen on when exempted: a device
 * id copied into a player elsewhere is not exempt. A stream without an identifier, from a device exempted for
 * someone else, or with no address when the exemption has one, counts.
 */
export function withoutExemptDevices(
  streams: MemberStream[],
  exemptions: readonly ExemptDevice[],
): MemberStream[] {
  if (exemptions.length === 0) return streams;
  const exempt = new Map(exemptions.map((e) => [exemptKey(e.memberId, e.deviceId), e]));
  return streams.filter((s) => {
    if (s.stream.deviceId === null) return true;
    const e = exempt.get(exemptKey(s.memberId, s.stream.deviceId));
    if (!e) return true;
    if (!e.ipAddress) return false;
    return !(s.stream.ipAddress && sameNetwork(e.ipAddress, s.stream.ipAddress));
  });
}
