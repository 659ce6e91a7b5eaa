// The messages about a download cancelled over the allotment (`downloads-over-quota: cancel`): the member's DM, in
// their language, and the admins' alert. Titles, names and server names go through `safe`; mentions are off.
import type { Language } from '../i18n/index.ts';
import { translator } from '../i18n/index.ts';
import { COLORS, clip, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface CancelNotice {
  memberName: string;
  /** The member's Discord id, for the alert's mention (rendered, never pinging: mentions are off). */
  discordUserId: string;
  planName: string;
  server: string;
  title: string;
  used: number;
  allotment: number;
  resetsAt: Date;
}

/** How the cancel went: cancelled; the server could not cancel and downloads were switched off instead (with the
 *  switch's own note); or nothing was left to cancel. */
export type CancelOutcome =
  | { kind: 'cancelled' }
  | { kind: 'fallback'; why: string; switchNote: string }
  | { kind: 'gone' };

const values = (n: CancelNotice) => ({
  title: `**${safe(clip(n.title, 200))}**`,
  server: safe(n.server),
  used: n.used,
  allotment: n.allotment,
  resets: discordTime(n.resetsAt, 'R'),
});

export function cancelDm(n: CancelNotice, outcome: CancelOutcome, lang: Language): NoticeMessage {
  const t = translator(lang);
  const fallback = outcome.kind === 'fallback';
  return {
    embeds: [
      {
        title: fallback ? t('notices.downloadCancel.fallbackTitle') : t('notices.downloadCancel.title'),
        color: COLORS.warn,
        description: fallback
          ? t('notices.downloadCancel.fallback', values(n))
          : t('notices.downloadCancel.body', values(n)),
      },
    ],
  };
}

export function cancelAlert(n: CancelNotice, outcome: CancelOutcome, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  const what = `${values(n).title} on ${safe(n.server)}`;
  const result =
    outcome.kind === 'cancelled'
      ? `${what} was cancelled (the server no longer lists it).`
      : outcome.kind === 'fallback'
        ? `${what} could not be cancelled (${safe(outcome.why)}), so downloads were switched off instead: ${outcome.switchNote}.`
        : `${what} had already finished or was gone: nothing was cancelled.`;
  return {
    embeds: [
      {
        title:
          outcome.kind === 'fallback'
            ? t('notices.alert.downloadNotCancelled')
            : t('notices.alert.downloadCancelled'),
        color: outcome.kind === 'cancelled' ? COLORS.info : COLORS.warn,
        description:
          `<@${n.discordUserId}> (${safe(n.planName)}, ${n.used} of ${n.allotment} this week): ${result}\n` +
          `Plan rule: \`downloads-over-quota: cancel\`.`,
      },
    ],
  };
}
