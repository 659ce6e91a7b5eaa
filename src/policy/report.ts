// Pure aggregation behind /report, /history and the weekly post: logged rows in, figures out. No I/O, no clock.
import { DateTime } from 'luxon';
import { type DownloadRecord, isOverQuota, unitsInWeek } from './downloads.ts';
import { nextWeekStart, weekStart } from './week.ts';

/** A logged playback session: from when it was first to when it was last seen (`stream_log`). */
export interface StreamSpan {
  start: Date;
  end: Date;
}

export interface DayFigures {
  /** Local day label in the community's zone, e.g. "Sun 22". */
  label: string;
  start: Date;
  end: Date;
  peakStreams: number;
  breaches: number;
}

/**
 * The most sessions seen at the same moment within [from, to). A session is taken to run from its first to its last
 * sighting, both included, so two sessions that touch at one poll count as simultaneous.
 */
export function peakSimultaneous(spans: readonly StreamSpan[], from: Date, to: Date): number {
  const events: Array<[number, 1 | -1]> = [];
  for (const s of spans) {
    const start = Math.max(s.start.getTime(), from.getTime());
    const end = Math.min(s.end.getTime(), to.getTime() - 1);
    if (start > end) continue;
    events.push([start, 1], [end, -1]);
  }
  // At one instant, starts before ends: the spans are closed.
  events.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) {
    now += delta;
    peak = Math.max(peak, now);
  }
  return peak;
}

/** Per local day (bounds from `weekDayBounds`): the peak of simultaneous streams and the breaches opened. */
export function dailyFigures(
  bounds: readonly Date[],
  zone: string,
  spans: readonly StreamSpan[],
  breachesOpenedAt: readonly Date[],
): DayFigures[] {
  const days: DayFigures[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] as Date;
    const end = bounds[i + 1] as Date;
    days.push({
      label: DateTime.fromJSDate(start, { zone }).toFormat('ccc d'),
      start,
      end,
      peakStreams: peakSimultaneous(spans, start, end),
      breaches: breachesOpenedAt.filter((t) => t >= start && t < end).length,
    });
  }
  return days;
}

export interface MemberDownloads {
  memberId: number;
  name: string;
  used: number;
  allotment: number;
}

/** The members who downloaded the most (at least one download), most first; ties by name. */
export function topDownloaders(list: readonly MemberDownloads[], limit = 15): MemberDownloads[] {
  return list
    .filter((m) => m.used > 0)
    .sort((a, b) => b.used - a.used || a.name.localeCompare(b.name))
    .slice(0, limit);
}

/** How full the allotment is; a member with no allotment who downloaded anything is infinitely over. */
export function allotmentShare(m: MemberDownloads): number {
  if (m.allotment === 0) return m.used > 0 ? Number.POSITIVE_INFINITY : 0;
  return m.used / m.allotment;
}

/** The members closest to or over their allotment (only those who downloaded), fullest first. */
export function closestToAllotment(list: readonly MemberDownloads[], limit = 3): MemberDownloads[] {
  return list
    .filter((m) => m.used > 0)
    .sort((a, b) => allotmentShare(b) - allotmentShare(a) || b.used - a.used || a.name.localeCompare(b.name))
    .slice(0, limit);
}

export const overAllotment = (m: MemberDownloads): boolean => isOverQuota(m.used, m.allotment);

export interface OutageSpan {
  server: string;
  startedAt: Date;
  /** Null while the server is still down. */
  endedAt: Date | null;
}

export interface ServerDowntime {
  server: string;
  downMs: number;
  outages: number;
}

/** Downtime per server within [from, to); an outage still open runs until `now` (or `to`, whichever is first). */
export function downtimeByServer(
  outages: readonly OutageSpan[],
  from: Date,
  to: Date,
  now: Date,
): ServerDowntime[] {
  const byServer = new Map<string, ServerDowntime>();
  const limit = Math.min(to.getTime(), now.getTime());
  for (const o of outages) {
    const start = Math.max(o.startedAt.getTime(), from.getTime());
    const end = Math.min(o.endedAt?.getTime() ?? limit, limit);
    if (end <= start) continue;
    const entry = byServer.get(o.server) ?? { server: o.server, downMs: 0, outages: 0 };
    entry.downMs += end - start;
    entry.outages += 1;
    byServer.set(o.server, entry);
  }
  return [...byServer.values()].sort((a, b) => b.downMs - a.downMs || a.server.localeCompare(b.server));
}

/** "2 h 05 min", "45 min", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} d`);
  if (hours > 0) parts.push(`${hours} h`);
  if (mins > 0 || parts.length === 0)
    parts.push(`${String(mins).padStart(days + hours > 0 ? 2 : 1, '0')} min`);
  return parts.join(' ');
}

/** The starts of the `count` weeks up to and including the one containing `now`, oldest first, plus its end. */
export function recentWeekBounds(now: Date, zone: string, count: number): Date[] {
  const bounds = [nextWeekStart(now, zone), weekStart(now, zone)];
  while (bounds.length < count + 1) {
    const earliest = bounds[bounds.length - 1] as Date;
    bounds.push(weekStart(new Date(earliest.getTime() - 1), zone));
  }
  return bounds.reverse();
}

export interface WeekHistory {
  weekStart: Date;
  weekEnd: Date;
  used: number;
  breaches: number;
}

/** Downloads counted (two-hour rule included) and breaches opened in each week between consecutive bounds. */
export function weeklyHistory(
  bounds: readonly Date[],
  downloads: readonly DownloadRecord[],
  breachesOpenedAt: readonly Date[],
): WeekHistory[] {
  const weeks: WeekHistory[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] as Date;
    const end = bounds[i + 1] as Date;
    weeks.push({
      weekStart: start,
      weekEnd: end,
      used: unitsInWeek([...downloads], start, end),
      breaches: breachesOpenedAt.filter((t) => t >= start && t < end).length,
    });
  }
  return weeks;
}
