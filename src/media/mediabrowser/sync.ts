// Emby offline downloads ("Make Available Offline") are sync jobs. Shapes and parameters from the Emby 4.8 OpenAPI
// (MediaBrowser/Emby.SDK Resources/OpenApi/openapi_v3.json): `GET /Sync/Jobs` → QueryResult<SyncJob>;
// `GET /Sync/JobItems?TargetId=` (TargetId required: without it the server answers 400) → QueryResult<SyncJobItem>;
// `GET /Sync/Targets?UserId=` (required) → SyncTarget[] = the user's devices. A job's UserId is the user's
// internal int64 id, which the user list does not give, so jobs are attributed through the users' sync targets.
import type { HttpClient } from '../http.ts';
import type { DownloadActivity, MediaAccount } from '../types.ts';
import { MediaServerError } from '../types.ts';
import {
  mapSyncDownloads,
  parseSyncJobItems,
  parseSyncJobs,
  parseSyncTargets,
  type SyncJobItem,
  syncJobOwners,
  toMediaError,
} from './mappers.ts';

export interface SyncRead {
  downloads: DownloadActivity[];
  /** The first sub-read that failed; `downloads` then holds what the other sub-reads found. */
  failure: MediaServerError | null;
}

/**
 * Reads every sync job, the sync targets of every account, and the job items of every device that has jobs.
 * A 404 on `/Sync/Jobs` means a server without the sync feature: no sync downloads, not an error. `accounts`
 * (read in parallel by the caller) resolves to null when the user list could not be read; jobs are then read but
 * attributed to nobody.
 */
export async function readSyncDownloads(
  http: HttpClient,
  accountsRead: Promise<readonly MediaAccount[] | null>,
): Promise<SyncRead> {
  let failure: MediaServerError | null = null;
  const note = (err: unknown) => {
    failure ??= toMediaError(err);
  };
  let jobs: ReturnType<typeof parseSyncJobs>;
  try {
    jobs = parseSyncJobs(await http.json({ path: '/Sync/Jobs' }));
  } catch (err) {
    if (err instanceof MediaServerError && err.kind === 'not-found') return { downloads: [], failure: null };
    return { downloads: [], failure: toMediaError(err) };
  }
  if (jobs.length === 0) return { downloads: [], failure: null };
  const accounts = await accountsRead;

  const targetsByAccount = new Map<string, string[]>();
  await Promise.all(
    (accounts ?? []).map(async (account) => {
      try {
        const targets = await http.json({ path: '/Sync/Targets', query: { UserId: account.id } });
        targetsByAccount.set(account.id, parseSyncTargets(targets));
      } catch (err) {
        note(err);
      }
    }),
  );

  const targetIds = [...new Set(jobs.map((job) => job.TargetId).filter((t): t is string => !!t))];
  const itemsByTarget = await Promise.all(
    targetIds.map(async (targetId): Promise<SyncJobItem[]> => {
      try {
        return parseSyncJobItems(await http.json({ path: '/Sync/JobItems', query: { TargetId: targetId } }));
      } catch (err) {
        note(err);
        return [];
      }
    }),
  );
  const items = itemsByTarget.flat();
  const downloads = mapSyncDownloads(jobs, items, syncJobOwners(jobs, targetsByAccount));
  return { downloads, failure };
}
