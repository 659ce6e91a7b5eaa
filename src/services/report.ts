// The weekly report: loads the week's logged rows and hands them to the pure aggregation in policy/report.ts.
import { and, eq, gte, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { outagesBetween } from '../db/outages.ts';
import { breachEpisodes, members, plans, streamLog } from '../db/schema.ts';
import {
  closestToAllotment,
  type DayFigures,
  dailyFigures,
  downtimeByServer,
  type MemberDownloads,
  type ServerDowntime,
  topDownloaders,
} from '../policy/report.ts';
import { weekDayBounds, weekStart } from '../policy/week.ts';
import { weeklyUsage } from './usage.ts';

export type WhichWeek = 'this' | 'last';

export interface WeeklyReport {
  weekStart: Date;
  weekEnd: Date;
  zone: string;
  /** True while the week is still running (`this`): figures are so far. */
  running: boolean;
  days: DayFigures[];
  totals: {
    peakStreams: number;
    breaches: number;
    downloads: number;
    downloaders: number;
    membersOver: number;
  };
  /** Up to 15 members with the most downloads. */
  downloaders: MemberDownloads[];
  /** The three members closest to or over their allotment. */
  closest: MemberDownloads[];
  downtime: ServerDowntime[];
}

/** Any instant in the wanted week: `now` for this week, the last millisecond of the previous week for last. */
export function instantInWeek(now: Date, zone: string, which: WhichWeek): Date {
  return which === 'this' ? now : new Date(weekStart(now, zone).getTime() - 1);
}

export async function buildWeeklyReport(
  db: Db,
  now: Date,
  zone: string,
  which: WhichWeek,
): Promise<WeeklyReport> {
  const bounds = weekDayBounds(instantInWeek(now, zone, which), zone);
  const start = bounds[0] as Date;
  const end = bounds[7] as Date;
  const spans = await db
    .select({ start: streamLog.firstSeenAt, end: streamLog.lastSeenAt })
    .from(streamLog)
    .where(and(lt(streamLog.firstSeenAt, end), gte(streamLog.lastSeenAt, start)));
  const breaches = await db
    .select({ openedAt: breachEpisodes.openedAt })
    .from(breachEpisodes)
    .where(and(gte(breachEpisodes.openedAt, start), lt(breachEpisodes.openedAt, end)));
  // Stand-ins (accounts linked to nobody) are not members: left out of the download list.
  const people = (
    await db
      .select()
      .from(members)
      .leftJoin(plans, eq(plans.id, members.planId))
      .where(isNull(members.standInServerId))
  ).map((r) => ({
    member: r.members,
    plan: r.plans,
  }));
  const usage = await weeklyUsage(db, people, start, zone);
  const list: MemberDownloads[] = people.map(({ member }) => ({
    memberId: member.id,
    name: member.displayName,
    used: usage.get(member.id)?.used ?? 0,
    allotment: usage.get(member.id)?.allotment ?? 0,
  }));
  const days = dailyFigures(
    bounds,
    zone,
    spans,
    breaches.map((b) => b.openedAt),
  );
  return {
    weekStart: start,
    weekEnd: end,
    zone,
    running: now < end,
    days,
    totals: {
      peakStreams: Math.max(0, ...days.map((d) => d.peakStreams)),
      breaches: breaches.length,
      downloads: list.reduce((sum, m) => sum + m.used, 0),
      downloaders: list.filter((m) => m.used > 0).length,
      membersOver: list.filter((m) => m.used > m.allotment).length,
    },
    downloaders: topDownloaders(list, 15),
    closest: closestToAllotment(list, 3),
    downtime: downtimeByServer(await outagesBetween(db, start, end), start, end, now),
  };
}
