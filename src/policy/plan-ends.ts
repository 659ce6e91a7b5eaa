// Plans that end (`/user plan … until:`): which end dates are accepted, and what is due for each member whose plan
// has one: a reminder in the last three days, the fall-back from the day itself. Pure: `now` and the zone come in.
import { DateTime } from 'luxon';
import { addDaysToKey, localDateKey, localDayStart, parseDateKey } from './week.ts';

/** Days before the end date the member is reminded (from the start of that local day). */
export const PLAN_END_REMINDER_DAYS = 3;
/** How far ahead an end date may be. */
export const PLAN_UNTIL_MAX_YEARS = 5;

export type PlanUntilCheck =
  | { ok: true; until: string; endsAt: Date }
  | { ok: false; reason: 'format' | 'past' | 'too-far'; today: string; latest: string };

/**
 * Checks an end date as typed: 'YYYY-MM-DD', a real calendar date, after today in `zone` (the plan ends at the first
 * instant of that day, which must still be ahead) and at most PLAN_UNTIL_MAX_YEARS ahead (by the calendar).
 */
export function checkPlanUntil(input: string, now: Date, zone: string): PlanUntilCheck {
  const today = localDateKey(now, zone);
  const latest = addYears(today, PLAN_UNTIL_MAX_YEARS);
  const until = input.trim();
  if (!parseDateKey(until)) return { ok: false, reason: 'format', today, latest };
  const endsAt = localDayStart(until, zone);
  if (until <= today || endsAt.getTime() <= now.getTime())
    return { ok: false, reason: 'past', today, latest };
  if (until > latest) return { ok: false, reason: 'too-far', today, latest };
  return { ok: true, until, endsAt };
}

/** The same day `years` later (luxon keeps the day in the month: 29 February becomes 28 February in a common year). */
function addYears(key: string, years: number): string {
  return DateTime.fromISO(key, { zone: 'utc' }).plus({ years }).toISODate() ?? key;
}

/** A member whose explicit plan has an end date. */
export interface EndingPlan {
  memberId: number;
  discordUserId: string;
  planId: number;
  /** The local date the plan ends on ('YYYY-MM-DD'). */
  until: string;
}

export type PlanEndMove<M extends EndingPlan = EndingPlan> =
  /** In the last PLAN_END_REMINDER_DAYS days before the end: remind the member (once per end date). */
  | { kind: 'remind'; member: M; endsAt: Date }
  /** The end date has begun: the member falls back to the plan their roles give, or none. */
  | { kind: 'end'; member: M; endsAt: Date };

/**
 * What is due now for each member whose plan ends: `end` from the first instant of the end date in `zone`, `remind`
 * from the first instant of the day PLAN_END_REMINDER_DAYS before it until then, nothing before. A plan found ended
 * gets no reminder (a bot that was down over the reminder's days only tells the end).
 */
export function planEndMoves<M extends EndingPlan>(
  rows: readonly M[],
  now: Date,
  zone: string,
): Array<PlanEndMove<M>> {
  const moves: Array<PlanEndMove<M>> = [];
  for (const member of rows) {
    const endsAt = localDayStart(member.until, zone);
    if (now.getTime() >= endsAt.getTime()) {
      moves.push({ kind: 'end', member, endsAt });
      continue;
    }
    const remindFrom = localDayStart(addDaysToKey(member.until, -PLAN_END_REMINDER_DAYS), zone);
    if (now.getTime() >= remindFrom.getTime()) moves.push({ kind: 'remind', member, endsAt });
  }
  return moves;
}
