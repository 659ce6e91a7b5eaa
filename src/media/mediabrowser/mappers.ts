// Pure mappers from Jellyfin/Emby ("MediaBrowser" family) payloads to our own types. Field names follow
// /work/shared/reference/media-server-apis.md J2 (SessionInfoDto), J4 (ActivityLogEntry) and EMBY (SyncJob,
// SyncJobItem). Every function throws MediaServerError('bad-response') on a payload of the wrong shape: a
// body we cannot read must never look like "nothing there".
import { z } from 'zod';
import type {
  ActiveStream,
  DownloadActivity,
  MediaAccount,
  ServerIdentity,
  StreamDelivery,
} from '../types.ts';
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

/** Anything a sub-read threw, as a MediaServerError (a non-media error is a programming or parsing fault). */
export const toMediaError = (err: unknown): MediaServerError =>
  err instanceof MediaServerError ? err : new MediaServerError('bad-response', 'unreadable answer');

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
  Album: text,
  Artists: z.array(z.string()).nullish(),
  AlbumArtist: text,
});

/** The file's streams as the session lists them (MediaStream: `Type` Video/Audio/Subtitle…, `Height`). */
const MediaStreamSchema = z.object({ Type: text, Height: count });

const SessionSchema = z.object({
  Id: z.string().min(1),
  UserId: text,
  UserName: text,
  Client: text,
  DeviceName: text,
  DeviceId: text,
  RemoteEndPoint: text,
  NowPlayingItem: NowPlayingSchema.extend({
    Height: count,
    MediaStreams: z.array(MediaStreamSchema).nullish(),
  }).nullish(),
  PlayState: z
    .object({
      IsPaused: z.boolean().nullish(),
      PlayMethod: z.enum(['Transcode', 'DirectStream', 'DirectPlay']).nullish().catch(null),
    })
    .nullish(),
  TranscodingInfo: z.object({ IsVideoDirect: z.boolean().nullish() }).nullish(),
});
type Session = z.infer<typeof SessionSchema>;

const PLAY_METHODS = {
  DirectPlay: 'direct-play',
  DirectStream: 'direct-stream',
  Transcode: 'transcode',
} as const satisfies Record<string, StreamDelivery['method']>;

/**
 * How a playing session is delivered. `PlayState.PlayMethod` is DirectPlay, DirectStream or Transcode (jellyfin
 * `MediaBrowser.Model/Session/PlayMethod.cs`, PlayerStateInfo.cs; Emby 4.8 OpenAPI PlayerStateInfo.PlayMethod).
 * `TranscodingInfo.IsVideoDirect` says whether the video is passed through while the server converts (jellyfin
 * `MediaBrowser.Model/Session/TranscodingInfo.cs`: "whether the video is passed through"; Emby's TranscodingInfo
 * the same): a Transcode with the video passed through converts only the audio. Without TranscodingInfo (the
 * server had not reported the job yet) the video is not counted as converted on a guess. The original height is
 * that of the video among `NowPlayingItem.MediaStreams`, which the server fills from the media source being played
 * (jellyfin `Emby.Server.Implementations/Session/SessionManager.cs` GetItemInfo: `info.MediaStreams =
 * mediaSource.MediaStreams`; the same line in the last open-source Emby, MediaBrowser/Emby, and Emby 4.8's OpenAPI
 * still lists BaseItemDto.MediaStreams), the file as probed; `NowPlayingItem.Height` (the item's own, DtoService
 * `dto.Height = item.Height`) backs it up. So no extra request: the session already describes the original.
 * `TranscodingInfo.Width/Height` are the converted output's and are never used for it.
 */
function sessionDelivery(s: Session): StreamDelivery | null {
  const item = s.NowPlayingItem;
  const method = s.PlayState?.PlayMethod;
  if (!item || !method) return null;
  const video = item.MediaStreams?.find((stream) => stream.Type === 'Video');
  const height = video?.Height ?? item.Height ?? null;
  return {
    method: PLAY_METHODS[method],
    videoTranscode: method === 'Transcode' && s.TranscodingInfo?.IsVideoDirect === false,
    sourceHeight: height !== null && height > 0 ? height : null,
  };
}

