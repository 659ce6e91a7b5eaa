// The turn of the week (Sunday 00:00 in TIMEZONE): download switches back on, then last week's report; and, at
// start-up or when this instance takes the gateway, the report a turn the bot missed still owes.
import { postWeeklyReport } from '../act/weekly-report.ts';
import type { AppContext } from '../context.ts';
import { weekStart } from '../policy/week.ts';

/** How long after the turn a start-up still posts a report the schedule missed (the bot was down at 00:00). */
export const CATCH_UP_MS = 24 * 60 * 60 * 1000;

export async function weeklyTurn(ctx: AppContext): Promise<void> {
  // Once for all instances: the gateway holder posts the report (standby instances cannot post to channels).
  if (!ctx.cluster.isGatewayHolder()) return;
  await ctx.reconcileDownloadSwitches().catch((err) => ctx.log.error({ err }, 'weekly switch-back failed'));
  await postWeeklyReport(ctx);
}

/** Posts the report the schedule missed, if the week turned less than CATCH_UP_MS ago. */
export async function catchUpWeeklyReport(ctx: AppContext): Promise<void> {
  const turn = weekStart(ctx.clock(), ctx.config.timezone);
  if (ctx.clock().getTime() - turn.getTime() >= CATCH_UP_MS) return;
  await postWeeklyReport(ctx).catch((err) => ctx.log.error({ err }, 'weekly report catch-up failed'));
}
