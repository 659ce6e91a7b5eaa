// The messages about a stream paused longer than its plan allows: on screen (the stop's reason) and the member's DM
// in the member's language, the admins' alert. Member-controlled text (names, titles, devices) goes through `safe`;
// mentions are off.
import { number } from '../i18n/format.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import { COLORS, clip, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface PausedNotice {
  memberName: string;
  /** The member's Discord id, for the alert's mention (rendered, never pinging: mentions are off). */
  discordUserId: string | null;
  planName: string;
  server: string;
  device: string;
  title: string | null;
  pausedSince: Date;
  limitMinutes: number;
  /** What happened: `stopped`, `would be stopped (dry run)`, `not stopped: …`, `stop failed: …`. */
  outcome: string;
}

/** The on-screen message sent with the stop (Plex shows it as the stop reason), in the member's language. */
export const pausedOnScreen = (limitMinutes: number, lang: Language = 'en') => {
  const t = translator(lang);
  return {
    title: t('notices.paused.onScreenTitle'),
    text: t('notices.paused.onScreen', { minutes: number(lang, limitMinutes) }),
  };
};

const what = (t: Translate, n: PausedNotice) =>
  t('notices.paused.what', {
    title: safe(clip(n.title ?? t('notices.paused.aStream'), 200)),
    device: safe(clip(n.device, 100)),
  });

export function pausedStopDm(n: PausedNotice, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: t('notices.paused.title'),
        color: COLORS.warn,
        description: t('notices.paused.description', {
          what: what(t, n),
          server: safe(n.server),
          since: discordTime(n.pausedSince, 't'),
          plan: safe(n.planName),
          minutes: number(lang, n.limitMinutes),
        }),
      },
    ],
  };
}

export function pausedStopAlert(n: PausedNotice, lang: Language = 'en'): NoticeMessage {
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  return {
    embeds: [
      {
        title: translator(lang)('notices.alert.paused'),
        color: n.outcome === 'stopped' ? COLORS.info : COLORS.warn,
        description:
          `${who} (${safe(n.planName)}): ${what(translator('en'), n)} on ${safe(n.server)}, paused since ` +
          `${discordTime(n.pausedSince, 'f')} (limit ${n.limitMinutes} min): ${safe(n.outcome)}.`,
      },
    ],
  };
}
