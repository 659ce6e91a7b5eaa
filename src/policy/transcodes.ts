// A plan's rule on converted (transcoded) video: what breaks it, in words. Pure.
//
// Only a converted VIDEO counts: that is what costs the server (an audio-only conversion is cheap and allowed,
// as Streams Manager and Tautulli's transcode rules treat it). "4K" is judged on the ORIGINAL file's height, not on
// what is sent (a 4K film converted to 1080p is still a 4K conversion): above 1440 pixels, so a 3840×1600
// scope film counts as 4K too.

import type { TranscodeRule } from '../db/schema.ts';
import type { StreamDelivery } from '../media/types.ts';

export interface TranscodeTerms {
  rule: TranscodeRule;
  /** Converted video streams allowed at once across servers; null: no cap. */
  cap: number | null;
}

export const NO_TRANSCODE_TERMS: TranscodeTerms = { rule: 'allow', cap: null };

/** The tallest original still below 4K (1440p); anything taller is converted as 4K. */
export const FOUR_K_ABOVE = 1440;

/** Why a stream breaks the plan: its 4K video is converted, any video is converted, or one too many is. */
export type TranscodeReason = 'no-4k' | 'none' | 'cap';

export const isVideoTranscode = (d: StreamDelivery | null | undefined): boolean =>
  d?.method === 'transcode' && d.videoTranscode;

/** Whether the plan forbids this converted video outright (the cap aside); a height not known is not 4K. */
export function ruleReason(
  terms: TranscodeTerms,
  d: StreamDelivery | null | undefined,
): TranscodeReason | null {
  if (!isVideoTranscode(d)) return null;
  if (terms.rule === 'none') return 'none';
  if (terms.rule === 'no-4k' && (d?.sourceHeight ?? 0) > FOUR_K_ABOVE) return 'no-4k';
  return null;
}

export const hasTranscodeRule = (t: TranscodeTerms) => t.rule !== 'allow' || t.cap !== null;

/** The rule in words for admins: "no 4K conversions, at most 2 at once", or null when it allows everything. */
export function describeTranscodeRule(t: TranscodeTerms): string | null {
  const parts: string[] = [];
  if (t.rule === 'none') parts.push('no conversions');
  if (t.rule === 'no-4k') parts.push('no 4K conversions');
  if (t.cap !== null && t.rule !== 'none') parts.push(`at most ${t.cap} converted at once`);
  return parts.length > 0 ? parts.join(', ') : null;
}

/** The reason shown on the player when the stream is stopped (Plex shows it as the stop's reason). */
export function transcodeOnScreen(
  reason: TranscodeReason,
  cap: number | null,
): { title: string; text: string } {
  if (reason === 'no-4k')
    return {
      title: '4K conversion',
      text: "4K can't be converted on this server: choose the 1080p version or a player that plays 4K.",
    };
  if (reason === 'none')
    return {
      title: 'No conversions',
      text: 'This plan does not include converted streams: choose a player that plays the original, or "Original" quality.',
    };
  return {
    title: 'Too many conversions',
    text:
      `Your plan allows ${cap ?? 0} converted stream${cap === 1 ? '' : 's'} at once: ` +
      'choose "Original" quality or a player that plays the file as it is.',
  };
}
