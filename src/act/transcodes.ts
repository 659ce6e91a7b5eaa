// Streams that break their plan's rule on converted (transcoded) video: sense (each stream's delivery, from the
// adapters) → decide (src/decide/transcodes.ts, pure) → act: one `transcode-stop` effect per breach on the outbox,
// keyed by the session, when it was first seen and the reason, due at once or at the end of the plan's grace (the
// member is warned once meanwhile). The executor re-reads the session (a member who switched to the original or
// ended it is left alone), stops it with the reason on screen, and then queues the member's DM and the admins'
// alert as once-per-breach notices, so a crash neither loses nor repeats any of them.

import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { streamFromJson, streamToJson } from '../db/live-sessions.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { mediaServers, type OutboxRow } from '../db/schema.ts';
import { rememberStop } from '../db/stopped-sessions.ts';
import { decideTranscodes, type TranscodeIntent, transcodeStopKey } from '../decide/transcodes.ts';
import { type Language, languageOf } from '../i18n/index.ts';
import type { ActiveStream } from '../media/types.ts';
import { queueEffectNotices, queueNotice } from '../notify/notice-queue.ts';
import {
  type TranscodeNotice,
  transcodeAlert,
  transcodeStopDm,
  transcodeWarningDm,
} from '../notify/transcodes.ts';
import {
  isVideoTranscode,
  NO_TRANSCODE_TERMS,
  ruleReason,
  type TranscodeTerms,
  transcodeOnScreen,
} from '../policy/transcodes.ts';
import type { StreamEnforcementInput } from '../sense/view.ts';
import { memberLanguage } from '../services/languages.ts';
import { getSettings } from '../services/settings.ts';
import { stopAndLearn, stopClient } from './stop-stream.ts';
import { actingByServer } from './streams.ts';

interface TranscodeStopPayload {
  memberId: number;
  serverId: number;
  stream: Record<string, unknown>;
  terms: TranscodeTerms;
  notice: Omit<TranscodeNotice, 'outcome'>;
  /** Whether the member gets a DM (not a stand-in for an account linked to nobody). */
  dm: boolean;
  /** The member's language when the breach was decided. */
  lang: Language;
  [key: string]: unknown;
}

/** Each member's transcode terms and grace, from their plan (no plan: everything allowed). */
function planTerms(links: LinkWithMember[]) {
  const byMember = new Map(links.map(({ member, plan }) => [member.id, plan]));
  return {
    termsOf: (memberId: number): TranscodeTerms => {
      const plan = byMember.get(memberId);
      return plan ? { rule: plan.transcodes, cap: plan.transcodeCap } : NO_TRANSCODE_TERMS;
    },
    graceOf: (memberId: number) => byMember.get(memberId)?.graceSeconds ?? 0,
  };
}

function noticeOf(i: TranscodeIntent, entry: LinkWithMember | undefined, server: string) {
  return {
    memberName: entry?.member.displayName ?? i.stream.accountName,
    discordUserId: entry && entry.member.standInServerId === null ? entry.member.discordUserId : null,
    planName: entry?.plan?.name ?? 'none',
    server,
    device: i.stream.device,
    title: i.stream.title,
    reason: i.reason,
    cap: i.cap,
    sourceHeight: i.stream.delivery?.sourceHeight ?? null,
  };
}

/**
 * Decides and stores what to do about streams that break their plan's transcode rule, on the servers read in this
 * cycle. Returns the sessions (`serverId:key`) whose stop is due now: they no longer count against the stream cap.
 */
