// The messages about a stream stopped because its server was over its own limit (`/server limits`): on screen (the
// stop's reason) and the member's DM in the member's language, the admins' alert in English. Member-controlled
// text (names, titles, devices) goes through `safe`; mentions are off.
import type { LimitKind } from '../decide/server-limits.ts';
import { type Language, translator } from '../i18n/index.ts';
import { COLORS, clip, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface LimitNotice {
  memberName: string;
  /** The member's Discord id, for the alert's mention (rendered, never pinging: mentions are off). */
  discordUserId: string | null;
  server: string;
  device: string;
  title: string | null;
  kind: LimitKind;
  max: number;
  /** How many counted on the server when it was decided. */
  count: number;
  /** What happened: `stopped`, `would be stopped (dry run)`, `not stopped: …`, `stop failed: …`. */
  outcome: string;
}

/** The on-screen message sent with the stop (Plex shows it as the stop reason). */
export function limitOnScreen(kind: LimitKind, max: number, lang: Language) {
  const t = translator(lang);
  return {
    title: t('notices.serverLimit.onScreenTitle'),
    text:
      kind === 'streams'
        ? t('notices.serverLimit.onScreenStreams', { count: max })
        : t('notices.serverLimit.onScreenTranscodes', { count: max }),
  };
}

export function limitStopDm(n: LimitNotice, lang: Language): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: t('notices.serverLimit.dmTitle'),
        color: COLORS.warn,
        description: (() => {
          const values = {
            count: n.max,
            title: safe(clip(n.title ?? t('notices.line.unknownTitle'), 200)),
            device: safe(clip(n.device, 100)),
            server: safe(n.server),
          };
          return n.kind === 'streams'
            ? t('notices.serverLimit.dmStreams', values)
            : t('notices.serverLimit.dmTranscodes', values);
        })(),
      },
    ],
  };
}

export function limitStopAlert(n: LimitNotice, lang: Language = 'en'): NoticeMessage {
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  const limit = n.kind === 'streams' ? `${n.max} streams at once` : `${n.max} transcoded streams at once`;
  return {
    embeds: [
      {
        title: translator(lang)('notices.alert.serverLimit'),
        color: n.outcome === 'stopped' ? COLORS.info : COLORS.warn,
        description:
          `**${safe(n.server)}** had ${n.count} ${n.kind === 'streams' ? 'streams' : 'transcodes'} ` +
          `(limit ${limit}, \`/server limits\`). The newest one that may be stopped, ` +
          `${safe(clip(n.title ?? 'a stream', 200))} on ${safe(clip(n.device, 100))} by ${who}: ${safe(n.outcome)}.`,
      },
    ],
  };
}
