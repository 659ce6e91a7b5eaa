// The one adapter behind Jellyfin and Emby ("MediaBrowser" family: Emby is Jellyfin's ancestor and they still
// share most of the REST API). A Dialect carries the few differences; everything else is written once.
// Reference: /work/shared/reference/media-server-apis.md J1–J4 and EMBY.
import { redact, registerSecret } from '../../redact.ts';
import { HttpClient, type HttpRequest } from '../http.ts';
import type {
  ActiveStream,
  CancelDownloadResult,
  Capability,
  DownloadActivity,
  MediaAccount,
  MediaServer,
  MediaServerConfig,
  ServerIdentity,
  StopResult,
} from '../types.ts';
import { isCapabilityFailure, MediaServerError, PartialDownloadsError } from '../types.ts';
import { ItemTitles } from './items.ts';
import {
  type ActivityLogEntry,
  downloadItemIds,
  mapActivityDownloads,
  mapSessions,
  mapSystemInfo,
  mapUsers,
  parseActivityPage,
  readUserPolicy,
  toMediaError,
  withAccountNames,
} from './mappers.ts';
import { readSyncDownloads } from './sync.ts';
import { cancelSyncDownload } from './sync-cancel.ts';

export interface MediaBrowserDialect {
  readonly platform: 'jellyfin' | 'emby';
  /** Path prefix appended to the configured URL ('' for Jellyfin, '/emby' for Emby). */
  readonly basePath: string;
  authHeaders(token: string): Record<string, string>;
  /** How `POST /Sessions/{id}/Message` carries its fields (Jellyfin: JSON body; Emby: query parameters). */
  messageRequest(path: string, message: { Header: string; Text: string; TimeoutMs: number }): HttpRequest;
  /** Jellyfin: `GET /Users` (a UserDto array); Emby 4.8: `GET /Users/Query` (a QueryResult). */
  readonly usersPath: string;
  /** Emby offline downloads are sync jobs (`/Sync/Jobs`, `/Sync/JobItems`); Jellyfin removed sync. */
  readonly hasSyncJobs: boolean;
  /** Why downloads cannot be cancelled on this platform; null when its sync jobs can be (Emby). */
  readonly cancelUnavailable: string | null;
}

/** Downloads are read a day past the weekly window so the first entry of a collapsed duplicate run is kept. */
export const DOWNLOAD_LOOKBACK_MS = 8 * 24 * 60 * 60 * 1000;
export const ACTIVITY_PAGE_SIZE = 1000;
/** 20 000 entries in 8 days; past that we refuse rather than report a truncated (undercounted) list. */
export const MAX_ACTIVITY_PAGES = 20;
export const MESSAGE_TIMEOUT_MS = 10_000;
const CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'stop-stream',
  'on-screen-message',
  'download-activity',
  'toggle-downloads',
  'verifiable-stop',
]);

const isNotFound = (err: unknown) => err instanceof MediaServerError && err.kind === 'not-found';
const segment = (value: string) => encodeURIComponent(value);

class MediaBrowserServer implements MediaServer {
  readonly platform: 'jellyfin' | 'emby';
  private readonly http: HttpClient;
  private readonly itemTitles: ItemTitles;

  constructor(
    config: MediaServerConfig,
    private readonly dialect: MediaBrowserDialect,
    private readonly now: () => Date,
  ) {
    this.platform = dialect.platform;
    registerSecret(config.token);
    let base = config.url.replace(/\/+$/, '');
    if (dialect.basePath && !base.toLowerCase().endsWith(dialect.basePath)) base += dialect.basePath;
    this.http = new HttpClient(base, dialect.authHeaders(config.token), config.timeoutMs);
    this.itemTitles = new ItemTitles(this.http);
  }

  get cancelUnavailable(): string | null {
    return this.dialect.cancelUnavailable;
  }

  supports(capability: Capability): boolean {
    if (capability === 'cancel-download') return this.dialect.cancelUnavailable === null;
    return CAPABILITIES.has(capability);
  }

  async identify(): Promise<ServerIdentity> {
    return mapSystemInfo(await this.http.json({ path: '/System/Info' }));
  }

  async listStreams(): Promise<ActiveStream[]> {
    return mapSessions(await this.http.json({ path: '/Sessions' }));
  }

  /** Message first (best effort: many third-party players ignore it, J3), then Stop, whose 204 only means the
   *  command was queued to the session's controllers; the caller verifies on its next read. */
  async stopStream(stream: ActiveStream, message: { title: string; text: string }): Promise<StopResult> {
    const sessionPath = `/Sessions/${segment(stream.sessionId ?? stream.key)}`;
    let sent: StopResult['message'] = { ok: true };
    try {
      await this.http.request(
        this.dialect.messageRequest(`${sessionPath}/Message`, {
          Header: message.title,
          Text: message.text,
          TimeoutMs: MESSAGE_TIMEOUT_MS,
        }),
      );
    } catch (err) {
      // A failed message must not keep the stream running; the stop below reports what matters.
      sent =
        err instanceof MediaServerError && isCapabilityFailure(err) && !isNotFound(err)
          ? { ok: false, reason: redact(err.message) }
          : undefined;
    }
    const withMessage = sent ? { message: sent } : {};
    try {
      await this.http.request({ method: 'POST', path: `${sessionPath}/Playing/Stop` });
      return { ok: true, ...withMessage };
    } catch (err) {
      // Jellyfin's SessionManager throws ResourceNotFoundException (→ 404) for a session it no longer has: the
      // session ended between our read and the stop, which is the outcome we wanted.
      if (isNotFound(err)) return { ok: true, alreadyEnded: true };
      return {
        ok: false,
        reason: redact(err instanceof Error ? err.message : String(err)),
        serverRefuses: err instanceof MediaServerError && isCapabilityFailure(err),
        ...withMessage,
      };
    }
  }

