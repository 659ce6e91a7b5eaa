// Decide: what to do about one member's streams, as intents. Pure: no I/O, no clock, no Discord. The act stage
// (src/act/episodes.ts) writes the intents to the outbox in the same transaction as the episode they belong to.
//
// A breach episode is a small state machine, persisted in `breach_episodes`:
//
//   (none) ──over the cap──▶ open ──stops settled──▶ enforced ──back within the cap──▶ resolved
//                             │                         ▲
//                             └─a stop refused/ignored─▶ stop-failed ──back within the cap──▶ resolved
//
// `open`: the stops are decided and queued, the notices not yet (they wait for the stops' outcomes, so the DM and
// the alert say what happened). Notices go out once per episode (`notified_at`), also when the episode was
// resolved before they were queued. An episode is never resolved on the strength of a failed read.
import type { EpisodeLine, EpisodeState } from '../db/schema.ts';
import type { ActiveStream } from '../media/types.ts';
import { countStreams, type MemberStream, sessionRef } from '../policy/streams.ts';

export interface EpisodeView {
  id: number;
  state: EpisodeState;
  /** `serverId:sessionKey` of every session a stop was decided for in this episode. */
  stopAttempts: readonly string[];
}

/** Whether the bot may stop streams on a server, and why not. */
export interface ServerActing {
  canStop: boolean;
  reason: string | null;
}

export interface MemberDecisionInput {
  memberId: number;
  /** The plan's stream cap; null (no plan) is never enforced. */
  cap: number | null;
  planName: string;
  /** The member's streams on a fresh read, sessions the bot already stopped left out. */
  streams: readonly MemberStream[];
  /** False when a server the member is linked on could not be read: then nothing is resolved. */
  readComplete: boolean;
  episode: EpisodeView | null;
  servers: ReadonlyMap<number, ServerActing>;
  dryRun: boolean;
  /** When the bot first saw a session (`serverId:key`), for sessions whose platform gives no start time. */
  firstSeen: ReadonlyMap<string, Date>;
}

export interface StopIntent {
  type: 'stop';
  ref: string;
  serverId: number;
  stream: ActiveStream;
}

export type Intent =
  | {
      type: 'open-episode';
      count: number;
      cap: number;
      planName: string;
      dryRun: boolean;
      lines: EpisodeLine[];
    }
  | { type: 'add-lines'; episodeId: number; lines: EpisodeLine[] }
  | StopIntent
  | { type: 'resolve-episode'; episodeId: number };

/** The effect key of a stop: unique per episode and session, so deciding it twice queues it once. */
export const stopEffectKey = (episodeId: number, ref: string) => `stop:${episodeId}:${ref}`;

/** The session a line is about, `serverId:sessionKey`: the key of its stop outcome. */
export const lineRef = (l: EpisodeLine) => sessionRef(l.serverId, l.sessionKey);

function line(
  ms: MemberStream,
  firstSeen: ReadonlyMap<string, Date>,
  action: EpisodeLine['action'],
): EpisodeLine {
  const ref = sessionRef(ms.serverId, ms.stream.key);
  const started = ms.stream.startedAt ?? firstSeen.get(ref) ?? null;
  return {
    serverId: ms.serverId,
    sessionKey: ms.stream.key,
    server: ms.serverName,
    device: ms.stream.device,
    ipAddress: ms.stream.ipAddress,
    title: ms.stream.title,
    state: ms.stream.state ?? 'unknown',
    startedAt: started ? started.toISOString() : null,
    action,
  };
}

/**
 * One member's decision. Over the cap: open an episode (or keep the open one) and stop every stream not stopped
 * yet in this episode, unless dry run is on or the server cannot stop streams (those lines say why). Within the
 * cap, with every server read: resolve the open episode. Otherwise nothing.
 */
