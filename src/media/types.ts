// The one media-server interface. Shared code depends on these types only; each platform folder
// (plex/, jellyfin/, emby/) maps its own payloads onto them.
//
// Error contract: a method that could not find out (network error, timeout, 401, 5xx, a body that
// does not parse) throws a MediaServerError. It never answers "nothing there" when it could not look.

export type Platform = 'plex' | 'jellyfin' | 'emby';
export const PLATFORMS: readonly Platform[] = ['plex', 'jellyfin', 'emby'];

export type StreamState = 'playing' | 'paused' | 'buffering';

/** One playback session as the server reports it. `state` is null when nothing is playing (an idle app). */
export interface ActiveStream {
  /** Id used to stop the session; null when the platform gives none (Plexamp sessions have no Session id). */
  sessionId: string | null;
  /** Stable key of this session within one read (Plex sessionKey, Jellyfin/Emby session Id). */
  key: string;
  accountId: string | null;
  accountName: string;
  /** True for the server owner's own account (Plex User id 1): never enforced. */
  isOwner: boolean;
  deviceId: string | null;
  device: string;
  product: string | null;
  ipAddress: string | null;
  title: string | null;
  state: StreamState | null;
  /** When playback started, when the platform says; otherwise null. */
  startedAt: Date | null;
  /** How the server delivers it (direct play, direct stream, transcode); absent or null when the platform does not say. */
  delivery?: StreamDelivery | null;
}

/** How a stream reaches the player, read from what the server reports about the session. */
export interface StreamDelivery {
  /** 'direct-play': the file as it is; 'direct-stream': repackaged, nothing converted; 'transcode': video or audio converted. */
  method: 'direct-play' | 'direct-stream' | 'transcode';
  /** Whether the video itself is converted (the costly part); false when only the audio is. */
  videoTranscode: boolean;
  /** Height in pixels of the original file's video (2160 for 4K), not of the converted stream; null when unknown. */
  sourceHeight: number | null;
}

/** One download the server reports (Plex media.download activity, Jellyfin/Emby activity-log entry or sync job). */
export interface DownloadActivity {
  /** Stable id of this download on this server (Plex activity uuid, activity-log entry id, sync job id). */
  id: string;
  accountId: string | null;
  accountName: string | null;
  title: string;
  /** First time the download was seen or logged; null when the platform gives no time (Plex activities). */
  startedAt: Date | null;
  /** 0..100 when known. */
  progress: number | null;
  complete: boolean;
}

export interface ServerIdentity {
  /** Plex machineIdentifier, Jellyfin/Emby server Id. */
  serverId: string;
  name: string;
  version: string;
  /** Plex: whether the owner's account has Plex Pass (myPlexSubscription). Null on other platforms. */
  premium: boolean | null;
  /** Whether this server lets the bot stop streams (Plex needs Plex Pass); when false, `stopUnavailableReason` says why. */
  canStopStreams: boolean;
  stopUnavailableReason: string | null;
}

export interface MediaAccount {
  id: string;
  name: string;
  /** True when the account was invited to the server but has not accepted yet (Plex); it can't stream yet. */
  pending?: boolean;
  /** Other names an admin may type for it (Plex: the plex.tv display name and email); never shown to others. */
  aliases?: string[];
}

export type Capability =
  | 'stop-stream'
  | 'on-screen-message' // a message separate from the stop (Plex can only show the stop reason)
  | 'download-activity'
  | 'toggle-downloads'
  /** Cancels a download in progress on the server, proven by a read that no longer lists it (Emby sync jobs). */
  | 'cancel-download'
  /** After a successful stop the next read shows the session idle or gone, so a session still playing means the
   *  player ignored the stop (Jellyfin/Emby send Stop to the client, which may ignore it). Plex keeps listing a
   *  terminated session as playing for a while (Tracearr #314/#357), so a read cannot verify its stops. */
  | 'verifiable-stop';

export interface StopResult {
  ok: boolean;
  /** Why it failed, in words an admin understands (never contains a token). */
  reason?: string;
  /** The server no longer knew the session (it ended on its own just before the stop): ok, nothing was stopped. */
  alreadyEnded?: boolean;
  /** The failure says the server does not stop streams for the bot (no Plex Pass, a route gone), not that this one
   *  session could not be stopped. */
  serverRefuses?: boolean;
  /** Platforms with a separate on-screen message: how it went (left out when it failed for a passing reason). */
  message?: { ok: true } | { ok: false; reason: string };
}

/** How a cancel went. A platform or a download that cannot be cancelled answers `unsupported` with why, calling
 *  nothing; a cancel the server accepted but a read-back still lists throws MediaServerError('not-applied'). */
