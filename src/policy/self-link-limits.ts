// How often members may start `/link` sign-ins. Pure: the state is plain data and `now` is given. A sign-in holds
// a code at plex.tv or on the Jellyfin server and a background task in the bot until it ends, so the bot limits
// them per member (one at a time, a few an hour) and in total.

export interface SelfLinkLimits {
  /** Sign-ins a member may start in a rolling hour. */
  perMemberPerHour: number;
  /** Sign-ins waiting at once, for the whole bot. */
  inFlightTotal: number;
}

export const SELF_LINK_LIMITS: SelfLinkLimits = { perMemberPerHour: 5, inFlightTotal: 20 };
export const HOUR_MS = 60 * 60 * 1000;

export interface SignInRecord {
  member: string;
  startedAt: number;
  /** When the sign-in gives up at the latest (its code expires). */
  deadline: number;
  /** Still waiting for the member. */
  inFlight: boolean;
}

export type SelfLinkVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: 'in-flight' | 'hourly' | 'busy';
      /** When trying again can succeed (the earliest slot that frees up). */
      retryAt: Date;
    };

/** Whether `member` may start a sign-in at `now`, given the sign-ins started in the last hour and those in flight. */
export function mayStartSignIn(
  records: readonly SignInRecord[],
  member: string,
  now: Date,
  limits: SelfLinkLimits = SELF_LINK_LIMITS,
): SelfLinkVerdict {
  const t = now.getTime();
  const mine = records.filter((r) => r.member === member);
  const waiting = mine.find((r) => r.inFlight);
  if (waiting) return { ok: false, reason: 'in-flight', retryAt: new Date(Math.max(t, waiting.deadline)) };
  const lastHour = mine.filter((r) => r.startedAt > t - HOUR_MS).map((r) => r.startedAt);
  if (lastHour.length >= limits.perMemberPerHour) {
    const oldest = Math.min(...lastHour);
    return { ok: false, reason: 'hourly', retryAt: new Date(oldest + HOUR_MS) };
  }
  const inFlight = records.filter((r) => r.inFlight);
  if (inFlight.length >= limits.inFlightTotal) {
    const first = Math.min(...inFlight.map((r) => r.deadline));
    return { ok: false, reason: 'busy', retryAt: new Date(Math.max(t, first)) };
  }
  return { ok: true };
}

/** The records still worth keeping at `now`: in flight, or started within the hour. */
export function pruneSignIns(records: readonly SignInRecord[], now: Date): SignInRecord[] {
  const t = now.getTime();
  return records.filter((r) => r.inFlight || r.startedAt > t - HOUR_MS);
}
