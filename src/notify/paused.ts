// The messages about a stream paused longer than its plan allows: on screen (the stop's reason), the member's DM
// and the admins' alert. Member-controlled text (names, titles, devices) goes through `safe`; mentions are off.
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

/** The on-screen message sent with the stop (Plex shows it as the stop reason). */
export const pausedOnScreen = (limitMinutes: number) => ({
  title: 'Paused too long',
  text: `This stream was paused for more than ${limitMinutes} min, so it was stopped. Start it again whenever you like.`,
});

const what = (n: PausedNotice) => `${safe(clip(n.title ?? 'a stream', 200))} on ${safe(clip(n.device, 100))}`;

export function pausedStopDm(n: PausedNotice): NoticeMessage {
  return {
    embeds: [
      {
        title: 'A paused stream was stopped',
        color: COLORS.warn,
        description:
          `${what(n)} (${safe(n.server)}) was paused since ${discordTime(n.pausedSince, 't')}. ` +
          `Your plan **${safe(n.planName)}** stops a stream paused for more than ${n.limitMinutes} min, ` +
          'so it does not hold a place that others could use. You can start it again at any time.',
      },
    ],
  };
}

export function pausedStopAlert(n: PausedNotice): NoticeMessage {
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  return {
    embeds: [
      {
        title: 'Paused stream over the limit',
        color: n.outcome === 'stopped' ? COLORS.info : COLORS.warn,
        description:
          `${who} (${safe(n.planName)}): ${what(n)} on ${safe(n.server)}, paused since ` +
          `${discordTime(n.pausedSince, 'f')} (limit ${n.limitMinutes} min): ${safe(n.outcome)}.`,
      },
    ],
  };
}
