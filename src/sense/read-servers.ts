import type { AppContext } from '../context.ts';
import type { MediaServerRow } from '../db/schema.ts';
import type { ActiveStream, DownloadActivity, MediaServer } from '../media/types.ts';
import { MediaServerError, PartialDownloadsError } from '../media/types.ts';
import { redact } from '../redact.ts';
import { failureObservation } from '../services/capabilities.ts';

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
): Promise<ServerSnapshot[]> {
  return Promise.all(rows.map((row) => readOne(ctx, row, wantDownloads)));
}
