// The notices of a member over their download allotment: the DM and the email in the member's language, the
// admins' alert in the community's. Pure builders: template text for the words, embeds for the structure.
import { longDateTime, number } from '../i18n/format.ts';
import { type Language, translator } from '../i18n/index.ts';
import { renderTemplate } from '../policy/templates.ts';
import { COLORS, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface QuotaNotice {
  memberName: string;
  planName: string;
  used: number;
  allotment: number;
  resetsAt: Date;
  /** Whether the member's downloads were switched off until the reset. */
  switchedOff: boolean;
  /** Whether downloads started beyond the allotment are cancelled until the reset (and not switched off). */
  cancelling?: boolean;
}

function quotaValues(n: QuotaNotice, lang: Language) {
  const t = translator(lang);
  return {
    member: safe(n.memberName),
    plan: safe(n.planName),
    allotment: number(lang, n.allotment),
    count: number(lang, n.used),
    resets: discordTime(n.resetsAt, 'R'),
    disabled: n.switchedOff
      ? t('notices.download.switchedOff', { relative: discordTime(n.resetsAt, 'R') })
      : n.cancelling
        ? t('notices.download.cancelling', { relative: discordTime(n.resetsAt, 'R') })
        : '',
  };
}

/** The DM, in the member's language (`template` is the owner's text or the shipped one in that language). */
export function quotaDm(template: string, n: QuotaNotice, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: t('notices.download.title'),
        color: COLORS.warn,
        description: renderTemplate(template, quotaValues(n, lang)),
        fields: [
          {
            name: t('notices.download.used'),
            value: t('notices.download.usedValue', {
              used: number(lang, n.used),
              allotment: number(lang, n.allotment),
            }),
            inline: true,
          },
          {
            name: t('notices.download.resets'),
            value: `${discordTime(n.resetsAt, 'f')} (${discordTime(n.resetsAt, 'R')})`,
            inline: true,
          },
          { name: t('notices.download.whatToDo'), value: t('notices.download.whatToDoValue') },
        ],
      },
    ],
  };
}

/** The email: no Discord timestamps, so the reset is written out in the community's zone and the member's language. */
export function quotaEmail(
  template: string,
  n: QuotaNotice,
  lang: Language,
  zone: string,
): { subject: string; text: string } {
  const t = translator(lang);
  const text = renderTemplate(template, {
    member: n.memberName,
    plan: n.planName,
    allotment: number(lang, n.allotment),
    count: number(lang, n.used),
    resets: longDateTime(lang, n.resetsAt, zone),
    disabled: n.switchedOff
      ? t('notices.download.switchedOffEmail')
      : n.cancelling
        ? t('notices.download.cancellingEmail')
        : '',
  });
  return { subject: t('notices.download.title'), text };
}

export function quotaAlert(
  template: string,
  n: QuotaNotice & {
    discordUserId: string;
    dmDelivery: string;
    switchNote: string | null;
    downloads: string[];
  },
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const fields = [
    { name: t('notices.alert.member'), value: `<@${n.discordUserId}> (${safe(n.memberName)})`, inline: true },
    {
      name: t('notices.alert.used'),
      value: t('notices.alert.usedValue', { used: String(n.used), allotment: String(n.allotment) }),
      inline: true,
    },
    { name: t('notices.alert.resets'), value: discordTime(n.resetsAt, 'R'), inline: true },
    { name: t('notices.alert.downloadsThisWeek'), value: n.downloads.join('\n') || '—' },
    { name: t('notices.alert.dm'), value: n.dmDelivery },
  ];
  if (n.switchNote) fields.push({ name: t('notices.alert.downloadsSwitch'), value: n.switchNote });
  return {
    embeds: [
      {
        title: t('notices.alert.downloadAllotment'),
        color: COLORS.warn,
        description: renderTemplate(template, quotaValues(n, 'en')),
        fields,
      },
    ],
  };
}
