// Server-wide limits (`/server limits`): sense (the cycle's view of the servers read now) → decide
// (src/decide/server-limits.ts, pure) → act: one `limit-stop` effect per stream on the outbox, keyed by the session
// and its start, so a crash neither loses it nor repeats it. The executor re-reads the session (one that ended is
// left alone), stops it with an on-screen message in the member's language, and then queues the member's DM and
// the admins' alert as once-per-stop notices. A dry run or a server that cannot stop streams alerts once instead.

import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { streamFromJson, streamToJson } from '../db/live-sessions.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { mediaServers, members, type OutboxRow } from '../db/schema.ts';
import { rememberStop } from '../db/stopped-sessions.ts';
import {
  decideServerLimits,
  type LimitIntent,
  type LimitStream,
  limitStopKey,
  limitSubject,
} from '../decide/server-limits.ts';
import { type Language, languageOf } from '../i18n/index.ts';
import type { ActiveStream } from '../media/types.ts';
import { queueEffectNotices, queueNotice } from '../notify/notice-queue.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { type LimitNotice, limitOnScreen, limitStopAlert, limitStopDm } from '../notify/server-limits.ts';
import { sessionRef } from '../policy/streams.ts';
import type { StreamEnforcementInput } from '../sense/view.ts';
import { memberLanguage } from '../services/languages.ts';
import { getSettings } from '../services/settings.ts';
import { stopAndLearn, stopClient } from './stop-stream.ts';
import { actingByServer } from './streams.ts';

interface LimitStopPayload {
  memberId: number;
  serverId: number;
  stream: Record<string, unknown>;
  notice: Omit<LimitNotice, 'outcome'>;
  /** The member's language (on screen and DM). */
  lang: Language;
  /** Whether the member gets a DM (not a stand-in for an account linked to nobody). */
  dm: boolean;
  [key: string]: unknown;
}

/** The streams each limited server counts: its members' (as the view has them) and the owner's own. */
function countedStreams(input: StreamEnforcementInput, fresh: ReadonlySet<number>): LimitStream[] {
  const grace = new Map(input.links.map(({ member, plan }) => [member.id, plan?.graceSeconds ?? 0]));
  const ofMembers = input.streams
    .filter((s) => fresh.has(s.serverId))
    .map((s) => ({
      serverId: s.serverId,
      stream: s.stream,
      memberId: s.memberId,
      graceSeconds: grace.get(s.memberId) ?? 0,
    }));
  const owners = input.snapshots.flatMap((snap) =>
    fresh.has(snap.row.id)
      ? (snap.streams ?? [])
          .filter((s) => s.isOwner && s.state !== null && !input.stopped.has(sessionRef(snap.row.id, s.key)))
          .map((stream) => ({ serverId: snap.row.id, stream, memberId: null, graceSeconds: 0 }))
      : [],
  );
  return [...ofMembers, ...owners];
}

/**
 * Decides and stores what to do about the servers read in this cycle that are over their own limits. Returns the
 * sessions (`serverId:key`) whose stop was decided: they no longer count against the members' caps.
 */
export async function enforceServerLimits(
  ctx: AppContext,
  input: StreamEnforcementInput,
): Promise<Set<string>> {
  const fresh = new Set(input.snapshots.filter((s) => s.streams).map((s) => s.row.id));
  const limited = input.servers.filter(
    (s) => fresh.has(s.id) && (s.maxStreams !== null || s.maxTranscodes !== null),
  );
  if (limited.length === 0) return new Set();
  const intents = decideServerLimits({
    limits: limited.map((s) => ({
      serverId: s.id,
      serverName: s.name,
      maxStreams: s.maxStreams,
      maxTranscodes: s.maxTranscodes,
    })),
    streams: countedStreams(input, fresh),
    firstSeen: input.firstSeen,
    servers: actingByServer(input),
    dryRun: input.settings.dryRun,
    now: input.now,
  });
  const stopping = new Set<string>();
  for (const i of intents) {
    const entry = input.links.find(({ member }) => member.id === i.memberId);
    const notice = noticeOf(i, entry?.member);
    const subject = limitSubject(i.serverId, i.stream.key, i.startedAt);
    if (i.type === 'limit-note') {
      // The kind differs from a stop's alert, so turning dry run off later still stops and alerts.
      await queueNotice(
        ctx,
        { kind: 'limit-note', subject, channel: 'alert', memberId: i.memberId },
        {
          channel: 'alert',
          to: input.settings.alertsChannelId,
          message: limitStopAlert({ ...notice, outcome: i.why }, languageOf(input.settings.guildLocale)),
        },
      );
      continue;
    }
    const key = limitStopKey(i.serverId, i.stream.key, i.startedAt);
    const payload: LimitStopPayload = {
      memberId: i.memberId,
      serverId: i.serverId,
      stream: streamToJson(i.stream),
      notice,
      lang: entry ? memberLanguage(entry.member, input.settings) : 'en',
      dm: notice.discordUserId !== null,
    };
    await enqueueEffects(ctx.db, [{ key, kind: 'limit-stop', group: key, payload }], input.now);
    stopping.add(i.ref);
  }
  return stopping;
}

