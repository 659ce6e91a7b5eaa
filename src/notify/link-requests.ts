// The messages of a `/link` that would replace an admin's link: the alert the admins decide on (Approve/Refuse
// buttons), the same alert once decided, and the member's DM about the decision. Pure.

import { type Language, translator } from '../i18n/index.ts';
import { COLORS, clip, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface LinkRequestView {
  id: number;
  memberDiscordId: string;
  memberName: string;
  server: string;
  /** The account the member signed in with. */
  account: string;
  /** The admin-made link it would replace. */
  previous: string;
  via: string;
}

export type LinkDecision = { approved: boolean; by: string };

const PREFIX = 'sw-link';

/** The custom_id of an Approve/Refuse button (Discord allows 100 characters). */
export const linkRequestButtonId = (id: number, approve: boolean) =>
  `${PREFIX}|${id}|${approve ? 'approve' : 'refuse'}`;

export function parseLinkRequestButtonId(customId: string): { id: number; approve: boolean } | null {
  const m = /^sw-link\|(\d{1,12})\|(approve|refuse)$/.exec(customId);
  return m ? { id: Number(m[1]), approve: m[2] === 'approve' } : null;
}

const name = (text: string) => `**${safe(clip(text, 100))}**`;

/** The alert: who asks, on which server, which account replaces which, and the buttons (admins only). */
export function linkRequestAlert(r: LinkRequestView, decision: LinkDecision | null = null): NoticeMessage {
  const who = `<@${r.memberDiscordId}> (${safe(clip(r.memberName, 100))})`;
  const lines = [
    `${who} signed in on ${name(r.server)} as ${name(r.account)} (${r.via}) and asks to replace ${name(r.previous)}, which an admin linked.`,
  ];
  if (!decision) {
    lines.push(
      '',
      `Until an admin approves, ${name(r.previous)} stays linked and its streams count against their plan. If ${name(r.account)} is not theirs, refuse.`,
    );
  } else if (decision.approved) {
    lines.push('', `Approved by <@${decision.by}>: they are now linked to ${name(r.account)}.`);
  } else {
    lines.push('', `Refused by <@${decision.by}>: ${name(r.previous)} stays linked.`);
  }
  const components = decision
    ? []
    : [
        {
          type: 1 as const,
          components: [
            {
              type: 2 as const,
              style: 3 as const,
              label: 'Approve',
              custom_id: linkRequestButtonId(r.id, true),
            },
            {
              type: 2 as const,
              style: 4 as const,
              label: 'Refuse',
              custom_id: linkRequestButtonId(r.id, false),
            },
          ],
        },
      ];
  return {
    embeds: [
      {
        title: decision
          ? decision.approved
            ? 'Link change approved'
            : 'Link change refused'
          : 'Link change to approve',
        description: lines.join('\n'),
        color: decision ? (decision.approved ? COLORS.ok : COLORS.bad) : COLORS.warn,
      },
    ],
    components,
  };
}

/** The member's DM once an admin decided, in the member's language. */
export function linkDecisionDm(r: LinkRequestView, approved: boolean, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: approved ? t('notices.linkDecision.approvedTitle') : t('notices.linkDecision.refusedTitle'),
        description: approved
          ? t('notices.linkDecision.approved', { account: name(r.account), server: name(r.server) })
          : t('notices.linkDecision.refused', { account: name(r.previous), server: name(r.server) }),
        color: approved ? COLORS.ok : COLORS.bad,
      },
    ],
  };
}