export type CancelDownloadResult =
  | {
      ok: true /** The server no longer had it (finished or removed before the cancel). */;
      alreadyGone: boolean;
    }
  | { ok: false; unsupported: true; reason: string };

export interface MediaServer {
  readonly platform: Platform;
  supports(capability: Capability): boolean;
  /** Connects and checks the token; throws MediaServerError('unauthorized' | 'unreachable' | …). */
  identify(): Promise<ServerIdentity>;
  listStreams(): Promise<ActiveStream[]>;
  /** Shows `message` on the client (or as the stop reason on Plex) and stops the session. Never throws for a
   *  session the server refuses to stop: it answers { ok: false, reason }. */
  stopStream(stream: ActiveStream, message: { title: string; text: string }): Promise<StopResult>;
  listDownloads(): Promise<DownloadActivity[]>;
  /** Accounts known to the server, for linking by name. */
  listAccounts(): Promise<MediaAccount[]>;
  /** Switches downloads on or off for one account, keeping every other permission as it was. Reads the setting back
   *  afterwards and throws MediaServerError('not-applied') when the server accepted the write but did not apply it. */
  setDownloadsAllowed(account: { id: string | null; name: string }, allowed: boolean): Promise<void>;
  /** Whether the server lets this account download now (the setting `setDownloadsAllowed` writes), read from the
   *  server; throws like any read when it cannot tell. */
  downloadsAllowed(account: { id: string | null; name: string }): Promise<boolean>;
  /** Why this server cannot cancel downloads in progress, in words for admins; null when it can ('cancel-download'). */
  readonly cancelUnavailable: string | null;
  /** Cancels the download `downloadId` (a `DownloadActivity.id` from `listDownloads`) and reads back that the
   *  server no longer lists it; throws like any call when it could not find out. */
  cancelDownload(downloadId: string): Promise<CancelDownloadResult>;
}

export type MediaErrorKind =
  | 'unauthorized'
  | 'unreachable'
  | 'timeout'
  | 'server-error'
  | 'bad-response'
  | 'not-found'
  /** The server answered an authenticated request with a redirect; it is never followed (the token stays home). */
  | 'redirect'
  /** A write was accepted but reading it back shows it did not take effect. */
  | 'not-applied';

/** Error kinds that are about reaching the server (its health), not about one thing it does. */
const HEALTH_KINDS = new Set(['unreachable', 'timeout', 'server-error', 'unauthorized']);

/**
 * Whether a failed call says something about the capability (see the top of this file): a route missing or gone
 * (404, 405, 410: any other 4xx), an answer that cannot be read, a write not applied, a redirect.
 */
export function isCapabilityFailure(error: { kind: string; status?: number | undefined }): boolean {
  if (error.kind === 'server-error') return error.status !== undefined && error.status < 500;
  return !HEALTH_KINDS.has(error.kind);
}

export class MediaServerError extends Error {
  constructor(
    readonly kind: MediaErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'MediaServerError';
  }
}

/**
 * `listDownloads` read some of its sources but not all (e.g. Emby's activity log but not one device's sync
 * items). It is still "could not find out", so it throws; `found` carries what was read, which callers may keep
 * (downloads are folded idempotently, so a later complete read adds the rest) without treating it as complete.
 */
export class PartialDownloadsError extends MediaServerError {
  constructor(
    readonly found: DownloadActivity[],
    cause: MediaServerError,
  ) {
    super(
      cause.kind,
      `${cause.message} (${found.length} download(s) read from the other sources)`,
      cause.status,
    );
    this.name = 'PartialDownloadsError';
  }
}

/**
 * `listAccounts` read some of its sources but not all (Plex: plex.tv's pending invites, or PMS `/accounts`). Still a
 * throw, as the list is not complete: `found` is what was read (an account in it is real), `unread` names what is
 * missing in words for an admin (a name not in `found` may be there).
 */
export class PartialAccountsError extends MediaServerError {
  constructor(
    readonly found: MediaAccount[],
    readonly unread: string[],
    cause: MediaServerError,
  ) {
    super(cause.kind, `${unread.join(' and ')} could not be read: ${cause.message}`, cause.status);
    this.name = 'PartialAccountsError';
  }
}

export interface MediaServerConfig {
  platform: Platform;
  url: string;
  token: string;
  /** The install's X-Plex-Client-Identifier: one per install, the same on every Plex and plex.tv call. */
  clientIdentifier?: string;
  /** plex.tv base URL, used by the Plex adapter for the server's users, invites and download permission. */
  plexTvUrl?: string;
  timeoutMs?: number;
  /** The bot's clock (look-back windows are computed from it, never from the system clock). */
  clock?: () => Date;
}
