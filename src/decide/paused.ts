// Decide: which streams have been paused longer than their plan allows, for plans whose paused action is `stop`.
// Pure: no I/O, no clock. Each pause is its own episode: the effect key names the session and its pause start
// (`pausedStopKey`), so deciding it on every cycle queues it once, and a later pause of the same session (Jellyfin
// and Emby reuse session ids) is a new one. The act stage (src/act/paused.ts) stores the intents on the outbox.

import type { ActiveStream } from '../media/types.ts';
import { type PausedRule, pausedSinceOf, pausedTooLong } from '../policy/paused.ts';
import { type MemberStream, sessionRef } from '../policy/streams.ts';
import type { ServerActing } from './streams.ts';

export interface PausedDecisionInput {
  /** The cycle's streams matched to members (stopped sessions and exempt devices left out). */
  streams: readonly MemberStream[];
  ruleOf: (memberId: number) => PausedRule;
  /** Since when each paused session is paused (`serverId:key`). */
  pausedSince: ReadonlyMap<string, Date>;
  servers: ReadonlyMap<number, ServerActing>;
  dryRun: boolean;
  now: Date;
}

/** One stream paused past its plan's limit. */
interface PausedStream {
  ref: string;
  memberId: number;
  serverId: number;
  stream: ActiveStream;
  pausedSince: Date;
  limitMinutes: number;
}

export type PausedIntent =
  | ({ type: 'paused-stop' } & PausedStream)
  /** Not stopped (dry run, or a server that cannot stop streams): the admins are told once, with why. */
  | ({ type: 'paused-note'; why: string } & PausedStream);

/** The effect key of one pause's stop: the session and the pause's start. */
export const pausedStopKey = (serverId: number, sessionKey: string, pausedSince: Date) =>
  `paused-stop:${serverId}:${sessionKey}:${pausedSince.getTime()}`;

/** Streams paused longer than their plan's limit, under a `stop` plan: stopped, or a note that says why not. */
export function decidePaused(input: PausedDecisionInput): PausedIntent[] {
  const intents: PausedIntent[] = [];
  for (const ms of input.streams) {
    const rule = input.ruleOf(ms.memberId);
    if (rule.action !== 'stop' || !pausedTooLong(ms, rule, input.pausedSince, input.now)) continue;
    const pausedSince = pausedSinceOf(ms, input.pausedSince);
    if (!pausedSince) continue;
    const base = {
      ref: sessionRef(ms.serverId, ms.stream.key),
      memberId: ms.memberId,
      serverId: ms.serverId,
      stream: ms.stream,
      pausedSince,
      limitMinutes: rule.limitMinutes,
    };
    const server = input.servers.get(ms.serverId);
    if (input.dryRun) intents.push({ type: 'paused-note', ...base, why: 'would be stopped (dry run)' });
    else if (!server?.canStop)
      intents.push({
        type: 'paused-note',
        ...base,
        why: `not stopped: ${server?.reason ?? 'this server cannot stop streams'}`,
      });
    else intents.push({ type: 'paused-stop', ...base });
  }
  return intents;
}
