// The DMs of a plan that ends (`/user plan … until:`): the reminder three days before, and the fall-back on the day.
// Pure: built from stored names and numbers.
import type { Plan } from '../db/schema.ts';
import { COLORS, discordTime, quoted } from './format.ts';
import type { NoticeMessage } from './notifier.ts';
import { capAndAllotment } from './role-plan-notice.ts';

const on = (guildName: string | null) => (guildName ? ` on ${quoted(guildName)}` : '');

export function planEndingDm(n: {
  guildName: string | null;
  plan: Plan | null;
  endsAt: Date;
}): NoticeMessage {
  const plan = n.plan ? `Your plan ${quoted(n.plan.name)}` : 'Your plan';
  return {
    embeds: [
      {
        title: 'Your plan ends soon',
        description:
          `${plan}${on(n.guildName)} ends ${discordTime(n.endsAt, 'R')} (${discordTime(n.endsAt, 'f')}). ` +
          'From then on your roles decide your plan, or you have none.\nAsk an admin if you would like to keep it.',
        color: COLORS.warn,
      },
    ],
  };
}

export function planEndedDm(n: {
  guildName: string | null;
  previous: Plan | null;
  plan: Plan | null;
}): NoticeMessage {
  const ended = `Your plan${n.previous ? ` ${quoted(n.previous.name)}` : ''}${on(n.guildName)} has ended.`;
  const description = n.plan
    ? `${ended}\nYour roles now put you on ${quoted(n.plan.name)}: ${capAndAllotment(n.plan)}.`
    : `${ended}\nNone of your roles gives a plan, so you are on no plan now.\nAsk an admin if you think this is a mistake.`;
  return { embeds: [{ title: 'Your plan changed', description, color: n.plan ? COLORS.info : COLORS.warn }] };
}
