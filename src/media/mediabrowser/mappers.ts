// Pure mappers from Jellyfin/Emby ("MediaBrowser" family) payloads to our own types. Field names follow
// /work/shared/reference/media-server-apis.md J2 (SessionInfoDto), J4 (ActivityLogEntry) and EMBY (SyncJob,
// SyncJobItem). Every function throws MediaServerError('bad-response') on a payload of the wrong shape: a
// body we cannot read must never look like "nothing there".
import { z } from 'zod';
import type { ActiveStream, DownloadActivity, MediaAccount, ServerIdentity } from '../types.ts';
import { MediaServerError } from '../types.ts';

const text = z.string().nullish();
const count = z.number().nullish();
/** Jellyfin serialises ids as strings; activity-log and Emby sync ids are longs that may arrive as numbers. */
const id = z.union([z.string(), z.number()]).transform(String);

function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new MediaServerError(
    'bad-response',
    `${what}: unexpected payload${where} (${issue?.message ?? 'invalid'})`,
  );
}

/** Jellyfin writes Guid.Empty as 32 zeros for non-nullable Guids (e.g. ActivityLogEntry.UserId of system events). */
function guidOrNull(value: string | null | undefined): string | null {
  if (!value || /^[0-]+$/.test(value)) return null;
  return value;
}

/** .NET dates carry 7 fractional digits and normally a 'Z'; a date without zone is UTC on both servers. */
export function parseServerDate(value: string, what: string): Date {
  const withZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const date = new Date(withZone);
  if (Number.isNaN(date.getTime())) throw new MediaServerError('bad-response', `${what}: unreadable date`);
  return date;
}

// ── System info ────────────────────────────────────────────────────────────────────────────────────

const SystemInfoSchema = z.object({ Id: z.string().min(1), ServerName: z.string(), Version: z.string() });

export function mapSystemInfo(payload: unknown): ServerIdentity {
  const info = parse(SystemInfoSchema, payload, 'System/Info');
  return {
    serverId: info.Id,
    name: info.ServerName,
    version: info.Version,
    premium: null,
    canStopStreams: true,
    stopUnavailableReason: null,
  };
}

// ── Sessions ───────────────────────────────────────────────────────────────────────────────────────

const NowPlayingSchema = z.object({
  Name: text,
  Type: text,
  SeriesName: text,
  ParentIndexNumber: count,
  IndexNumber: count,
});

const SessionSchema = z.object({
  Id: z.string().min(1),
  UserId: text,
  UserName: text,
  Client: text,
  DeviceName: text,
  DeviceId: text,
  RemoteEndPoint: text,
  NowPlayingItem: NowPlayingSchema.nullish(),
  PlayState: z.object({ IsPaused: z.boolean().nullish() }).nullish(),
});

type NowPlaying = z.infer<typeof NowPlayingSchema>;

const pad2 = (n: number) => String(n).padStart(2, '0');

/** `Series — S01E02 — Episode` for episodes, the item's Name otherwise. */
export function nowPlayingTitle(item: NowPlaying): string | null {
  const name = item.Name ?? null;
  if (item.Type !== 'Episode' || !item.SeriesName) return name;
  const parts = [item.SeriesName];
  if (item.ParentIndexNumber != null && item.IndexNumber != null) {
    parts.push(`S${pad2(item.ParentIndexNumber)}E${pad2(item.IndexNumber)}`);
  }
  if (name) parts.push(name);
  return parts.join(' — ');
}

/** RemoteEndPoint is usually a bare IP, but may carry a port (`1.2.3.4:5678`, `[::1]:5678`) or an IPv4-mapped
 *  IPv6 prefix (`::ffff:1.2.3.4`) depending on the server version and reverse proxy. */
export function cleanIpAddress(endPoint: string | null | undefined): string | null {
  let ip = endPoint?.trim() ?? '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed?.[1]) ip = bracketed[1];
  ip = ip.replace(/^::ffff:/i, '');
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  if (v4WithPort?.[1]) ip = v4WithPort[1];
  return ip === '' ? null : ip;
}

/** Every session, idle ones included (state null): an idle app is not a stream, but callers may want to see it. */
export function mapSessions(payload: unknown): ActiveStream[] {
  return parse(z.array(SessionSchema), payload, 'Sessions').map((s) => ({
    sessionId: s.Id,
    key: s.Id,
    accountId: guidOrNull(s.UserId),
    accountName: s.UserName ?? '',
    isOwner: false,
    deviceId: s.DeviceId || null,
    device: s.DeviceName ?? '',
    product: s.Client || null,
    ipAddress: cleanIpAddress(s.RemoteEndPoint),
    title: s.NowPlayingItem ? nowPlayingTitle(s.NowPlayingItem) : null,
    state: s.NowPlayingItem ? (s.PlayState?.IsPaused ? 'paused' : 'playing') : null,
    startedAt: null,
  }));
}

// ── Activity log (J4) ──────────────────────────────────────────────────────────────────────────────

const ActivityEntrySchema = z.object({
  Id: id,
  Name: text,
  Type: z.string(),
  ItemId: text,
  Date: z.string(),
  UserId: text,
});
export type ActivityLogEntry = z.infer<typeof ActivityEntrySchema>;

