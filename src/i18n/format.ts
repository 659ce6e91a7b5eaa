// Dates, numbers and lists in a language, through Intl (Discord's <t:…> timestamps localise themselves).
import { DateTime } from 'luxon';
import type { Language } from './catalogues.ts';

/** "29 Nov", "29. Nov.", "29 nov.": a week's label in the history table and chart. */
export function dayMonth(lang: Language, d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).setLocale(lang).toFormat('d LLL');
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
