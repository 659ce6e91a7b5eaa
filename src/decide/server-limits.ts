// Decide: which streams to stop on a server over its own limits (`/server limits`: streams at once, transcoded
// streams at once), whatever the members' plans say. Pure: no I/O, no clock. Each stop is its own subject, keyed by
// the session and its start (`limitStopKey`), so deciding it on every cycle queues it once; the act stage
// (src/act/server-limits.ts) stores the intents on the outbox.
//
// What counts: every stream with something playing (playing, paused, buffering) in the cycle's view of a server read
// now: the members' streams (exempt devices and sessions the bot stopped already left out) and the owner's own.
// One device on one server counts once (an autoplay or a quality change briefly lists two sessions for it). A
// transcode is a session the server converts, video or audio (`delivery.method === 'transcode'`); a platform that
// does not say how a stream is delivered counts no transcodes.
//
// Which are stopped: the newest first, as many as it takes to get back to the limit (transcodes first, then
// streams), never the owner's. A stream within its member's plan grace (counted from its start) is waited for, and
// the decision is made again on the next cycle: a stream that ended meanwhile may leave room for it.

import type { ActiveStream } from '../media/types.ts';
import { sessionRef } from '../policy/streams.ts';
import type { ServerActing } from './streams.ts';

/** A server's own caps; null: no cap. */
export interface ServerLimits {
  serverId: number;
  serverName: string;
  maxStreams: number | null;
  maxTranscodes: number | null;
}

/** One stream of a server read now, with who it belongs to. */
export interface LimitStream {
  serverId: number;
  stream: ActiveStream;
  /** The member (or stand-in) it is matched to; null for the owner's own, which counts but is never stopped. */
  memberId: number | null;
  /** The member's plan grace, in seconds: a stream over the limit is stopped once it is this old. */
  graceSeconds: number;
}

export interface LimitDecisionInput {
  limits: readonly ServerLimits[];
  streams: readonly LimitStream[];
  /** When the bot first saw each session (`serverId:key`), for sessions whose platform gives no start time. */
  firstSeen: ReadonlyMap<string, Date>;
  servers: ReadonlyMap<number, ServerActing>;
  dryRun: boolean;
  now: Date;
}

export type LimitKind = 'streams' | 'transcodes';

interface LimitedStream {
  ref: string;
  memberId: number;
  serverId: number;
  serverName: string;
  stream: ActiveStream;
  /** When it started (or was first seen): part of its key, so a reused session id is a new subject. */
  startedAt: Date;
  limit: { kind: LimitKind; max: number; count: number };
}

export type LimitIntent =
  | ({ type: 'limit-stop' } & LimitedStream)
  /** Not stopped (dry run, or a server that cannot stop streams): the admins are told once, with why. */
  | ({ type: 'limit-note'; why: string } & LimitedStream);

/** The subject of one limit stop: the server, the session and its start. */
export const limitSubject = (serverId: number, sessionKey: string, startedAt: Date) =>
  `${serverId}:${sessionKey}:${startedAt.getTime()}`;

export const limitStopKey = (serverId: number, sessionKey: string, startedAt: Date) =>
  `limit-stop:${limitSubject(serverId, sessionKey, startedAt)}`;

/** Whether the server converts this stream (video or audio). */
export const isTranscode = (stream: ActiveStream) => stream.delivery?.method === 'transcode';

/** One device (or, without a device id, one session) on one server. */
interface Unit {
  streams: LimitStream[];
  /** Start of its newest session, in ms; a session with no known start counts as just started. */
  start: number;
  transcode: boolean;
  stoppable: boolean;
}

function startOf(s: LimitStream, firstSeen: ReadonlyMap<string, Date>): Date | null {
  return s.stream.startedAt ?? firstSeen.get(sessionRef(s.serverId, s.stream.key)) ?? null;
}

function unitsOf(streams: readonly LimitStream[], firstSeen: ReadonlyMap<string, Date>): Unit[] {
  const byDevice = new Map<string, LimitStream[]>();
  for (const s of streams) {
    const id = s.stream.deviceId ? `device:${s.stream.deviceId}` : `session:${s.stream.key}`;
    byDevice.set(id, [...(byDevice.get(id) ?? []), s]);
  }
  return [...byDevice.values()].map((group) => ({
    streams: group,
    start: Math.max(...group.map((s) => startOf(s, firstSeen)?.getTime() ?? Number.POSITIVE_INFINITY)),
    transcode: group.some((s) => isTranscode(s.stream)),
    // The owner's device is never stopped, even when another account plays on it too.
    stoppable: group.every((s) => s.memberId !== null && !s.stream.isOwner),
  }));
}

/** The newest stoppable units of `pool`, as many as `over`. */
function newest(pool: Unit[], over: number): Unit[] {
  if (over <= 0) return [];
  return pool
    .filter((u) => u.stoppable)
    .sort((a, b) => b.start - a.start)
    .slice(0, over);
}

/** The streams to stop on each server over its limits, or a note that says why they are not stopped. */
export function decideServerLimits(input: LimitDecisionInput): LimitIntent[] {
  const intents: LimitIntent[] = [];
  for (const limits of input.limits) {
    if (limits.maxStreams === null && limits.maxTranscodes === null) continue;
    const units = unitsOf(
      input.streams.filter((s) => s.serverId === limits.serverId && s.stream.state !== null),
      input.firstSeen,
    );
    const picked: Array<{ unit: Unit; limit: LimitedStream['limit'] }> = [];
    if (limits.maxTranscodes !== null) {
      const transcodes = units.filter((u) => u.transcode);
      const limit = { kind: 'transcodes' as const, max: limits.maxTranscodes, count: transcodes.length };
      for (const unit of newest(transcodes, transcodes.length - limits.maxTranscodes))
        picked.push({ unit, limit });
    }
    if (limits.maxStreams !== null) {
      // A transcode stopped for its own cap leaves room under the stream cap too.
      const left = units.filter((u) => !picked.some((p) => p.unit === u));
      const limit = { kind: 'streams' as const, max: limits.maxStreams, count: units.length };
      for (const unit of newest(left, left.length - limits.maxStreams)) picked.push({ unit, limit });
    }
    const acting = input.servers.get(limits.serverId);
    for (const { unit, limit } of picked) {
      for (const s of unit.streams) {
        const started = startOf(s, input.firstSeen);
        // Within the grace (or first seen just now): wait, and decide again on the next cycle.
        if (!started || input.now.getTime() < started.getTime() + s.graceSeconds * 1000) continue;
        const base: LimitedStream = {
          ref: sessionRef(s.serverId, s.stream.key),
          memberId: s.memberId as number,
          serverId: s.serverId,
          serverName: limits.serverName,
          stream: s.stream,
          startedAt: started,
          limit,
        };
        if (input.dryRun) intents.push({ type: 'limit-note', ...base, why: 'would be stopped (dry run)' });
        else if (!acting?.canStop)
          intents.push({
            type: 'limit-note',
            ...base,
            why: `not stopped: ${acting?.reason ?? 'this server cannot stop streams'}`,
          });
        else intents.push({ type: 'limit-stop', ...base });
      }
    }
  }
  return intents;
}
