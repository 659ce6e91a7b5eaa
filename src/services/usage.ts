// Weekly download usage per member, derived from the stored download records (never incremented).
import type { Db } from '../db/client.ts';
import { downloadsForWeek } from '../db/downloads.ts';
import type { DownloadRow, Member, Plan } from '../db/schema.ts';
import { allotmentFor, unitsInWeek } from '../policy/downloads.ts';
import { nextWeekStart, weekKey, weekStart } from '../policy/week.ts';

export interface Usage {
  used: number;
  allotment: number;
  weekStart: Date;
  weekEnd: Date;
  weekKey: string;
  /** Downloads with a counted unit this week, newest first, with how many units each counts for. */
  downloads: Array<{ row: DownloadRow; units: number }>;
}

export async function weeklyUsage(
  db: Db,
  people: Array<{ member: Member; plan: Plan | null }>,
  now: Date,
  zone: string,
): Promise<Map<number, Usage>> {
  const start = weekStart(now, zone);
  const end = nextWeekStart(now, zone);
  const key = weekKey(now, zone);
  const rows = await downloadsForWeek(
    db,
    people.map((p) => p.member.id),
    start,
  );
  const result = new Map<number, Usage>();
  for (const { member, plan } of people) {
    const mine = rows.filter((r) => r.memberId === member.id);
    const counted = mine
      .map((row) => ({ row, units: unitsInWeek([row], start, end) }))
      .filter((d) => d.units > 0)
      .sort((a, b) => b.row.startedAt.getTime() - a.row.startedAt.getTime());
    result.set(member.id, {
      used: unitsInWeek(mine, start, end),
      allotment: allotmentFor(plan, member.downloadAllotment),
      weekStart: start,
      weekEnd: end,
      weekKey: key,
      downloads: counted,
    });
  }
  return result;
}
