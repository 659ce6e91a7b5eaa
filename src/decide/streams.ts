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
import type { EpisodeLine, EpisodeState, StopRule } from '../db/schema.ts';
import type { ActiveStream } from '../media/types.ts';
import { englishWords, type ReadWords, stopWordsOf } from '../policy/stop-words.ts';
import { type CountBy, type MemberStream, sessionRef, streamUnits, unitStart } from '../policy/streams.ts';

export interface EpisodeView {
  id: number;
  state: EpisodeState;
  /** In `grace`: when the stop rule applies. */
  graceUntil?: Date | null;
  /** The stop rule the episode opened with. */
  stopRule?: StopRule;
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
  /** How the plan handles a breach (default: no grace, stop all, count every stream). */
  rules?: BreachRules;
  /** The decision's time (grace deadlines). */
  now?: Date;
}

export interface BreachRules {
  graceSeconds: number;
  stopRule: StopRule;
  countBy: CountBy;
}

export const DEFAULT_RULES: BreachRules = { graceSeconds: 0, stopRule: 'all', countBy: 'streams' };

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
      /** The plan's stop rule, kept by the episode: a stream started later in it is stopped by the same rule. */
      stopRule: StopRule;
      /** With a grace period: the episode opens in `grace` until then, and the member is warned. */
      grace?: { until: Date };
    }
  | { type: 'add-lines'; episodeId: number; lines: EpisodeLine[] }
  | { type: 'end-grace'; episodeId: number; count: number; lines: EpisodeLine[] }
  | StopIntent
  | { type: 'resolve-episode'; episodeId: number; quietly: boolean };

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
    deviceId: ms.stream.deviceId,
    accountId: ms.stream.accountId,
    accountName: ms.stream.accountName,
    ipAddress: ms.stream.ipAddress,
    title: ms.stream.title,
    state: ms.stream.state ?? 'unknown',
    startedAt: started ? started.toISOString() : null,
    action,
  };
}

/**
 * The streams to stop under the plan's rule: `all` stops every stream not stopped yet in this episode; `newest`
 * stops only the newest units (a device, or with `locations` a household) as needed to get back within the cap.
 * A unit whose stop was already attempted still counts towards what is needed (nothing more can be done to it).
 */
function selectStops(
  units: MemberStream[][],
  cap: number,
  rule: StopRule,
  firstSeen: ReadonlyMap<string, Date>,
): Set<MemberStream> {
  if (rule === 'all') return new Set(units.flat());
  const need = Math.max(0, units.length - cap);
  // Newest first; a unit with no known start counts as the newest (it was just seen).
  const ordered = [...units].sort(
    (x, y) =>
      (unitStart(y, firstSeen) ?? Number.POSITIVE_INFINITY) -
      (unitStart(x, firstSeen) ?? Number.POSITIVE_INFINITY),
  );
  return new Set(ordered.slice(0, need).flat());
}

/**
 * One member's decision.
 * - Over the cap with no episode: with a grace period, open an episode in `grace` and warn the member (nothing is
 *   stopped); without one, open it and stop what the plan's rule says.
 * - In `grace`: nothing until the deadline; at the deadline, on this (fresh) read, still over: stop by the rule (a
 *   stream that ended meanwhile is not in the read, so it is never "stopped").
 * - An episode past grace, still over: stop streams started since, by the rule, without a second DM.
 * - Within the cap, every server read: resolve (quietly when the member sorted it out during the grace).
 * Dry run and servers that cannot stop streams turn a stop into a line that says so.
 */
