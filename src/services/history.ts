// A member's last weeks, for /history: downloads against the allotment and breaches, week by week.
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { breachEpisodes, downloads, type Member, plans } from '../db/schema.ts';
import { allotmentFor } from '../policy/downloads.ts';
import { recentWeekBounds, type WeekHistory, weeklyHistory } from '../policy/report.ts';

export const HISTORY_WEEKS = 8;

export interface MemberHistory {
  weeks: WeekHistory[];
  /** Today's allotment: allotments are not kept per week, so every week is drawn against this one. */
  allotment: number;
}

export async function memberHistory(db: Db, member: Member, now: Date, zone: string): Promise<MemberHistory> {
  const bounds = recentWeekBounds(now, zone, HISTORY_WEEKS);
  const from = bounds[0] as Date;
  const rows = await db
    .select({ startedAt: downloads.startedAt, lastSeenIncompleteAt: downloads.lastSeenIncompleteAt })
    .from(downloads)
    .where(
      and(
        eq(downloads.memberId, member.id),
        // Started since, or still seen incomplete since (`greatest` skips a null): one range of the index
        // downloads_member_last_active_idx, as /quota reads a week (src/db/downloads.ts).
        sql`greatest(${downloads.startedAt}, ${downloads.lastSeenIncompleteAt}) >= ${from.toISOString()}::timestamptz`,
      ),
    );
  const breaches = await db
    .select({ openedAt: breachEpisodes.openedAt })
    .from(breachEpisodes)
    .where(and(eq(breachEpisodes.memberId, member.id), gte(breachEpisodes.openedAt, from)));
  const [plan] = member.planId ? await db.select().from(plans).where(eq(plans.id, member.planId)) : [];
  return {
    weeks: weeklyHistory(
      bounds,
      rows,
      breaches.map((b) => b.openedAt),
    ),
    allotment: allotmentFor(plan ?? null, member.downloadAllotment),
  };
}