function noticeOf(
  i: LimitIntent,
  member: { displayName: string; discordUserId: string; standInServerId: number | null } | undefined,
): Omit<LimitNotice, 'outcome'> {
  return {
    memberName: member?.displayName ?? i.stream.accountName,
    discordUserId: member && member.standInServerId === null ? member.discordUserId : null,
    server: i.serverName,
    device: i.stream.device,
    title: i.stream.title,
    kind: i.limit.kind,
    max: i.limit.max,
    count: i.limit.count,
  };
}

const sameSession = (a: ActiveStream, b: ActiveStream) =>
  a.key === b.key &&
  a.deviceId === b.deviceId &&
  (a.accountId && b.accountId ? a.accountId === b.accountId : a.accountName === b.accountName);

/** Carries out one `limit-stop` effect: re-read, stop if still there, then queue the DM and the alert. */
export async function executeLimitStop(ctx: AppContext, row: OutboxRow): Promise<Record<string, unknown>> {
  const p = row.payload as LimitStopPayload;
  const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
  if (!server) return { outcome: 'skipped', text: 'not stopped: the server was removed' };
  const client = stopClient(ctx, server);
  const stream = streamFromJson(p.stream);
  // A MediaServerError (down, timeout) is thrown: the outbox retries with back-off.
  const current = (await client.listStreams()).find((s) => sameSession(s, stream) && s.state !== null);
  // Gone on a retry: the earlier attempt stopped it (its notices were not queued yet); on a first attempt, the
  // member ended it.
  let outcome = row.attempts > 1 ? 'stopped' : 'already-ended';
  if (current) {
    const message = limitOnScreen(p.notice.kind, p.notice.max, p.lang);
    const result = await stopAndLearn(ctx, server, client, current, message);
    if (!result.ok) outcome = `stop failed: ${result.reason ?? 'unknown reason'}`;
    else if (!result.alreadyEnded || row.attempts > 1) outcome = 'stopped';
  }
  if (outcome === 'already-ended') return { outcome, text: 'had already ended' };
  const now = ctx.clock();
  // Plex lists a stopped session for a while: never count it again until it is gone.
  if (outcome === 'stopped' && !client.supports('verifiable-stop'))
    await rememberStop(ctx.db, { serverId: p.serverId, sessionKey: stream.key, memberId: p.memberId, now });
  const notice: LimitNotice = { ...p.notice, outcome };
  const subject = row.key.slice('limit-stop:'.length);
  const settings = await getSettings(ctx.db);
  let dm: { to: string; message: NoticeMessage } | null = null;
  if (outcome === 'stopped' && p.dm && notice.discordUserId) {
    // The member's language as it is now (they may have used a command since the stop was decided).
    const [member] = await ctx.db.select().from(members).where(eq(members.id, p.memberId));
    const lang = member ? memberLanguage(member, settings) : p.lang;
    dm = { to: notice.discordUserId, message: limitStopDm(notice, lang) };
  }
  await queueEffectNotices(ctx, { kind: 'limit-stop', subject, memberId: p.memberId }, dm, {
    to: settings.alertsChannelId,
    message: limitStopAlert(notice, languageOf(settings.guildLocale)),
  });
  return { outcome, text: outcome };
}
