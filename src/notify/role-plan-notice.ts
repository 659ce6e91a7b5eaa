// The DM a member gets when role sync changes their plan, in the member's language. Pure: built from stored names
// and numbers.
import type { Plan } from '../db/schema.ts';
import { number } from '../i18n/format.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import { COLORS, quoted } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

/** The plan's stream cap and download allotment, in the words of /quota. */
export const capAndAllotment = (p: Plan, lang: Language = 'en') => {
  const t = translator(lang);
  return p.downloadsAllowed
    ? t('notices.plan.terms', {
        cap: number(lang, p.streamCap),
        allotment: number(lang, p.weeklyDownloads ?? 0),
      })
    : t('notices.plan.termsNoDownloads', { cap: number(lang, p.streamCap) });
};

/** " on “Server”", or nothing when the server's name is unknown. */
export const whereIn = (t: Translate, guildName: string | null) =>
  guildName ? t('notices.plan.where', { guild: quoted(guildName) }) : '';

export function rolePlanDm(
  n: { guildName: string | null; plan: Plan | null; previous: Plan | null },
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const where = whereIn(t, n.guildName);
  const description = n.plan
    ? t('notices.plan.roleNow', { where, plan: quoted(n.plan.name), terms: capAndAllotment(n.plan, lang) }) +
      (n.previous ? `\n${t('notices.plan.roleBefore', { plan: quoted(n.previous.name) })}` : '')
    : `${
        n.previous
          ? t('notices.plan.roleNone', { where, plan: quoted(n.previous.name) })
          : t('notices.plan.roleNoneUnnamed', { where })
      }\n${t('notices.plan.askAdmin')}`;
  return {
    embeds: [
      { title: t('notices.plan.changedTitle'), description, color: n.plan ? COLORS.info : COLORS.warn },
    ],
  };
}
