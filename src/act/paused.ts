// Streams paused longer than the plan allows (`paused-action: stop`): sense (the pause starts kept in
// live_sessions) → decide (src/decide/paused.ts, pure) → act: one `paused-stop` effect per pause on the outbox,
// keyed by the session and its pause start, so a crash neither loses it nor repeats it. The executor re-reads the
// session (a member who pressed play again is left alone), stops it with an on-screen message, and then queues
// the member's DM and the admins' alert as once-per-pause notices.

import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { streamFromJson, streamToJson } from '../db/live-sessions.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { mediaServers, members, type OutboxRow } from '../db/schema.ts';
import { rememberStop } from '../db/stopped-sessions.ts';
import { decidePaused, type PausedIntent, pausedStopKey } from '../decide/paused.ts';
import { languageOf } from '../i18n/index.ts';
import type { ActiveStream } from '../media/types.ts';
import { queueEffectNotices, queueNotice } from '../notify/notice-queue.ts';
import { type PausedNotice, pausedOnScreen, pausedStopAlert, pausedStopDm } from '../notify/paused.ts';
import { sessionRef } from '../policy/streams.ts';
import { pausedRules, type StreamEnforcementInput } from '../sense/view.ts';
import { memberLanguage } from '../services/languages.ts';
import { getSettings } from '../services/settings.ts';
import { stopAndLearn, stopClient } from './stop-stream.ts';
import { actingByServer } from './streams.ts';

interface PausedStopPayload {
  memberId: number;
  serverId: number;
  stream: Record<string, unknown>;
  notice: Omit<PausedNotice, 'pausedSince' | 'outcome'> & { pausedSince: string };
  /** Whether the member gets a DM (not a stand-in for an account linked to nobody). */
  dm: boolean;
  [key: string]: unknown;
}

const subjectOf = (i: { serverId: number; stream: ActiveStream; pausedSince: Date }) =>
  `${i.serverId}:${i.stream.key}:${i.pausedSince.getTime()}`;

function noticeOf(i: PausedIntent, entry: LinkWithMember | undefined, server: string) {
  return {
    memberName: entry?.member.displayName ?? i.stream.accountName,
    discordUserId: entry && entry.member.standInServerId === null ? entry.member.discordUserId : null,
    planName: entry?.plan?.name ?? 'none',
    server,
    device: i.stream.device,
    title: i.stream.title,
    limitMinutes: i.limitMinutes,
  };
}

/**
 * Decides and stores what to do about streams paused past their plan's limit, on the servers read in this cycle.
 * Returns the sessions (`serverId:key`) whose stop was decided: they no longer count against the cap.
 */
export async function enforcePaused(ctx: AppContext, input: StreamEnforcementInput): Promise<Set<string>> {
  const fresh = new Set(input.snapshots.filter((s) => s.streams).map((s) => s.row.id));
  const streams = input.streams.filter(
    (s) => fresh.has(s.serverId) && (!input.decideFor || input.decideFor.has(s.memberId)),
  );
  const intents = decidePaused({
    streams,
    ruleOf: pausedRules(input.links),
    pausedSince: input.pausedSince,
    servers: actingByServer(input),
    dryRun: input.settings.dryRun,
    now: input.now,
  });
  const serverName = new Map(input.servers.map((s) => [s.id, s.name]));
  const stopping = new Set<string>();
  for (const i of intents) {
    const entry = input.links.find(({ member }) => member.id === i.memberId);
    const notice = noticeOf(i, entry, serverName.get(i.serverId) ?? 'unknown server');
    if (i.type === 'paused-note') {
      // The kind differs from a stop's alert, so turning dry run off later still stops and alerts.
      await queueNotice(
        ctx,
        { kind: 'paused-note', subject: subjectOf(i), channel: 'alert', memberId: i.memberId },
        {
          channel: 'alert',
          to: input.settings.alertsChannelId,
          message: pausedStopAlert(
            { ...notice, pausedSince: i.pausedSince, outcome: i.why },
            languageOf(input.settings.guildLocale),
          ),
        },
      );
      continue;
    }
    const key = pausedStopKey(i.serverId, i.stream.key, i.pausedSince);
    const payload: PausedStopPayload = {
      memberId: i.memberId,
      serverId: i.serverId,
      stream: streamToJson(i.stream),
      notice: { ...notice, pausedSince: i.pausedSince.toISOString() },
      dm: notice.discordUserId !== null,
    };
    await enqueueEffects(ctx.db, [{ key, kind: 'paused-stop', group: key, payload }], input.now);
    stopping.add(i.ref);
  }
  return stopping;
}