export function decideMember(input: MemberDecisionInput): Intent[] {
  const rules = input.rules ?? DEFAULT_RULES;
  const mine = input.streams.filter((s) => s.memberId === input.memberId);
  const seen = input.now ? { now: input.now, firstSeen: input.firstSeen } : undefined;
  const units = streamUnits(mine, () => rules.countBy, seen).get(input.memberId) ?? [];
  const counted = units.length;
  const over = input.cap !== null && counted > input.cap;
  const { episode } = input;
  if (!over) {
    if (!episode || !input.readComplete) return [];
    return [{ type: 'resolve-episode', episodeId: episode.id, quietly: episode.state === 'grace' }];
  }
  const cap = input.cap ?? 0;
  const now = input.now ?? new Date(0);
  if (!episode && rules.graceSeconds > 0) {
    const lines = mine.map((ms) => line(ms, input.firstSeen, { kind: 'fixed', code: 'warned' }));
    return [
      {
        type: 'open-episode',
        count: counted,
        cap,
        planName: input.planName,
        dryRun: input.dryRun,
        lines,
        stopRule: rules.stopRule,
        grace: { until: new Date(now.getTime() + rules.graceSeconds * 1000) },
      },
    ];
  }
  if (episode?.state === 'grace' && episode.graceUntil && now < episode.graceUntil) return [];
  const attempted = new Set(episode?.stopAttempts ?? []);
  const toStop = selectStops(units, cap, episode?.stopRule ?? rules.stopRule, input.firstSeen);
  const intents: Intent[] = [];
  const lines: EpisodeLine[] = [];
  for (const ms of mine) {
    const ref = sessionRef(ms.serverId, ms.stream.key);
    if (attempted.has(ref)) {
      // At the end of a grace, a stream the member stopped with a button keeps its line.
      continue;
    }
    const server = input.servers.get(ms.serverId);
    let action: EpisodeLine['action'];
    if (!toStop.has(ms)) action = { kind: 'fixed', code: 'kept' };
    else if (input.dryRun) action = { kind: 'fixed', code: 'dry-run' };
    else if (!server?.canStop)
      action = { kind: 'fixed', code: 'cannot-stop', ...(server?.reason ? { reason: server.reason } : {}) };
    else {
      action = { kind: 'stop' };
      intents.push({ type: 'stop', ref, serverId: ms.serverId, stream: ms.stream });
    }
    if (episode && episode.state !== 'grace' && action.kind === 'fixed' && action.code === 'kept') continue;
    lines.push(line(ms, input.firstSeen, action));
  }
  if (!episode) {
    return [
      {
        type: 'open-episode',
        count: counted,
        cap,
        planName: input.planName,
        dryRun: input.dryRun,
        lines,
        stopRule: rules.stopRule,
      },
      ...intents,
    ];
  }
  if (episode.state === 'grace') {
    // The grace ran out: the episode continues as a breach, its lines replaced by what is playing now.
    return [{ type: 'end-grace', episodeId: episode.id, count: counted, lines }, ...intents];
  }
  // A stream that started during the episode is stopped too, without a second DM: the member was told already.
  return intents.length > 0 ? [{ type: 'add-lines', episodeId: episode.id, lines }, ...intents] : [];
}

/**
 * Whether the session now listed under a line's session key is still the one the line was written for: the same
 * device id and the same account. Jellyfin and Emby reuse session ids (one per device), so the key alone may
 * name another person's stream by the time a button is pressed. Fields a line does not carry are not compared.
 */
export function sameSessionAsLine(l: EpisodeLine, now: ActiveStream): boolean {
  if (l.deviceId !== undefined && l.deviceId !== now.deviceId) return false;
  if (l.accountId && now.accountId) return l.accountId === now.accountId;
  if (l.accountName !== undefined) return l.accountName.toLowerCase() === now.accountName.toLowerCase();
  return true;
}

/** A stop effect's outcome as the outbox holds it, keyed by the line's session (`lineRef`). */
export interface StopOutcome {
  /** `pending` until the first attempt finished; `retrying` after a failed attempt that will be retried. */
  status: 'pending' | 'retrying' | 'done' | 'failed';
  /** The executor's result: `{ outcome, code, reason }` (older rows: `{ outcome, text }`). */
  result: { outcome?: string; code?: string; reason?: string; text?: string } | null;
  lastError: string | null;
}

export interface LineAction {
  /** What happened, as a code to write out in the reader's language (older rows: words no code matches). */
  words: ReadWords;
  /** The same in English, for logs, the cycle report and tallies. */
  text: string;
  /** True when the stop did not take effect (refused, failed, ignored). */
  failed: boolean;
}

const action = (words: ReadWords, failed = false): LineAction => ({
  words,
  text: words.code === null ? words.text : englishWords(words),
  failed,
});

/** What a line says happened, from its fixed words or its stop effect's outcome. */
export function lineAction(l: EpisodeLine, outcomes: ReadonlyMap<string, StopOutcome>): LineAction {
  if (l.action.kind === 'fixed') return action(stopWordsOf(l.action));
  const o = outcomes.get(lineRef(l));
  if (!o || o.status === 'pending') return action({ code: 'stop-requested' });
  if (o.status === 'retrying') return action({ code: 'stop-retrying', reason: o.lastError ?? 'error' }, true);
  if (o.status === 'failed')
    return action({ code: 'stop-failed', reason: o.lastError ?? 'unknown reason' }, true);
  const outcome = o.result?.outcome ?? 'stopped';
  const words = o.result?.code || o.result?.text ? stopWordsOf(o.result) : stopWordsOf({ text: outcome });
  return action(words, outcome === 'refused' || outcome === 'ignored');
}

/**
 * Whether an open episode's notices can go out: once every stop has had its first attempt (a stop that keeps
 * failing is reported as failing rather than holding the notices back). Returns the state the episode moves to.
 */
export function decideNotices(
  episode: { state: EpisodeState; lines: readonly EpisodeLine[]; notified: boolean },
  outcomes: ReadonlyMap<string, StopOutcome>,
): { ready: false } | { ready: true; state: EpisodeState } {
  // A warned member has until the deadline: the notices wait for the grace to end (or never go, if resolved).
  if (episode.notified || episode.state === 'grace') return { ready: false };
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
