// The DMs of a plan that ends (`/user plan … until:`): the reminder three days before, and the fall-back on the day,
// in the member's language. Pure: built from stored names and numbers.
import type { Plan } from '../db/schema.ts';
import { type Language, translator } from '../i18n/index.ts';
import { COLORS, discordTime, quoted } from './format.ts';
import type { NoticeMessage } from './notifier.ts';
import { capAndAllotment, whereIn } from './role-plan-notice.ts';

export function planEndingDm(
  n: { guildName: string | null; plan: Plan | null; endsAt: Date },
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const values = {
    where: whereIn(t, n.guildName),
    relative: discordTime(n.endsAt, 'R'),
    date: discordTime(n.endsAt, 'f'),
  };
  return {
    embeds: [
      {
        title: t('notices.plan.endingTitle'),
        description: n.plan
          ? t('notices.plan.ending', { ...values, plan: quoted(n.plan.name) })
          : t('notices.plan.endingUnnamed', values),
        color: COLORS.warn,
      },
    ],
  };
}

export function planEndedDm(
  n: { guildName: string | null; previous: Plan | null; plan: Plan | null },
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const where = whereIn(t, n.guildName);
  const ended = n.previous
    ? t('notices.plan.ended', { where, plan: quoted(n.previous.name) })
    : t('notices.plan.endedUnnamed', { where });
  const description = n.plan
    ? `${ended}\n${t('notices.plan.endedNew', { plan: quoted(n.plan.name), terms: capAndAllotment(n.plan, lang) })}`
    : `${ended}\n${t('notices.plan.endedNone')}\n${t('notices.plan.askAdmin')}`;
  return {
    embeds: [
      { title: t('notices.plan.changedTitle'), description, color: n.plan ? COLORS.info : COLORS.warn },
    ],
  };
}
