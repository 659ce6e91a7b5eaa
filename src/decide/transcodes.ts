// Decide: which streams break their plan's rule on converted (transcoded) video. Pure: no I/O, no clock.
//
// A breach is a property of one session (how the server delivers it), so each breach is its own small episode,
// keyed by the session, when it was first seen and the reason (`transcodeStopKey`): deciding it on every cycle
// queues it once, and Jellyfin/Emby reusing a session id for the next play makes a new one. Its states live on the
// outbox, like a long pause's (src/decide/paused.ts):
//
//   (none) ──breaks the rule──▶ stop due (at once, or with a grace at its end; the member is warned meanwhile)
//                                  └─due: re-read─▶ still breaking: stopped, then the DM and the alert, once
//                                                 └ sorted out (quality changed, ended): nothing more
//
// The cap counts the member's converted videos on every server (those counted from their last read included),
// the oldest first; the newest beyond the cap break it. Streams the rule forbids outright do not take a place.

import type { ActiveStream } from '../media/types.ts';
import { type MemberStream, sessionRef } from '../policy/streams.ts';
import {
  isVideoTranscode,
  ruleReason,
  type TranscodeReason,
  type TranscodeTerms,
} from '../policy/transcodes.ts';
import type { ServerActing } from './streams.ts';

export interface TranscodeDecisionInput {
  /** The cycle's streams matched to members (stopped sessions and exempt devices left out), every server. */
  streams: readonly MemberStream[];
  termsOf: (memberId: number) => TranscodeTerms;
  /** The plan's grace in seconds (0: stop at once). */
  graceOf: (memberId: number) => number;
  /** Servers read in this cycle: only their sessions are acted on (the others' are counted). */
  freshServers: ReadonlySet<number>;
  /** When the bot first saw each session (`serverId:key`). */
  firstSeen: ReadonlyMap<string, Date>;
  servers: ReadonlyMap<number, ServerActing>;
  dryRun: boolean;
  now: Date;
}

export interface TranscodeBreach {
  ref: string;
  memberId: number;
  serverId: number;
  stream: ActiveStream;
  reason: TranscodeReason;
  /** The cap in force (for the words of a `cap` breach). */
  cap: number | null;
  /** When the session was first seen: part of the breach's key. */
  since: Date;
}

export type TranscodeIntent =
  /** Stop at `dueAt` (now, or the end of the grace, when `warn`: the member is warned first). */
  | ({ type: 'transcode-stop'; dueAt: Date; warn: boolean } & TranscodeBreach)
  /** Not stopped (dry run, or a server that cannot stop streams): the admins are told once, with why. */
  | ({ type: 'transcode-note'; why: string } & TranscodeBreach);

/** The effect key of one breach: the session, when it was first seen, and the reason. */
export const transcodeStopKey = (b: Pick<TranscodeBreach, 'serverId' | 'stream' | 'since' | 'reason'>) =>
  `transcode-stop:${b.serverId}:${b.stream.key}:${b.since.getTime()}:${b.reason}`;

const startOf = (ms: MemberStream, firstSeen: ReadonlyMap<string, Date>, now: Date) =>
  ms.stream.startedAt ?? firstSeen.get(sessionRef(ms.serverId, ms.stream.key)) ?? now;

/** Each member's streams that break the rule, with the reason. */
function breaches(input: TranscodeDecisionInput): Array<{ ms: MemberStream; reason: TranscodeReason }> {
  const found: Array<{ ms: MemberStream; reason: TranscodeReason }> = [];
  const allowed = new Map<number, MemberStream[]>();
  for (const ms of input.streams) {
    if (!isVideoTranscode(ms.stream.delivery)) continue;
    const reason = ruleReason(input.termsOf(ms.memberId), ms.stream.delivery);
    if (reason) found.push({ ms, reason });
    else allowed.set(ms.memberId, [...(allowed.get(ms.memberId) ?? []), ms]);
  }
  for (const [memberId, list] of allowed) {
    const { cap } = input.termsOf(memberId);
    if (cap === null || list.length <= cap) continue;
    const ordered = [...list].sort(
      (a, b) =>
        startOf(a, input.firstSeen, input.now).getTime() - startOf(b, input.firstSeen, input.now).getTime() ||
        a.stream.key.localeCompare(b.stream.key),
    );
    for (const ms of ordered.slice(cap)) found.push({ ms, reason: 'cap' });
  }
  return found;
}

/** The streams that break their plan's transcode rule, on the servers read now: a stop (due), or a note. */
export function decideTranscodes(input: TranscodeDecisionInput): TranscodeIntent[] {
  const intents: TranscodeIntent[] = [];
  for (const { ms, reason } of breaches(input)) {
    if (!input.freshServers.has(ms.serverId)) continue;
    const ref = sessionRef(ms.serverId, ms.stream.key);
    const base: TranscodeBreach = {
      ref,
      memberId: ms.memberId,
      serverId: ms.serverId,
      stream: ms.stream,
      reason,
      cap: input.termsOf(ms.memberId).cap,
      since: input.firstSeen.get(ref) ?? ms.stream.startedAt ?? input.now,
    };
    const server = input.servers.get(ms.serverId);
    if (input.dryRun) intents.push({ type: 'transcode-note', ...base, why: 'would be stopped (dry run)' });
    else if (!server?.canStop)
      intents.push({
        type: 'transcode-note',
        ...base,
        why: `not stopped: ${server?.reason ?? 'this server cannot stop streams'}`,
      });
    else {
      const grace = input.graceOf(ms.memberId);
      intents.push({
        type: 'transcode-stop',
        ...base,
        dueAt: new Date(input.now.getTime() + grace * 1000),
        warn: grace > 0,
      });
    }
  }
  return intents;
}
