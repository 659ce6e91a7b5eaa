// The messages about a stream that breaks its plan's rule on converted (transcoded) video: the member's warning
// (with a grace) and DM after the stop, and the admins' alert. The on-screen reason is policy/transcodes.ts
// `transcodeOnScreen`. Member-controlled text (names, titles, devices) goes through `safe`; mentions are off.
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

/** Why, in a sentence the member can act on. */
function why(n: TranscodeNotice): string {
  if (n.reason === 'no-4k')
    return (
      `Your plan **${safe(n.planName)}** does not let the server convert 4K. ` +
      'Choose the 1080p version, or a player that plays 4K as it is.'
    );
  if (n.reason === 'none')
    return (
      `Your plan **${safe(n.planName)}** does not include converted streams. ` +
      'Choose a player that plays the original, or set the quality to "Original".'
    );
  return (
    `Your plan **${safe(n.planName)}** allows ${n.cap ?? 0} converted stream${n.cap === 1 ? '' : 's'} at once. ` +
    'Set the quality to "Original" or use a player that plays the file as it is.'
  );
}

export function transcodeWarningDm(n: TranscodeNotice, until: Date): NoticeMessage {
  return {
    embeds: [
      {
        title: 'This stream is being converted',
        color: COLORS.warn,
        description:
          `The server is converting ${what(n)} (${safe(n.server)}). ${why(n)} ` +
          `Otherwise it will be stopped ${discordTime(until, 'R')}.`,
      },
    ],
  };
}

export function transcodeStopDm(n: TranscodeNotice): NoticeMessage {
  return {
    embeds: [
      {
        title: 'A converted stream was stopped',
        color: COLORS.warn,
        description: `The server was converting ${what(n)} (${safe(n.server)}), so it was stopped. ${why(n)}`,
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

export function transcodeAlert(n: TranscodeNotice): NoticeMessage {
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  return {
    embeds: [
      {
        title: 'Converted stream against the plan',
        color: n.outcome === 'stopped' ? COLORS.info : COLORS.warn,
        description: `${who} (${safe(n.planName)}): ${what(n)} on ${safe(n.server)}, ${ruleWords(n)}: ${safe(n.outcome)}.`,
      },
    ],
  };
}