export function decideMember(input: MemberDecisionInput): Intent[] {
  const counted = countStreams([...input.streams]).get(input.memberId)?.length ?? 0;
  const over = input.cap !== null && counted > input.cap;
  const { episode } = input;
  if (!over) {
    return episode && input.readComplete ? [{ type: 'resolve-episode', episodeId: episode.id }] : [];
  }
  const attempted = new Set(episode?.stopAttempts ?? []);
  const intents: Intent[] = [];
  const lines: EpisodeLine[] = [];
  for (const ms of input.streams) {
    if (ms.memberId !== input.memberId) continue;
    const ref = sessionRef(ms.serverId, ms.stream.key);
    if (attempted.has(ref)) continue;
    const server = input.servers.get(ms.serverId);
    let action: EpisodeLine['action'];
    if (input.dryRun) action = { kind: 'fixed', text: 'would be stopped (dry run)' };
    else if (!server?.canStop)
      action = { kind: 'fixed', text: `not stopped: ${server?.reason ?? 'this server cannot stop streams'}` };
    else {
      action = { kind: 'stop' };
      intents.push({ type: 'stop', ref, serverId: ms.serverId, stream: ms.stream });
    }
    lines.push(line(ms, input.firstSeen, action));
  }
  if (!episode) {
    return [
      {
        type: 'open-episode',
        count: counted,
        cap: input.cap ?? 0,
        planName: input.planName,
        dryRun: input.dryRun,
        lines,
      },
      ...intents,
    ];
  }
  // A stream that started during the episode is stopped too, without a second DM: the member was told already.
  return lines.length > 0 ? [{ type: 'add-lines', episodeId: episode.id, lines }, ...intents] : [];
}

/** A stop effect's outcome as the outbox holds it, keyed by the line's session (`lineRef`). */
export interface StopOutcome {
  /** `pending` until the first attempt finished; `retrying` after a failed attempt that will be retried. */
  status: 'pending' | 'retrying' | 'done' | 'failed';
  /** The executor's result: `{ outcome, text }`. */
  result: { outcome?: string; text?: string } | null;
  lastError: string | null;
}

export interface StopWords {
  text: string;
  /** True when the stop did not take effect (refused, failed, ignored). */
  failed: boolean;
}

/** What a line says happened, from its fixed words or its stop effect's outcome. */
export function lineAction(l: EpisodeLine, outcomes: ReadonlyMap<string, StopOutcome>): StopWords {
  if (l.action.kind === 'fixed') return { text: l.action.text, failed: false };
  const o = outcomes.get(lineRef(l));
  if (!o || o.status === 'pending') return { text: 'stop requested', failed: false };
  if (o.status === 'retrying')
    return { text: `stop failed (${o.lastError ?? 'error'}); retrying`, failed: true };
  if (o.status === 'failed') return { text: `stop failed: ${o.lastError ?? 'unknown reason'}`, failed: true };
  const outcome = o.result?.outcome ?? 'stopped';
  return { text: o.result?.text ?? outcome, failed: outcome === 'refused' || outcome === 'ignored' };
}

/**
 * Whether an open episode's notices can go out: once every stop has had its first attempt (a stop that keeps
 * failing is reported as failing rather than holding the notices back). Returns the state the episode moves to.
 */
export function decideNotices(
  episode: { state: EpisodeState; lines: readonly EpisodeLine[]; notified: boolean },
  outcomes: ReadonlyMap<string, StopOutcome>,
): { ready: false } | { ready: true; state: EpisodeState } {
  if (episode.notified) return { ready: false };
  const waiting = episode.lines.some((l) => {
    const o = outcomes.get(lineRef(l));
    return l.action.kind === 'stop' && (!o || o.status === 'pending');
  });
  if (waiting) return { ready: false };
  // An episode resolved before its notices went out (its first stop already brought the member back within the
  // cap) still gets them: the member was stopped and is told why. It stays resolved.
  if (episode.state === 'resolved') return { ready: true, state: 'resolved' };
  const failed = episode.lines.some((l) => lineAction(l, outcomes).failed);
  return { ready: true, state: failed ? 'stop-failed' : 'enforced' };
}