export async function enforceTranscodes(
  ctx: AppContext,
  input: StreamEnforcementInput,
): Promise<Set<string>> {
  const fresh = new Set(input.snapshots.filter((s) => s.streams).map((s) => s.row.id));
  const { termsOf, graceOf } = planTerms(input.links);
  const intents = decideTranscodes({
    streams: input.streams,
    termsOf,
    graceOf,
    freshServers: fresh,
    firstSeen: input.firstSeen,
    servers: actingByServer(input),
    dryRun: input.settings.dryRun,
    now: input.now,
  }).filter((i) => !input.decideFor || input.decideFor.has(i.memberId));
  const serverName = new Map(input.servers.map((s) => [s.id, s.name]));
  const stopping = new Set<string>();
  for (const i of intents) {
    const entry = input.links.find(({ member }) => member.id === i.memberId);
    const notice = noticeOf(i, entry, serverName.get(i.serverId) ?? 'unknown server');
    const key = transcodeStopKey(i);
    const lang = entry ? memberLanguage(entry.member, input.settings) : 'en';
    const subject = key.slice('transcode-stop:'.length);
    if (i.type === 'transcode-note') {
      // The kind differs from a stop's alert, so turning dry run off later still stops and alerts.
      await queueNotice(
        ctx,
        { kind: 'transcode-note', subject, channel: 'alert', memberId: i.memberId },
        {
          channel: 'alert',
          to: input.settings.alertsChannelId,
          message: transcodeAlert({ ...notice, outcome: i.why }, languageOf(input.settings.guildLocale)),
        },
      );
      continue;
    }
    const payload: TranscodeStopPayload = {
      memberId: i.memberId,
      serverId: i.serverId,
      stream: streamToJson(i.stream),
      terms: termsOf(i.memberId),
      notice,
      dm: notice.discordUserId !== null,
      lang,
    };
    // Stored once: a later cycle's decision keeps the first due time (the grace runs from the first sight).
    const stored = await enqueueEffects(
      ctx.db,
      [{ key, kind: 'transcode-stop', group: key, payload, dueAt: i.dueAt }],
      input.now,
    );
    if (stored > 0 && i.warn && notice.discordUserId)
      await queueNotice(
        ctx,
        { kind: 'transcode-warning', subject, channel: 'dm', memberId: i.memberId },
        {
          channel: 'dm',
          to: notice.discordUserId,
          message: transcodeWarningDm({ ...notice, outcome: 'warned' }, i.dueAt, lang),
        },
      );
    if (i.dueAt.getTime() <= input.now.getTime()) stopping.add(i.ref);
  }
  return stopping;
}

const sameSession = (a: ActiveStream, b: ActiveStream) =>
  a.key === b.key &&
  a.deviceId === b.deviceId &&
  (a.accountId && b.accountId ? a.accountId === b.accountId : a.accountName === b.accountName);

/** Whether the session, as read now, still breaks the rule it was decided for. */
function stillBreaking(p: TranscodeStopPayload, current: ActiveStream): boolean {
  if (p.notice.reason === 'cap') return isVideoTranscode(current.delivery);
  return ruleReason(p.terms, current.delivery) === p.notice.reason;
}

/** Carries out one `transcode-stop` effect: re-read, stop if still breaking the rule, then the DM and the alert. */
export async function executeTranscodeStop(
  ctx: AppContext,
  row: OutboxRow,
): Promise<Record<string, unknown>> {
  const p = row.payload as TranscodeStopPayload;
  const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
  if (!server) return { outcome: 'skipped', text: 'not stopped: the server was removed' };
  const client = stopClient(ctx, server);
  const stream = streamFromJson(p.stream);
  // A MediaServerError (down, timeout) is thrown: the outbox retries with back-off.
  const current = (await client.listStreams()).find((s) => sameSession(s, stream) && s.state !== null);
  // Gone on a retry: the earlier attempt stopped it (its notices were not queued yet); on a first attempt, the
  // member ended it.
  let outcome = row.attempts > 1 ? 'stopped' : 'already-ended';
  if (current && !stillBreaking(p, current))
    return { outcome: 'sorted-out', text: 'not stopped: no longer converted' };
  if (current) {
    const result = await stopAndLearn(
      ctx,
      server,
      client,
      current,
      transcodeOnScreen(p.notice.reason, p.notice.cap),
    );
    if (!result.ok) outcome = `stop failed: ${result.reason ?? 'unknown reason'}`;
    else if (!result.alreadyEnded || row.attempts > 1) outcome = 'stopped';
  }
  if (outcome === 'already-ended') return { outcome, text: 'had already ended' };
  const now = ctx.clock();
  // Plex lists a stopped session for a while: never count it again until it is gone.
  if (outcome === 'stopped' && !client.supports('verifiable-stop'))
    await rememberStop(ctx.db, { serverId: p.serverId, sessionKey: stream.key, memberId: p.memberId, now });
  const notice: TranscodeNotice = { ...p.notice, outcome };
  const subject = row.key.slice('transcode-stop:'.length);
  const settings = await getSettings(ctx.db);
  await queueEffectNotices(
    ctx,
    { kind: 'transcode-stop', subject, memberId: p.memberId },
    outcome === 'stopped' && p.dm && notice.discordUserId
      ? { to: notice.discordUserId, message: transcodeStopDm(notice, p.lang) }
      : null,
    { to: settings.alertsChannelId, message: transcodeAlert(notice, languageOf(settings.guildLocale)) },
  );
  return { outcome, text: outcome };
}
