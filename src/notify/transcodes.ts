// The messages about a stream that breaks its plan's rule on converted (transcoded) video: the member's warning
// (with a grace) and DM after the stop, in the member's language (locales/<lang>/notices.json `transcodes`), and
// the admins' alert. The on-screen reason is policy/transcodes.ts
// `transcodeOnScreen`. Member-controlled text (names, titles, devices) goes through `safe`; mentions are off.
import { type Language, type Translate, translator } from '../i18n/index.ts';
import type { TranscodeReason } from '../policy/transcodes.ts';
import { COLORS, clip, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface TranscodeNotice {
  memberName: string;
  /** The member's Discord id, for the alert's mention (rendered, never pinging: mentions are off). */
  discordUserId: string | null;
  planName: string;
  server: string;
  device: string;
  title: string | null;
  reason: TranscodeReason;
  cap: number | null;
  /** Height of the original file, when known. */
  sourceHeight: number | null;
  /** What happened: `stopped`, `would be stopped (dry run)`, `not stopped: …`, `stop failed: …`. */
  outcome: string;
}

const what = (n: TranscodeNotice) =>
  `${safe(clip(n.title ?? 'a stream', 200))} on ${safe(clip(n.device, 100))}`;

/** Why, in a sentence the member can act on, in their language. */
function why(n: TranscodeNotice, t: Translate): string {
  const plan = safe(n.planName);
  if (n.reason === 'no-4k') return t('notices.transcodes.why.no4k', { plan });
  if (n.reason === 'none') return t('notices.transcodes.why.none', { plan });
  return t('notices.transcodes.why.cap', { plan, count: n.cap ?? 0 });
}

const values = (n: TranscodeNotice, t: Translate) => ({
  title: safe(clip(n.title ?? t('notices.transcodes.aStream'), 200)),
  device: safe(clip(n.device, 100)),
  server: safe(n.server),
  why: why(n, t),
});

export function transcodeWarningDm(n: TranscodeNotice, until: Date, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: t('notices.transcodes.warningTitle'),
        color: COLORS.warn,
        description: t('notices.transcodes.warning', { ...values(n, t), when: discordTime(until, 'R') }),
      },
    ],
  };
}

export function transcodeStopDm(n: TranscodeNotice, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: t('notices.transcodes.stopTitle'),
        color: COLORS.warn,
        description: t('notices.transcodes.stop', values(n, t)),
      },
    ],
  };
}

const ruleWords = (n: TranscodeNotice) =>
  n.reason === 'no-4k'
    ? `4K conversion${n.sourceHeight ? ` (original ${n.sourceHeight}p)` : ''}, not allowed`
    : n.reason === 'none'
      ? 'conversion, not allowed'
      : `over the transcode cap of ${n.cap ?? 0}`;

export function transcodeAlert(n: TranscodeNotice, lang: Language = 'en'): NoticeMessage {
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  return {
    embeds: [
      {
        title: translator(lang)('notices.alert.transcode'),
        color: n.outcome === 'stopped' ? COLORS.info : COLORS.warn,
        description: `${who} (${safe(n.planName)}): ${what(n)} on ${safe(n.server)}, ${ruleWords(n)}: ${safe(n.outcome)}.`,
      },
    ],
  };
}
