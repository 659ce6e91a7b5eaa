// The weekly report as a message: one embed that carries every figure as text (it reads without the picture and in
// a screen reader) plus the chart as a PNG attachment shown inside the embed.
import { COLORS, discordTime, embed, plain } from '../discord/reply.ts';
import { number, weekdayDate, weekdayDay } from '../i18n/format.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { allotmentShare, formatDuration, type MemberDownloads } from '../policy/report.ts';
import type { WeeklyReport } from '../services/report.ts';
import { drawWeeklyChart } from './chart.ts';

export const REPORT_FILE = 'weekly-report.png';

function standing(t: Translate, lang: Language, m: MemberDownloads): string {
  const share = allotmentShare(m);
  const state =
    m.allotment === 0
      ? t('report.weekly.noAllotment')
      : share > 1
        ? t('report.weekly.overBy', { count: number(lang, m.used - m.allotment) })
        : share === 1
          ? t('report.weekly.allUsed')
          : t('report.weekly.left', { count: m.allotment - m.used });
  const figures = t('report.weekly.standing', {
    used: number(lang, m.used),
    allotment: number(lang, m.allotment),
  });
  return `**${plain(m.name)}**: ${figures} (${state})`;
}

function clip(lines: string[], max = 1024): string {
  let out = '';
  for (const line of lines) {
    if (out.length + line.length + 1 > max - 2) return `${out}…`;
    out += (out ? '\n' : '') + line;
  }
  return out;
}

/** The report in one language: the community's when it is posted, the reader's for `/report`. */
export function weeklyReportMessage(report: WeeklyReport, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  const zone = report.zone;
  const title = t('report.weekly.title', {
    from: weekdayDate(lang, report.weekStart, zone),
    to: weekdayDate(lang, new Date(report.weekEnd.getTime() - 1), zone, true),
  });
  const days = report.days.map((d) => ({ ...d, label: weekdayDay(lang, d.start, zone) }));
  const busiest = days.find((d) => d.peakStreams === report.totals.peakStreams);
  const { totals } = report;
  const n = (x: number) => number(lang, x);
  const e = embed(title, COLORS.info)
    .setDescription(
      t('report.weekly.period', {
        from: discordTime(report.weekStart, 'f'),
        to: discordTime(report.weekEnd, 'f'),
        zone: report.zone,
      }) + (report.running ? `\n${t('report.weekly.notOver')}` : ''),
    )
    .addFields(
      {
        name: t('report.weekly.streams'),
        value: [
          busiest && totals.peakStreams > 0
            ? t('report.weekly.mostAtOnceOn', { count: n(totals.peakStreams), day: busiest.label })
            : t('report.weekly.mostAtOnce', { count: n(totals.peakStreams) }),
          t('report.weekly.breaches', { count: n(totals.breaches) }),
        ].join('\n'),
        inline: true,
      },
      {
        name: t('report.weekly.downloads'),
        value:
          `${t('report.weekly.downloadsBy', { downloads: n(totals.downloads), count: totals.downloaders })}\n` +
          t('report.weekly.over', { count: n(totals.membersOver) }),
        inline: true,
      },
      {
        name: t('report.weekly.perDay'),
        value: days.map((d) => `${d.label}: ${n(d.peakStreams)} · ${n(d.breaches)}`).join('\n'),
      },
      {
        name: t('report.weekly.closest'),
        value:
          report.closest.length > 0
            ? report.closest.map((m) => standing(t, lang, m)).join('\n')
            : t('report.weekly.nobody'),
      },
      {
        name: t('report.weekly.most', { count: report.downloaders.length }),
        value:
          report.downloaders.length > 0
            ? clip(report.downloaders.map((m, i) => `${i + 1}. ${standing(t, lang, m)}`))
            : t('report.weekly.nobody'),
      },
      {
        name: t('report.weekly.down'),
        value:
          report.downtime.length > 0
            ? clip(
                report.downtime.map(
                  (s) =>
                    `**${plain(s.server)}**: ${t('report.weekly.outages', { duration: formatDuration(s.downMs), count: s.outages })}`,
                ),
              )
            : t('report.weekly.noneDown'),
      },
    )
    .setImage(`attachment://${REPORT_FILE}`)
    .setFooter({ text: t('report.weekly.footer') });
  const png = drawWeeklyChart({
    title,
    subtitle: report.running
      ? t('report.chart.subtitleSoFar', { zone: report.zone })
      : t('report.chart.subtitle', { zone: report.zone }),
    days,
    downloaders: report.downloaders,
    lang,
  });
  return { embeds: [e.toJSON()], files: [{ name: REPORT_FILE, attachment: png }] };
}