const ActivityPageSchema = z.object({ Items: z.array(ActivityEntrySchema), TotalRecordCount: count });

/** One page of `GET /System/ActivityLog/Entries` (a QueryResult). */
export function parseActivityPage(payload: unknown): { entries: ActivityLogEntry[]; total: number | null } {
  const page = parse(ActivityPageSchema, payload, 'System/ActivityLog/Entries');
  return { entries: page.Items, total: page.TotalRecordCount ?? null };
}

export const DOWNLOAD_ENTRY_TYPE = 'UserDownloadingContent';
/** The Android app logs many entries for one download (jellyfin-android #1607, jellyfin #12187). */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 60 * 1000;
const DOWNLOADING = ' is downloading ';

/**
 * Download entries → downloads. The entry is written when `/Items/{id}/Download` starts streaming the file and
 * nothing reports the end, so every download is `complete: true` with unknown progress. Entries with the same
 * user and item within DUPLICATE_WINDOW_MS of the first are one download, identified by that first entry's Id
 * (an entry read twice across pages collapses the same way).
 */
export function mapActivityDownloads(entries: readonly ActivityLogEntry[]): DownloadActivity[] {
  const candidates = entries
    .filter((e) => e.Type === DOWNLOAD_ENTRY_TYPE)
    .map((e) => ({ entry: e, at: parseServerDate(e.Date, 'System/ActivityLog/Entries') }))
    .sort(
      (a, b) =>
        a.at.getTime() - b.at.getTime() || a.entry.Id.localeCompare(b.entry.Id, 'en', { numeric: true }),
    );

  const firstSeen = new Map<string, number>();
  const downloads: DownloadActivity[] = [];
  for (const { entry, at } of candidates) {
    const name = entry.Name ?? '';
    const cut = name.indexOf(DOWNLOADING);
    const title = cut >= 0 ? name.slice(cut + DOWNLOADING.length) : name;
    const accountId = guidOrNull(entry.UserId);
    const key = `${accountId ?? ''}\u0000${entry.ItemId || title}`;
    const first = firstSeen.get(key);
    if (first !== undefined && at.getTime() - first <= DUPLICATE_WINDOW_MS) continue;
    firstSeen.set(key, at.getTime());
    downloads.push({
      id: entry.Id,
      accountId,
      accountName: null,
      title,
      startedAt: at,
      progress: null,
      complete: true,
    });
  }
  return downloads;
}

// ── Emby sync jobs (EMBY "Downloads") ──────────────────────────────────────────────────────────────

const SyncJobSchema = z.object({ Id: id, UserId: text, Name: text });
const SyncJobItemSchema = z.object({
  Id: id,
  JobId: id,
  ItemName: text,
  Status: text,
  Progress: count,
  DateCreated: text,
});
const syncPage = <T extends z.ZodType>(item: T) => z.object({ Items: z.array(item) });

/** Sync ids share no space with activity-log ids, hence the prefix. */
export const syncDownloadId = (jobItemId: string) => `sync:${jobItemId}`;

/** One download per sync job item; the user is the job's. Complete once the item reached the device. */
export function mapSyncDownloads(jobsPayload: unknown, itemsPayload: unknown): DownloadActivity[] {
  const jobs = parse(syncPage(SyncJobSchema), jobsPayload, 'Sync/Jobs').Items;
  const items = parse(syncPage(SyncJobItemSchema), itemsPayload, 'Sync/JobItems').Items;
  const jobById = new Map(jobs.map((job) => [job.Id, job]));
  return items.map((item) => {
    const job = jobById.get(item.JobId);
    const progress = item.Progress == null ? null : Math.min(100, Math.max(0, item.Progress));
    return {
      id: syncDownloadId(item.Id),
      accountId: guidOrNull(job?.UserId),
      accountName: null,
      title: item.ItemName || job?.Name || '',
      startedAt: item.DateCreated ? parseServerDate(item.DateCreated, 'Sync/JobItems') : null,
      progress,
      complete: item.Status === 'Synced' || item.Status === 'Completed',
    };
  });
}

// ── Users ──────────────────────────────────────────────────────────────────────────────────────────

const UserSchema = z.object({ Id: z.string().min(1), Name: z.string() });

/** `GET /Users` answers an array; some Emby builds wrap it in a QueryResult, which is accepted too. */
export function mapUsers(payload: unknown): MediaAccount[] {
  const users = parse(z.union([z.array(UserSchema), syncPage(UserSchema)]), payload, 'Users');
  return (Array.isArray(users) ? users : users.Items).map((u) => ({ id: u.Id, name: u.Name }));
}

export type UserPolicy = Record<string, unknown> & { EnableContentDownloading: boolean };

/** The full `Policy` of a `GET /Users/{id}` answer, every key kept: the server replaces the whole policy on POST. */
export function readUserPolicy(payload: unknown): UserPolicy {
  const PolicySchema = z.looseObject({ EnableContentDownloading: z.boolean() });
  return parse(z.object({ Policy: PolicySchema }), payload, 'Users/{id}').Policy;
}

export function withAccountNames(
  downloads: DownloadActivity[],
  accounts: readonly MediaAccount[],
): DownloadActivity[] {
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  return downloads.map((d) => ({ ...d, accountName: d.accountId ? (names.get(d.accountId) ?? null) : null }));
}
