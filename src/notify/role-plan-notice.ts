// The DM a member gets when role sync changes their plan. Pure: built from stored names and numbers.
import type { Plan } from '../db/schema.ts';
import { COLORS, quoted } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

/** The plan's stream cap and download allotment, in the words of /quota. */
export const capAndAllotment = (p: Plan) =>
  `stream cap ${p.streamCap} (streams at once), ` +
  (p.downloadsAllowed ? `download allotment ${p.weeklyDownloads ?? 0} a week` : 'no downloads');

export function rolePlanDm(n: {
  guildName: string | null;
  plan: Plan | null;
  previous: Plan | null;
}): NoticeMessage {
  const where = n.guildName ? ` on ${quoted(n.guildName)}` : '';
  const description = n.plan
    ? `Your roles${where} now put you on ${quoted(n.plan.name)}: ${capAndAllotment(n.plan)}.` +
      (n.previous ? `\nBefore: ${quoted(n.previous.name)}.` : '')
    : `You no longer hold a role${where} that gives a plan, so you are no longer on ${n.previous ? quoted(n.previous.name) : 'a plan'}.` +
      '\nAsk an admin if you think this is a mistake.';
  return {
    embeds: [{ title: 'Your plan changed', description, color: n.plan ? COLORS.info : COLORS.warn }],
  };
}
