// Dates, numbers and lists in a language, through Intl (Discord's <t:…> timestamps localise themselves).
import { DateTime } from 'luxon';
import type { Language } from './catalogues.ts';

/** "29 Nov", "29. Nov.", "29 nov.": a week's label in the history table and chart. */
export function dayMonth(lang: Language, d: Date, zone: string): string {
  // English keeps the bot's day-first "29 Nov"; other languages take Intl's own order and abbreviations.
  if (lang === 'en') return DateTime.fromJSDate(d, { zone }).toFormat('d LLL');
  return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', timeZone: zone }).format(d);
}

export function list(lang: Language, items: readonly string[]): string {
  return new Intl.ListFormat(lang, { style: 'long', type: 'conjunction' }).format(items);
}

export function number(lang: Language, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}

/** A date and time for email (which has no Discord timestamps): "Sunday 7 December 2026 at 00:00 GMT+1". */
export function longDateTime(lang: Language, d: Date, zone: string): string {
  const at = DateTime.fromJSDate(d, { zone });
  if (lang === 'en') return at.toFormat("cccc d LLLL yyyy 'at' HH:mm ZZZZ");
  return at.setLocale(lang).toLocaleString({ ...DateTime.DATETIME_FULL, weekday: 'long' });
}

/** "Sun 15", "So., 15.", "dim. 15": a day's label in the weekly report (English keeps the bot's own short form). */
export function weekdayDay(lang: Language, d: Date, zone: string): string {
  if (lang === 'en') return DateTime.fromJSDate(d, { zone }).toFormat('ccc d');
  return new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', timeZone: zone }).format(d);
}

/** "Sun 15 Nov", "So., 15. Nov.", "dim. 15 nov.", with the year when asked: the weekly report's first and last day. */
export function weekdayDate(lang: Language, d: Date, zone: string, withYear = false): string {
  if (lang === 'en')
    return DateTime.fromJSDate(d, { zone }).toFormat(withYear ? 'ccc d LLL yyyy' : 'ccc d LLL');
  return new Intl.DateTimeFormat(lang, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' as const } : {}),
    timeZone: zone,
  }).format(d);
}
