// Downloads over the allotment, cancelled (`downloads-over-quota: cancel`): decide (src/decide/download-cancels.ts,
// pure) → act: one `download-cancel` effect per download on the outbox, keyed by server and download, so a crash
// neither loses nor repeats it. The executor cancels through the adapter, which reads back that the server no longer
// lists the download; where the server cannot cancel (its platform, a plain file download, a cancel refused or not
// applied), downloads are switched off on that server instead. Then the member's DM and the admins' alert are queued
// as once-per-download notices.

import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { loadLinks } from '../db/links.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { type MediaServerRow, mediaServers, members, type OutboxRow } from '../db/schema.ts';
import { decideCancels, downloadRef } from '../decide/download-cancels.ts';
import type { QuotaMove } from '../decide/downloads.ts';
import { languageOf } from '../i18n/index.ts';
import { type CancelNotice, type CancelOutcome, cancelAlert, cancelDm } from '../notify/download-cancels.ts';
import { safe } from '../notify/format.ts';
import { queueEffectNotices } from '../notify/notice-queue.ts';
import type { DownloadInput } from '../sense/view.ts';
import { failureObservation } from '../services/capabilities.ts';
import { memberLanguage } from '../services/languages.ts';
import { getSettings } from '../services/settings.ts';
import { countedDownloads, type Usage } from '../services/usage.ts';
import { switchOff } from './switches.ts';

interface CancelPayload {
  memberId: number;
  serverId: number;
  downloadKey: string;
  weekKey: string;
  notice: Omit<CancelNotice, 'resetsAt'> & { resetsAt: string };
  [key: string]: unknown;
}

/** The servers whose platform cancels downloads in progress. A client that cannot be built counts as unable. */
export function cancellableServers(ctx: AppContext, servers: readonly MediaServerRow[]): Set<number> {
  const able = new Set<number>();
  for (const server of servers) {
    try {
      if (ctx.media.forRow(server).supports('cancel-download')) able.add(server.id);
    } catch {
      // A token that cannot be decrypted: downloads are switched off there, which fails and is retried.
    }
  }
  return able;
}

/** Queues a cancel for each of the member's downloads beyond the allotment still in progress; returns the alert's
 *  lines (one per server with cancels queued). */
export async function queueCancels(
  ctx: AppContext,
  input: DownloadInput,
  person: { memberId: number; memberName: string; discordUserId: string; planName: string },
  u: Usage,
  move: QuotaMove,
): Promise<string[]> {
  if (move.cancelOn.length === 0) return [];
  const inProgress = new Set<string>();
  for (const snap of input.snapshots)
    for (const d of snap.downloads ?? []) if (!d.complete) inProgress.add(downloadRef(snap.row.id, d.id));
  const counted = await countedDownloads(ctx.db, person.memberId, u);
  const intents = decideCancels({
    memberId: person.memberId,
    counted: counted.map(({ row, units }) => ({
      seq: row.id,
      serverId: row.serverId,
      downloadKey: row.downloadKey,
      title: row.title,
      startedAt: row.startedAt,
      units,
    })),
    allotment: u.allotment,
    inProgress,
    cancelOn: move.cancelOn,
  });
  const names = new Map(input.snapshots.map((s) => [s.row.id, s.row.name]));
  const effects = intents.map((i) => {
    const payload: CancelPayload = {
      memberId: i.memberId,
      serverId: i.serverId,
      downloadKey: i.downloadKey,
      weekKey: u.weekKey,
      notice: {
        memberName: person.memberName,
        discordUserId: person.discordUserId,
        planName: person.planName,
        server: names.get(i.serverId) ?? 'unknown server',
        title: i.title,
        used: u.used,
        allotment: u.allotment,
        resetsAt: u.weekEnd.toISOString(),
      },
    };
    return { key: i.key, kind: 'download-cancel', group: i.key, payload };
  });
  await enqueueEffects(ctx.db, effects, input.now);
  const perServer = new Map<number, number>();
  for (const i of intents) perServer.set(i.serverId, (perServer.get(i.serverId) ?? 0) + 1);
  return [...perServer].map(
    ([serverId, n]) =>
      `${safe(names.get(serverId) ?? 'unknown server')}: cancelling ${n} download(s) beyond the allotment`,
  );
}

/** The server cannot cancel this one: downloads are switched off there for the rest of the week. */
async function fallBack(
  ctx: AppContext,
  server: MediaServerRow,
  p: CancelPayload,
  why: string,
): Promise<CancelOutcome> {
  const links = (await loadLinks(ctx.db)).filter(
    ({ member, link }) => member.id === p.memberId && link.serverId === server.id,
  );
  const notes = await switchOff(ctx, links, [server], new Date(p.notice.resetsAt), p.weekKey);
  return { kind: 'fallback', why, switchNote: notes.join('; ') || 'they were already switched off' };
}

/** Carries out one `download-cancel` effect: cancel (or fall back to switching off), then queue the notices. */
export async function executeDownloadCancel(
  ctx: AppContext,
  row: OutboxRow,
): Promise<Record<string, unknown>> {
  const p = row.payload as CancelPayload;
  const settings = await getSettings(ctx.db);
  if (settings.dryRun) return { outcome: 'skipped', text: 'not cancelled: dry run is on' };
  const [server] = await ctx.db.select().from(mediaServers).where(eq(mediaServers.id, p.serverId));
  if (!server) return { outcome: 'skipped', text: 'not cancelled: the server was removed' };
  let outcome: CancelOutcome;
  try {
    const result = await ctx.media.forRow(server).cancelDownload(p.downloadKey);
    if (!result.ok) outcome = await fallBack(ctx, server, p, result.reason);
    // Gone on a retry: the earlier attempt cancelled it before the process stopped.
    else if (result.alreadyGone && row.attempts <= 1) outcome = { kind: 'gone' };
    else {
      if (!result.alreadyGone)
        await ctx.capabilities.observe(server, [{ capability: 'cancel-download', ok: true }]);
      outcome = { kind: 'cancelled' };
    }
  } catch (err) {
    // Not reaching the server (down, time-out, a refused token) is retried with back-off; a refusal or a cancel
    // the read-back shows was not applied says this server does not cancel: switch off instead.
    const observation = failureObservation('cancel-download', err);
    if (!observation || observation.ok) throw err;
    await ctx.capabilities.observe(server, [observation]);
    outcome = await fallBack(ctx, server, p, observation.reason);
  }
  if (outcome.kind === 'gone') return { outcome: 'gone', text: 'had already finished or was gone' };
  const notice: CancelNotice = { ...p.notice, resetsAt: new Date(p.notice.resetsAt) };
  const subject = row.key.slice('download-cancel:'.length);
  const [member] = await ctx.db.select().from(members).where(eq(members.id, p.memberId));
  await queueEffectNotices(
    ctx,
    { kind: 'download-cancel', subject, memberId: p.memberId },
    member
      ? { to: member.discordUserId, message: cancelDm(notice, outcome, memberLanguage(member, settings)) }
      : null,
    { to: settings.alertsChannelId, message: cancelAlert(notice, outcome, languageOf(settings.guildLocale)) },
  );
  return { outcome: outcome.kind, text: outcome.kind };
}
