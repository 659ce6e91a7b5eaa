// Weekly download usage per member, derived from the stored download records (never incremented).
import type { Db } from '../db/client.ts';
import { downloadsForWeek, weeklyUnitsByMember } from '../db/downloads.ts';
import { loadCurrentBoosts } from '../db/fairness.ts';
import type { DownloadRow, Member, Plan } from '../db/schema.ts';
import { allotmentFor, unitsInWeek } from '../policy/downloads.ts';
import { activeBoostsByMember, effectiveAllotment } from '../policy/fairness.ts';
import { nextWeekStart, weekKey, weekStart } from '../policy/week.ts';

export interface Usage {
  used: number;
  /** The plan's (or the member's own) allotment, plus a boost's extra downloads while it applies. */
  allotment: number;
  /** How many of `allotment` a boost adds (0 without one). */
  boosted: number;
  weekStart: Date;
  weekEnd: Date;
  weekKey: string;
}

/**
 * Units used this week per member, summed in the database (one statement, one row per member back), and the
 * allotment with the boost that applies at `now` (one statement more): the one figure /quota, the quota enforcement
 * and the switch-back all use. A plan without downloads is not raised by a boost.
 */
export async function weeklyUsage(
  db: Db,
  people: Array<{ member: Member; plan: Plan | null }>,
  now: Date,
  zone: string,
): Promise<Map<number, Usage>> {
  const start = weekStart(now, zone);
  const end = nextWeekStart(now, zone);
  const key = weekKey(now, zone);
  const used = await weeklyUnitsByMember(
    db,
    people.map((p) => p.member.id),
    start,
    end,
  );
  const boosts = activeBoostsByMember(
    await loadCurrentBoosts(
      db,
      now,
      people.map((p) => p.member.id),
    ),
    now,
  );
  const result = new Map<number, Usage>();
  for (const { member, plan } of people) {
    const base = allotmentFor(plan, member.downloadAllotment);
    const allotment = plan?.downloadsAllowed
      ? effectiveAllotment(base, boosts.get(member.id) ?? null, now)
      : base;
    result.set(member.id, {
      used: used.get(member.id) ?? 0,
      allotment,
      boosted: allotment - base,
      weekStart: start,
      weekEnd: end,
      weekKey: key,
    });
  }
  return result;
}

/** One member's downloads with a counted unit in the usage's week, newest first, with how many units each counts for. */
export async function countedDownloads(
  db: Db,
  memberId: number,
  usage: Usage,
): Promise<Array<{ row: DownloadRow; units: number }>> {
  const rows = await downloadsForWeek(db, [memberId], usage.weekStart, usage.weekEnd);
  return rows
    .map((row) => ({ row, units: unitsInWeek([row], usage.weekStart, usage.weekEnd) }))
    .filter((d) => d.units > 0)
    .sort((a, b) => b.row.startedAt.getTime() - a.row.startedAt.getTime());
}