  /**
   * Activity-log downloads plus (Emby) sync-job items. The sources are read independently: when one fails, what
   * the others found is kept in a PartialDownloadsError (still a throw: the list is not complete).
   */
  async listDownloads(): Promise<DownloadActivity[]> {
    const since = new Date(this.now().getTime() - DOWNLOAD_LOOKBACK_MS);
    const failures: MediaServerError[] = [];
    const attempt = async <T>(read: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await read();
      } catch (err) {
        failures.push(toMediaError(err));
        return fallback;
      }
    };
    // In parallel, so a server that hangs costs one timeout, not one per source.
    const accountsRead = attempt(() => this.listAccounts(), null);
    const [accounts, downloads, sync] = await Promise.all([
      accountsRead,
      attempt(async () => {
        const entries = await this.readActivityLog(since);
        return mapActivityDownloads(entries, await this.itemTitles.titlesFor(downloadItemIds(entries)));
      }, []),
      this.dialect.hasSyncJobs ? readSyncDownloads(this.http, accountsRead) : null,
    ]);
    if (sync?.failure) failures.push(sync.failure);
    downloads.push(...(sync?.downloads ?? []).filter((d) => d.startedAt === null || d.startedAt >= since));
    const named = withAccountNames(downloads, accounts ?? []);
    const [failure] = failures;
    if (failure) throw named.length === 0 ? failure : new PartialDownloadsError(named, failure);
    return named;
  }

  async cancelDownload(downloadId: string): Promise<CancelDownloadResult> {
    const why = this.dialect.cancelUnavailable;
    if (why !== null) return { ok: false, unsupported: true, reason: why };
    return cancelSyncDownload(this.http, downloadId);
  }

  async listAccounts(): Promise<MediaAccount[]> {
    return mapUsers(await this.http.json({ path: this.dialect.usersPath }));
  }

  /** GET the user, flip one flag, POST the whole policy back: the server replaces the policy wholesale and
   *  resets any missing boolean to false (J4, Wizarr does the same). */
  async setDownloadsAllowed(account: { id: string | null; name: string }, allowed: boolean): Promise<void> {
    const userId = account.id ?? (await this.findUserId(account.name));
    const policy = readUserPolicy(await this.user(userId));
    await this.http.request({
      method: 'POST',
      path: `/Users/${segment(userId)}/Policy`,
      body: { ...policy, EnableContentDownloading: allowed },
    });
    const after = readUserPolicy(await this.http.json({ path: `/Users/${segment(userId)}` }));
    if (after.EnableContentDownloading !== allowed) {
      throw new MediaServerError(
        'not-applied',
        `POST /Users/${userId}/Policy: the server accepted the policy but downloads are still ${allowed ? 'off' : 'on'}`,
      );
    }
  }

  /** `Policy.EnableContentDownloading` of the user as the server reports it on GET /Users/{id}. */
  async downloadsAllowed(account: { id: string | null; name: string }): Promise<boolean> {
    const userId = account.id ?? (await this.findUserId(account.name));
    return readUserPolicy(await this.user(userId)).EnableContentDownloading;
  }

  private async user(userId: string): Promise<unknown> {
    try {
      return await this.http.json({ path: `/Users/${segment(userId)}` });
    } catch (err) {
      if (isNotFound(err))
        throw new MediaServerError('not-found', `No user with id ${userId} on this server`, 404);
      throw err;
    }
  }

  private async findUserId(name: string): Promise<string> {
    const accounts = await this.listAccounts();
    // Both servers treat user names case-insensitively; an exact match wins if two differ only by case.
    const match =
      accounts.find((a) => a.name === name) ??
      accounts.find((a) => a.name.toLowerCase() === name.toLowerCase());
    if (!match) throw new MediaServerError('not-found', `No user named ${name} on this server`);
    return match.id;
  }

  /** The log is newest-first and 10.x cannot filter by type (J4), so every entry since `since` is paged in. */
  private async readActivityLog(since: Date): Promise<ActivityLogEntry[]> {
    const entries: ActivityLogEntry[] = [];
    for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
      const payload = await this.http.json({
        path: '/System/ActivityLog/Entries',
        // Both servers bind query names case-insensitively (ASP.NET Core, ServiceStack); Emby ignores hasUserId.
        query: {
          minDate: since.toISOString(),
          startIndex: entries.length,
          limit: ACTIVITY_PAGE_SIZE,
          hasUserId: true,
        },
      });
      const { entries: items, total } = parseActivityPage(payload);
      entries.push(...items);
      const done = total === null ? items.length < ACTIVITY_PAGE_SIZE : entries.length >= total;
      if (items.length === 0 || done) return entries;
    }
    throw new MediaServerError(
      'bad-response',
      `The activity log holds more than ${MAX_ACTIVITY_PAGES * ACTIVITY_PAGE_SIZE} entries since ${since.toISOString()}; downloads were not counted`,
    );
  }
}

export function createMediaBrowserServer(
  config: MediaServerConfig,
  dialect: MediaBrowserDialect,
): MediaServer {
  return new MediaBrowserServer(config, dialect, config.clock ?? (() => new Date()));
}
