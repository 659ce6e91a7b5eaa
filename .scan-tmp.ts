import { DateTime } from 'luxon';
import { weekStart, nextWeekStart, weekKey } from './src/policy/week.ts';
const zones = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
let recent = 0, bad = 0;
for (const zone of zones) {
  let d = DateTime.utc(1970, 1, 4);
  const end = DateTime.utc(2030, 1, 1);
  while (d < end) {
    const c = DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone });
    const prev = DateTime.fromMillis(c.toMillis() - 1, { zone });
    const ok = c.day === d.day && c.month === d.month && (prev.day !== d.day);
    if (!ok && d.year >= 2010) { recent++; if (recent < 15) console.log('luxon', zone, d.toISODate(), c.toISO(), prev.toISO()); }
    // check ours: middle of week (Wed noon UTC)
    const now = new Date(d.toMillis() + 3.5 * 864e5);
    const s = weekStart(now, zone), n = nextWeekStart(now, zone);
    const ls = DateTime.fromJSDate(s, { zone }), lp = DateTime.fromMillis(s.getTime() - 1, { zone });
    if (!(s <= now && now < n) || ls.weekday !== 7 || lp.weekday === 7 || weekKey(now, zone) !== ls.toISODate()) {
      if (bad++ < 15) console.log('ours', zone, d.toISODate(), s.toISOString(), ls.toISO(), lp.toISO(), weekKey(now, zone));
    }
    d = d.plus({ days: 7 });
  }
}
console.log('recent luxon misses', recent, 'ours bad', bad);
