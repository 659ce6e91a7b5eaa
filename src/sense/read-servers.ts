// Step 1 of the cycle: read every server in parallel, each bounded by the client's timeout, and keep each
// server's health. A server that fails affects only itself; admins hear once when it goes down and once when
// it comes back (the transition is stored, so a restart does not repeat it).
import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordServerTransition } from '../db/outages.ts';
import { type MediaServerRow, mediaServers } from '../db/schema.ts';
import type { ActiveStream, DownloadActivity, MediaServer } from '../media/types.ts';
import { MediaServerError, PartialDownloadsError } from '../media/types.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import { serverStatusAlert } from '../notify/notices.ts';
import { redact } from '../redact.ts';
import { failureObservation } from '../services/capabilities.ts';
import { loadTemplates } from '../services/templates.ts';

export interface ServerSnapshot {
  row: MediaServerRow;
  /** Null only when the client could not be built (the stored token cannot be decrypted). */
  client: MediaServer | null;
  streams: ActiveStream[] | null;
  downloads: DownloadActivity[] | null;
  error: string | null;
}

function describe(err: unknown): string {
  if (err instanceof MediaServerError) {
    const what: Record<MediaServerError['kind'], string> = {
      unauthorized: 'the server refused the token',
      unreachable: 'could not connect',
      timeout: 'no answer in time',
      'server-error': `server error${err.status ? ` (HTTP ${err.status})` : ''}`,
      'bad-response': 'the answer could not be read',
      'not-found': 'an endpoint was missing',
      redirect: 'the server answered with a redirect (check the address: the bot does not follow redirects)',
      'not-applied': 'the server did not apply a change',
    };
    return what[err.kind];
  }
  return redact(err instanceof Error ? err.message : String(err));
}

async function readOne(
  ctx: AppContext,
  row: MediaServerRow,
  wantDownloads: boolean,
): Promise<ServerSnapshot> {
  let client: MediaServer;
  try {
    client = ctx.media.forRow(row);
  } catch (err) {
    return { row, client: null, streams: null, downloads: null, error: describe(err) };
  }
  const [streams, downloads] = await Promise.allSettled([
    client.listStreams(),
    wantDownloads && client.supports('download-activity') ? client.listDownloads() : Promise.resolve([]),
  ]);
  const readDownloads = wantDownloads && client.supports('download-activity');
  await ctx.capabilities.observe(row, [
    streams.status === 'fulfilled'
      ? { capability: 'read-sessions', ok: true }
      : failureObservation('read-sessions', streams.reason),
    !readDownloads
      ? null
      : downloads.status === 'fulfilled'
        ? { capability: 'read-downloads', ok: true }
        : failureObservation('read-downloads', downloads.reason),
  ]);
  const failure = [streams, downloads].find((r) => r.status === 'rejected');
  if (failure) ctx.log.warn({ err: failure.reason, server: row.name }, 'server read failed');
  return {
    row,
    client,
    streams: streams.status === 'fulfilled' ? streams.value : null,
    downloads:
      downloads.status === 'fulfilled'
        ? downloads.value
        : downloads.reason instanceof PartialDownloadsError
          ? downloads.reason.found
          : null,
    error: failure ? describe(failure.reason) : null,
  };
}

export async function readServers(
  ctx: AppContext,
  rows: MediaServerRow[],
  wantDownloads: boolean,
  now: Date,
  alertsChannelId: string | null,
): Promise<ServerSnapshot[]> {
  const snapshots = await Promise.all(rows.map((row) => readOne(ctx, row, wantDownloads)));
  const templates = await loadTemplates(ctx.db);
  await storeSteadyStatus(ctx, snapshots, now);
  for (const snap of snapshots) {
    const { row } = snap;
    const up = snap.error === null;
    const changed = up ? row.status !== 'up' : row.status !== 'down';
    if (!changed) continue;
    await ctx.db
      .update(mediaServers)
      .set({
        lastPollAt: up ? now : row.lastPollAt,
        status: up ? 'up' : 'down',
        statusSince: now,
        statusReason: snap.error,
      })
      .where(eq(mediaServers.id, row.id));
    await recordServerTransition(ctx.db, row.id, up, now, snap.error);
    // Alert on down, and on up only after a down (not on the first successful poll of a new server).
    if (up && row.status !== 'down') continue;
    const kind = up ? 'server-up' : 'server-down';
    const notice = { kind, subject: `server:${row.id}:${now.toISOString()}`, channel: 'alert' };
    await deliverOnce(ctx, notice, () => ({
      channel: 'alert',
      to: alertsChannelId,
      message: serverStatusAlert(templates[kind].text, up, row.name, snap.error),
    }));
  }
  return snapshots;
}

/**
 * Servers whose status did not change: the ones up get their last poll time in one statement, the ones still
 * down their latest reason in one statement per distinct reason, so the statements per cycle do not grow with
 * the number of healthy servers.
 */
async function storeSteadyStatus(ctx: AppContext, snapshots: ServerSnapshot[], now: Date): Promise<void> {
  const stillUp = snapshots.filter((s) => s.error === null && s.row.status === 'up').map((s) => s.row.id);
  if (stillUp.length > 0) {
    await ctx.db.update(mediaServers).set({ lastPollAt: now }).where(inArray(mediaServers.id, stillUp));
  }
  const stillDown = new Map<string, number[]>();
  for (const s of snapshots) {
    if (s.error === null || s.row.status !== 'down') continue;
    stillDown.set(s.error, [...(stillDown.get(s.error) ?? []), s.row.id]);
  }
  for (const [reason, ids] of stillDown) {
    await ctx.db.update(mediaServers).set({ statusReason: reason }).where(inArray(mediaServers.id, ids));
  }
}