type NowPlaying = z.infer<typeof NowPlayingSchema>;

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A title built from the item's structured fields (BaseItemDto in jellyfin `MediaBrowser.Model/Dto/BaseItemDto.cs`
 * and Emby's OpenAPI), never from a localized display string: `Series — S01E02 — Episode` for episodes,
 * `Artist — Album — Track` for music, the item's Name otherwise.
 */
export function nowPlayingTitle(item: NowPlaying): string | null {
  const name = item.Name || null;
  const parts: string[] = [];
  if (item.SeriesName) {
    parts.push(item.SeriesName);
    if (item.ParentIndexNumber != null && item.IndexNumber != null) {
      parts.push(`S${pad2(item.ParentIndexNumber)}E${pad2(item.IndexNumber)}`);
    } else if (item.IndexNumber != null) {
      parts.push(`E${pad2(item.IndexNumber)}`);
    }
  } else if (item.Type === 'Audio' || item.Type === 'MusicVideo') {
    const artists = item.Artists?.filter((a) => a !== '') ?? [];
    const artist = artists.length > 0 ? artists.join(', ') : item.AlbumArtist;
    if (artist) parts.push(artist);
    if (item.Album) parts.push(item.Album);
  }
  if (parts.length === 0) return name;
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
    delivery: sessionDelivery(s),
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

// An entry's Name is written in the server's language (LibraryController.LogDownloadAsync formats
// GetServerLocalizedString("UserDownloadingItemWithValues") with the user's name and item.Name: "{0} is downloading
// {1}" in en-US, "{0} lädt {1} herunter" in de, Emby.Server.Implementations/Localization/Core/*.json), so the title
// comes from the entry's ItemId (`GET /Items?ids=`, parseItemTitles); the English sentence is only a fallback.

const ItemSchema = NowPlayingSchema.extend({ Id: z.string().min(1) });
const ItemPageSchema = z.object({ Items: z.array(ItemSchema) });

/** The same item id whatever its spelling (Jellyfin's "N" Guids, with or without dashes; Emby's numbers). */
export const itemKey = (id: string) => id.replaceAll('-', '').toLowerCase();

/** `GET /Items?ids=` (a QueryResult of BaseItemDto) → title by itemKey; items the server no longer has are absent. */
export function parseItemTitles(payload: unknown): Map<string, string> {
  const page = parse(ItemPageSchema, payload, 'Items');
  const titles = new Map<string, string>();
  for (const item of page.Items) {
    const title = nowPlayingTitle(item);
    if (title) titles.set(itemKey(item.Id), title);
  }
  return titles;
}

/** The item ids of the download entries among `entries`, once each. */
export function downloadItemIds(entries: readonly ActivityLogEntry[]): string[] {
  const ids = new Map<string, string>();
  for (const e of entries)
    if (e.Type === DOWNLOAD_ENTRY_TYPE && e.ItemId) ids.set(itemKey(e.ItemId), e.ItemId);
  return [...ids.values()];
}

/** The Android app logs many entries for one download (jellyfin-android #1607, jellyfin #12187). */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 60 * 1000;
const DOWNLOADING = ' is downloading ';

/**
 * Download entries → downloads. The entry is written when `/Items/{id}/Download` starts streaming the file and
 * nothing reports the end, so every download is `complete: true` with unknown progress. Entries with the same
 * user and item within DUPLICATE_WINDOW_MS of the first are one download, identified by that first entry's Id
 * (an entry read twice across pages collapses the same way). `titles` (by itemKey) names the items; an entry
 * whose item is not there falls back to the English sentence, or the whole Name in another language.
 */
export function mapActivityDownloads(
  entries: readonly ActivityLogEntry[],
  titles: ReadonlyMap<string, string> = new Map(),
): DownloadActivity[] {
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
    const title =
      (entry.ItemId ? titles.get(itemKey(entry.ItemId)) : undefined) ??
      (cut >= 0 ? name.slice(cut + DOWNLOADING.length) : name);
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
// Emby 4.8 OpenAPI (MediaBrowser/Emby.SDK Resources/OpenApi/openapi_v3.json): SyncJob.Id, SyncJob.UserId (the
// user's internal id, not UserDto.Id), SyncJobItem.Id/JobId/ItemId are int64; TargetId is the device id string.

const SyncJobSchema = z.object({ Id: id, UserId: id.nullish(), TargetId: text, Name: text });
const SyncJobItemSchema = z.object({
  Id: id,
  JobId: id,
  TargetId: text,
  ItemName: text,
  Status: text,
  Progress: count,
  DateCreated: text,
});
const SyncTargetSchema = z.object({ Id: z.string(), Name: text });
const syncPage = <T extends z.ZodType>(item: T) => z.object({ Items: z.array(item) });

export type SyncJob = z.infer<typeof SyncJobSchema>;
export type SyncJobItem = z.infer<typeof SyncJobItemSchema>;

export const parseSyncJobs = (payload: unknown): SyncJob[] =>
  parse(syncPage(SyncJobSchema), payload, 'Sync/Jobs').Items;
export const parseSyncJobItems = (payload: unknown): SyncJobItem[] =>
  parse(syncPage(SyncJobItemSchema), payload, 'Sync/JobItems').Items;
/** `GET /Sync/Targets?UserId=` answers a bare array of `{ Name, Id }`, Id being the device id. */
export const parseSyncTargets = (payload: unknown): string[] =>
  parse(z.array(SyncTargetSchema), payload, 'Sync/Targets').map((t) => t.Id);

/** Sync ids share no space with activity-log ids, hence the prefix. */
export const syncDownloadId = (jobItemId: string) => `sync:${jobItemId}`;

/**
 * Who owns each job. A device (sync target) listed for exactly one user settles its jobs; a device shared by
 * several users is settled through the job's internal UserId, learnt from that user's unshared devices. A job
 * that stays ambiguous is attributed to nobody rather than guessed.
 */
export function syncJobOwners(
  jobs: readonly SyncJob[],
  targetsByAccount: ReadonlyMap<string, readonly string[]>,
): Map<string, string | null> {
  const ownersOfTarget = new Map<string, Set<string>>();
  for (const [account, targets] of targetsByAccount) {
    for (const target of targets) {
      const owners = ownersOfTarget.get(target) ?? new Set<string>();
      owners.add(account);
      ownersOfTarget.set(target, owners);
    }
  }
  const soleOwner = (target: string | null | undefined) => {
    const owners = target ? ownersOfTarget.get(target) : undefined;
    return owners?.size === 1 ? [...owners][0] : undefined;
  };
  const accountOfInternalId = new Map<string, string | null>();
  for (const job of jobs) {
    const owner = soleOwner(job.TargetId);
    if (owner === undefined || job.UserId == null) continue;
    const known = accountOfInternalId.get(job.UserId);
    accountOfInternalId.set(job.UserId, known === undefined || known === owner ? owner : null);
  }
  return new Map(
    jobs.map((job) => [
      job.Id,
      soleOwner(job.TargetId) ?? (job.UserId == null ? null : (accountOfInternalId.get(job.UserId) ?? null)),
    ]),
  );
}

/** One download per sync job item, attributed to its job's owner. Complete once the item reached the device. */
export function mapSyncDownloads(
  jobs: readonly SyncJob[],
  items: readonly SyncJobItem[],
  owners: ReadonlyMap<string, string | null>,
): DownloadActivity[] {
  const jobById = new Map(jobs.map((job) => [job.Id, job]));
  return items.map((item) => {
    const job = jobById.get(item.JobId);
    const progress = item.Progress == null ? null : Math.min(100, Math.max(0, item.Progress));
    return {
      id: syncDownloadId(item.Id),
      accountId: owners.get(item.JobId) ?? null,
      accountName: null,
      title: item.ItemName || job?.Name || '',
      startedAt: item.DateCreated ? parseServerDate(item.DateCreated, 'Sync/JobItems') : null,
      progress,
      complete: item.Status === 'Synced',
    };
  });
}

// ── Users ──────────────────────────────────────────────────────────────────────────────────────────

const UserSchema = z.object({ Id: z.string().min(1), Name: z.string() });

/** Jellyfin `GET /Users` answers a UserDto array; Emby 4.8 `GET /Users/Query` a QueryResult<UserDto>. */
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