/** The view with the sessions being stopped for a long pause left out of the cap count, as if already stopped. */
export function withoutPausedStops(input: StreamEnforcementInput, stopping: ReadonlySet<string>) {
  if (stopping.size === 0) return input;
  return {
    ...input,
    streams: input.streams.filter((s) => !stopping.has(sessionRef(s.serverId, s.stream.key))),
    stopped: new Set([...input.stopped, ...stopping]),
  };
}

const sameSession = (a: ActiveStream, b: ActiveStream) =>
  a.key === b.key &&
  a.deviceId === b.deviceId &&
  (a.accountId && b.accountId ? a.accountId === b.accountId : a.accountName === b.accountName);

/** Carries out one `paused-stop` effect: re-read, stop if still paused, then queue the DM and the alert. */
export async function executePausedStop(ctx: AppContext, row: OutboxRow): Promise<Record<string, unknown>> {
  const p = row.payload as PausedStopPayload;
  const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
  if (!server) return { outcome: 'skipped', code: 'server-removed' };
  const client = stopClient(ctx, server);
  const stream = streamFromJson(p.stream);
  // A MediaServerError (down, timeout) is thrown: the outbox retries with back-off.
  const current = (await client.listStreams()).find((s) => sameSession(s, stream));
  if (current?.state === 'playing' || current?.state === 'buffering')
    return { outcome: 'resumed', code: 'resumed' };
  // Gone on a retry: the earlier attempt stopped it (its notices were not queued yet); on a first attempt, the
  // member ended it.
  let outcome = row.attempts > 1 ? 'stopped' : 'already-ended';
  // The on-screen message and the DM are in the member's language; the alert in the admins'.
  const settings = await getSettings(ctx.db);
  const [member] = await ctx.db.select().from(members).where(eq(members.id, p.memberId));
  const lang = memberLanguage(member ?? { locale: null }, settings);
  if (current?.state === 'paused') {
    const onScreen = pausedOnScreen(p.notice.limitMinutes, lang);
    const result = await stopAndLearn(ctx, server, client, current, onScreen);
    if (!result.ok) outcome = `stop failed: ${result.reason ?? 'unknown reason'}`;
    else if (!result.alreadyEnded || row.attempts > 1) outcome = 'stopped';
  }
  if (outcome === 'already-ended') return { outcome, code: 'already-ended' };
  const now = ctx.clock();
  // Plex lists a stopped session for a while: never count it again until it is gone.
  if (outcome === 'stopped' && !client.supports('verifiable-stop'))
    await rememberStop(ctx.db, { serverId: p.serverId, sessionKey: stream.key, memberId: p.memberId, now });
  const notice: PausedNotice = { ...p.notice, pausedSince: new Date(p.notice.pausedSince), outcome };
  const subject = row.key.slice('paused-stop:'.length);
  await queueEffectNotices(
    ctx,
    { kind: 'paused-stop', subject, memberId: p.memberId },
    outcome === 'stopped' && p.dm && notice.discordUserId
      ? { to: notice.discordUserId, message: pausedStopDm(notice, lang) }
      : null,
    { to: settings.alertsChannelId, message: pausedStopAlert(notice, languageOf(settings.guildLocale)) },
  );
  return { outcome, text: outcome };
}
