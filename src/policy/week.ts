// Sunday–Saturday weeks in a configurable IANA time zone (download quotas reset on Sunday, as in
// Streams Manager). Pure: the instant and the zone come in, instants come out; the host zone is never used.
//
// Rules (offline-testing-notes §5):
// - A week is the half-open range [weekStart, nextWeekStart).
// - Weeks are found with calendar-date arithmetic (Sunday = local date − weekday days, next = +7 calendar
//   days), then each Sunday is resolved to its first instant. Never add 7×24 h: DST weeks last 167 h or 169 h.
// - When local midnight does not exist (America/Santiago springs forward 00:00 → 01:00), the week starts at
//   the first valid local time of that Sunday.

import { DateTime, IANAZone } from 'luxon';

const MS_PER_HOUR = 60 * 60 * 1000;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

// Checking a zone builds an Intl.DateTimeFormat (tens of µs); the answer never changes within a process.
const knownZones = new Set<string>();

/** True when `zone` is an IANA zone name the runtime knows (e.g. 'Europe/Berlin', 'UTC'). */
export function isValidTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  const valid = typeof zone === 'string' && zone.trim() !== '' && IANAZone.isValidZone(zone);
  if (valid) knownZones.add(zone);
  return valid;
}

/** Throws a RangeError naming the zone when it is not a known IANA zone. Call it once at start-up. */
export function assertTimeZone(zone: string): void {
  if (!isValidTimeZone(zone)) {
    throw new RangeError(`Unknown time zone "${zone}": use an IANA name such as "Europe/Berlin" or "UTC"`);
  }
}

/** The first instant of the Sunday–Saturday week that contains `now`, in `zone`. */
export function weekStart(now: Date, zone: string): Date {
  return startOfLocalDay(sundayOf(now, zone), zone);
}

/** The first instant of the week after the one that contains `now` (the end of the half-open week). */
export function nextWeekStart(now: Date, zone: string): Date {
  return startOfLocalDay(addDays(sundayOf(now, zone), 7), zone);
}

/** The local date ('YYYY-MM-DD') of the Sunday that starts the week containing `now`: a stable week id. */
export function weekKey(now: Date, zone: string): string {
  return dateKey(sundayOf(now, zone));
}

/** Local calendar date of the Sunday on or before `now`'s local date. */
function sundayOf(now: Date, zone: string): LocalDate {
  assertTimeZone(zone);
  if (Number.isNaN(now.getTime())) throw new RangeError('Invalid date passed as "now"');
  const local = DateTime.fromJSDate(now, { zone });
  // luxon weekday: Monday = 1 … Sunday = 7, so `weekday % 7` is the number of days since Sunday.
  return addDays({ year: local.year, month: local.month, day: local.day }, -(local.weekday % 7));
}

/** Calendar arithmetic on a date with no zone (done in UTC, where every day is 24 h). */
function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = DateTime.utc(date.year, date.month, date.day).plus({ days });
  return { year: shifted.year, month: shifted.month, day: shifted.day };
}

/** -1, 0 or 1 as the local date of `instant` in `zone` is before, on or after `date`. */
function compareLocalDate(instant: number, zone: string, date: LocalDate): number {
  const local = DateTime.fromMillis(instant, { zone });
  const a = local.year * 10000 + local.month * 100 + local.day;
  const b = date.year * 10000 + date.month * 100 + date.day;
  return Math.sign(a - b);
}

/**
 * The first instant whose local date in `zone` is `date` or later. Luxon resolves a local midnight in a DST gap
 * by moving it forward by the gap (Santiago: 01:00, the first valid time), but an ambiguous midnight resolves to
 * its SECOND occurrence: America/Havana falls back 01:00 → 00:00 on a Sunday, so Sunday 00:00 happens twice and
 * the week must start at the first. Hence the check, and a search when the candidate is not the day's first
 * instant (also exact for historic odd gaps and for days a zone skipped, where the next day's start is returned).
 */
function startOfLocalDay(date: LocalDate, zone: string): Date {
  const candidate = DateTime.fromObject({ ...date, hour: 0 }, { zone }).toMillis();
  const isFirst =
    compareLocalDate(candidate, zone, date) >= 0 && compareLocalDate(candidate - 1, zone, date) < 0;
  if (isFirst) return new Date(candidate);
  return new Date(searchFirstInstant(date, zone, candidate - 48 * MS_PER_HOUR, candidate + 48 * MS_PER_HOUR));
}

/** Binary search for the first instant in (lo, hi] whose local date is on or after `date`. */
function searchFirstInstant(date: LocalDate, zone: string, lo: number, hi: number): number {
  let before = lo;
  let after = hi;
  while (after - before > 1) {
    const mid = before + Math.floor((after - before) / 2);
    if (compareLocalDate(mid, zone, date) >= 0) after = mid;
    else before = mid;
  }
  return after;
}

/**
 * The 8 instants that bound the 7 local days of the week containing `now`: Sunday 00:00 … the next Sunday 00:00.
 * Days are calendar days in `zone`, so a day with a DST change lasts 23 or 25 hours.
 */
export function weekDayBounds(now: Date, zone: string): Date[] {
  const sunday = sundayOf(now, zone);
  return Array.from({ length: 8 }, (_, i) => startOfLocalDay(addDays(sunday, i), zone));
}

/** The local date ('YYYY-MM-DD') of `now` in `zone`. */
export function localDateKey(now: Date, zone: string): string {
  assertTimeZone(zone);
  const local = DateTime.fromJSDate(now, { zone });
  return dateKey({ year: local.year, month: local.month, day: local.day });
}

/** The first instant of the local date `key` ('YYYY-MM-DD', a real calendar date) in `zone`. */
export function localDayStart(key: string, zone: string): Date {
  assertTimeZone(zone);
  const date = parseDateKey(key);
  if (!date) throw new RangeError(`Not a calendar date: "${key}"`);
  return startOfLocalDay(date, zone);
}

/** `key` moved by whole calendar days (negative: earlier). */
export function addDaysToKey(key: string, days: number): string {
  const date = parseDateKey(key);
  if (!date) throw new RangeError(`Not a calendar date: "${key}"`);
  return dateKey(addDays(date, days));
}

/** A 'YYYY-MM-DD' string that names a real calendar date (no 2027-02-30), or null. */
export function parseDateKey(key: string): LocalDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = DateTime.utc(year, month, day);
  return d.isValid && d.year === year && d.month === month && d.day === day ? { year, month, day } : null;
}

const dateKey = ({ year, month, day }: LocalDate) =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
