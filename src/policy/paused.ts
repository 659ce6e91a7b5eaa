// How long a stream has been paused, and whether it is past its plan's limit. Pure: the pause starts come from
// live_sessions (`paused_since`, set by the first read that sees a session paused, cleared by one that sees it
// playing); the state itself is what the servers report (Plex `Player state="paused"`, Jellyfin/Emby
// `PlayState.IsPaused`). JBOPS (killstream/wait_kill_paused_notify.py) times a pause the same way: from the first
// sighting of `state == 'paused'` until a read shows it playing or buffering.

import type { PausedAction } from '../db/schema.ts';
import { type MemberStream, sessionRef } from './streams.ts';

/** A plan's paused-stream rule; a limit of 0 (or no plan) means no limit. */
export interface PausedRule {
  limitMinutes: number;
  action: PausedAction;
}

export const NO_PAUSED_RULE: PausedRule = { limitMinutes: 0, action: 'stop' };

/** Since when a stream is paused, when this read shows it paused and a pause start is known; else null. */
export function pausedSinceOf(ms: MemberStream, pausedSince: ReadonlyMap<string, Date>): Date | null {
  if (ms.stream.state !== 'paused') return null;
  return pausedSince.get(sessionRef(ms.serverId, ms.stream.key)) ?? null;
}

/** Whether a stream has been paused for longer than the rule's limit at `now` (never, without a limit). */
export function pausedTooLong(
  ms: MemberStream,
  rule: PausedRule,
  pausedSince: ReadonlyMap<string, Date>,
  now: Date,
): boolean {
  if (rule.limitMinutes <= 0) return false;
  const since = pausedSinceOf(ms, pausedSince);
  return since !== null && now.getTime() - since.getTime() > rule.limitMinutes * 60_000;
}

/**
 * The streams that count against the cap: those of members whose plan says `uncount` leave out the streams paused
 * longer than the plan's limit (they count again the moment a read shows them playing).
 */
export function withoutUncountedPauses(
  streams: readonly MemberStream[],
  ruleOf: (memberId: number) => PausedRule,
  pausedSince: ReadonlyMap<string, Date>,
  now: Date,
): MemberStream[] {
  return streams.filter((ms) => {
    const rule = ruleOf(ms.memberId);
    return rule.action !== 'uncount' || !pausedTooLong(ms, rule, pausedSince, now);
  });
}

/** The plan's rule in words, for /plan and /quota ("stopped after 20 min"); null without a limit. */
export function describePausedRule(rule: PausedRule): string | null {
  if (rule.limitMinutes <= 0) return null;
  return rule.action === 'uncount'
    ? `no longer counted after ${rule.limitMinutes} min`
    : `stopped after ${rule.limitMinutes} min`;
}
