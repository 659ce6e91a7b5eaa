// The weekly report as a message: one embed that carries every figure as text (it reads without the picture and in
// a screen reader) plus the chart as a PNG attachment shown inside the embed.
import { DateTime } from 'luxon';
import { COLORS, discordTime, embed, plain } from '../discord/reply.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { allotmentShare, formatDuration, type MemberDownloads } from '../policy/report.ts';
import type { WeeklyReport } from '../services/report.ts';
import { drawWeeklyChart } from './chart.ts';

export const REPORT_FILE = 'weekly-report.png';

function standing(m: MemberDownloads): string {
  const share = allotmentShare(m);
  const state =
    m.allotment === 0
      ? 'no allotment'
      : share > 1
        ? `over by ${m.used - m.allotment}`
        : share === 1
          ? 'all used'
          : `${m.allotment - m.used} left`;
  return `**${plain(m.name)}**: ${m.used} of ${m.allotment} (${state})`;
}

function clip(lines: string[], max = 1024): string {
  let out = '';
  for (const line of lines) {
    if (out.length + line.length + 1 > max - 2) return `${out}…`;
    out += (out ? '\n' : '') + line;
  }
  return out;
}

export function weeklyReportMessage(report: WeeklyReport): NoticeMessage {
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: report.zone });
  const first = local(report.weekStart);
  const last = local(new Date(report.weekEnd.getTime() - 1));
  const title = `Weekly report: ${first.toFormat('ccc d LLL')} – ${last.toFormat('ccc d LLL yyyy')}`;
  const busiest = report.days.find((d) => d.peakStreams === report.totals.peakStreams);
  const { totals } = report;
  const e = embed(title, COLORS.info)
    .setDescription(
      `From ${discordTime(report.weekStart, 'f')} to ${discordTime(report.weekEnd, 'f')} (weeks run Sunday to Sunday in ${report.zone}).` +
        (report.running ? '\n**The week is not over: figures so far.**' : ''),
    )
    .addFields(
      {
        name: 'Streams',
        value:
          `Most at once: **${totals.peakStreams}**${busiest && totals.peakStreams > 0 ? ` (${busiest.label})` : ''}\n` +
          `Stream-cap breaches: **${totals.breaches}**`,
        inline: true,
      },
      {
        name: 'Downloads',
        value:
          `**${totals.downloads}** by ${totals.downloaders} member${totals.downloaders === 1 ? '' : 's'}\n` +
          `Over their allotment: **${totals.membersOver}**`,
        inline: true,
      },
      {
        name: 'Per day (peak streams · breaches)',
        value: report.days.map((d) => `${d.label}: ${d.peakStreams} · ${d.breaches}`).join('\n'),
      },
      {
        name: 'Closest to or over their allotment',
        value:
          report.closest.length > 0 ? report.closest.map(standing).join('\n') : 'Nobody downloaded anything.',
      },
      {
        name: `Most downloads (top ${report.downloaders.length})`,
        value:
          report.downloaders.length > 0
            ? clip(report.downloaders.map((m, i) => `${i + 1}. ${standing(m)}`))
            : 'Nobody downloaded anything.',
      },
      {
        name: 'Servers down',
        value:
          report.downtime.length > 0
            ? clip(
                report.downtime.map(
                  (s) =>
                    `**${plain(s.server)}**: ${formatDuration(s.downMs)} (${s.outages} outage${s.outages === 1 ? '' : 's'})`,
                ),
              )
            : 'No server was down.',
      },
    )
    .setImage(`attachment://${REPORT_FILE}`)
    .setFooter({ text: 'Peak streams come from the stream log (servers with stream logging on).' });
  const png = drawWeeklyChart({
    title,
    subtitle: `Sunday to Sunday in ${report.zone}${report.running ? ' (so far)' : ''}`,
    days: report.days,
    downloaders: report.downloaders,
  });
  return { embeds: [e.toJSON()], files: [{ name: REPORT_FILE, attachment: png }] };
}
