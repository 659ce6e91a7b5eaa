// The automatic weekly report: at the turn of the week (Sunday 00:00 in TIMEZONE, with the allotment reset) the
// report of the week that ended is posted in the reports channel. "Once" is the notices table's unique key
// (`report:<week>`), so a second run, a retry or a restart at that moment never posts it twice.

import type { AppContext } from '../context.ts';
import { languageOf } from '../i18n/index.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import { weekKey } from '../policy/week.ts';
import { weeklyReportMessage } from '../report/render.ts';
import { buildWeeklyReport, instantInWeek } from '../services/report.ts';
import { getSettings } from '../services/settings.ts';

export type WeeklyReportOutcome = 'posted' | 'failed' | 'already-posted' | 'no-channel';

/** Posts last week's report once. Returns what happened (for the log and tests). */
export async function postWeeklyReport(ctx: AppContext): Promise<WeeklyReportOutcome> {
  const now = ctx.clock();
  const zone = ctx.config.timezone;
  const { reportsChannelId, guildLocale } = await getSettings(ctx.db);
  if (!reportsChannelId) return 'no-channel';
  const week = weekKey(instantInWeek(now, zone, 'last'), zone);
  const delivery = await deliverOnce(
    ctx,
    { kind: 'weekly-report', subject: `report:${week}`, channel: 'reports' },
    async () => ({
      channel: 'alert',
      to: reportsChannelId,
      // In the community's language: it is read by the admins together, in their channel.
      message: weeklyReportMessage(
        await buildWeeklyReport(ctx.db, now, zone, 'last'),
        languageOf(guildLocale),
      ),
    }),
  );
  const outcome = delivery === null ? 'already-posted' : delivery.ok ? 'posted' : 'failed';
  ctx.log.info({ week, outcome }, 'weekly report');
  return outcome;
}
