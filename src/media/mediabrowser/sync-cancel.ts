// Cancelling an Emby offline download. A download the bot counts is one sync job item (`sync:<JobItem.Id>`,
// sync.ts); what Emby cancels is its sync job: `DELETE /Sync/Jobs/{Id}` "Cancels a sync job." (Emby 4.8 OpenAPI,
// MediaBrowser/Emby.SDK Resources/OpenApi/openapi_v3.json, operation deleteSyncJobsById; responses 200, 400, 401,
// 403, 404, 500). In the open sources Emby's sync was last published in (jellyfin/jellyfin before sync was removed,
// Emby.Server.Implementations/Sync/SyncManager.cs `CancelJob`, and SyncRepository `DeleteJob`), the cancel deletes
// the job and every one of its items and removes the converted files; the app then has nothing left to fetch, as
// `GetReadySyncItems` lists only items of jobs that still exist. The server answering is not the proof: a read of
// `GET /Sync/Jobs` that no longer lists the job is.
import type { HttpClient } from '../http.ts';
import { type CancelDownloadResult, MediaServerError } from '../types.ts';
import { parseSyncJobItems, parseSyncJobs, type SyncJobItem } from './mappers.ts';

const SYNC_PREFIX = 'sync:';

/** Downloads read from the activity log are plain file downloads (`GET /Items/{Id}/Download`): no server job. */
export const PLAIN_DOWNLOAD =
  'this download is a plain file download (not a sync job): Emby has no call that stops one in progress';

const isNotFound = (err: unknown) => err instanceof MediaServerError && err.kind === 'not-found';
/** `CancelJob` throws ArgumentException("Job not found.") for a job that is gone, which Emby's HTTP host answers
 *  with 400 (HttpListenerHost `GetStatusCode`: ArgumentException → 400); the OpenAPI also lists 404. */
const isGoneJob = (err: unknown) =>
  err instanceof MediaServerError && (err.kind === 'not-found' || err.status === 400);

/** The job item behind a `sync:` download, or null when no job lists it any more. */
async function findJobItem(http: HttpClient, itemId: string): Promise<SyncJobItem | null> {
  let jobs: ReturnType<typeof parseSyncJobs>;
  try {
    jobs = parseSyncJobs(await http.json({ path: '/Sync/Jobs' }));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const targets = [...new Set(jobs.map((j) => j.TargetId).filter((t): t is string => !!t))];
  for (const target of targets) {
    const items = parseSyncJobItems(await http.json({ path: '/Sync/JobItems', query: { TargetId: target } }));
    const item = items.find((i) => i.Id === itemId);
    if (item) return item;
  }
  return null;
}

export async function cancelSyncDownload(
  http: HttpClient,
  downloadId: string,
): Promise<CancelDownloadResult> {
  if (!downloadId.startsWith(SYNC_PREFIX)) return { ok: false, unsupported: true, reason: PLAIN_DOWNLOAD };
  const item = await findJobItem(http, downloadId.slice(SYNC_PREFIX.length));
  // Gone, or already on the device: nothing to cancel (a finished download stays the member's).
  if (!item || item.Status === 'Synced') return { ok: true, alreadyGone: true };
  const path = `/Sync/Jobs/${encodeURIComponent(item.JobId)}`;
  try {
    await http.request({ method: 'DELETE', path });
  } catch (err) {
    // The job went between the read and the cancel: the read-back below settles it.
    if (!isGoneJob(err)) throw err;
  }
  const after = parseSyncJobs(await http.json({ path: '/Sync/Jobs' }));
  if (after.some((job) => job.Id === item.JobId))
    throw new MediaServerError(
      'not-applied',
      `DELETE ${path}: the server accepted the cancel but still lists the sync job`,
    );
  return { ok: true, alreadyGone: false };
}
