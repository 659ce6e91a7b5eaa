// The media-server versions Streamwarden was checked against, and where a reported version falls. Pure: no I/O.
import type { Platform } from '../media/types.ts';

/** Oldest version checked, and the newest major.minor line checked (any patch of it counts). */
export interface CheckedRange {
  from: readonly [number, number, number];
  through: readonly [number, number];
}

/** Keep docs/servers.md ("Supported server versions") in step with this table. */
export const CHECKED_VERSIONS: Record<Platform, CheckedRange> = {
  // The test doubles' payloads were checked against these: PMS 1.40–1.43 (python-plexapi, Tautulli), Jellyfin
  // 10.10–12.0 (jellyfin/jellyfin source from v10.10.0 to v12.0-rc5, its newest release tag, which reports 12.0.0
  // from SharedVersion.cs; @jellyfin/sdk 1.0), Emby 4.8–4.9 (MediaBrowser/Emby.SDK's OpenAPI: 4.8.11.0, and
  // 4.9.0.41-Beta, where every route the adapter calls is unchanged; UserPolicy drops BlockedMediaFolders,
  // which the adapter sends back only when the server gave it).
  // Plex Media Server through 1.43: the shapes the Plex double follows are the ones python-plexapi @4ffb295d (July
  // 2026) reads, and its CI runs them against plexinc/pms-docker:latest (.github/workflows/ci.yaml); PMS 1.42.1
  // (plexinc/pms-docker #156) and 1.43.3.10896 (microsoft/winget-pkgs #420024, August 2026) are the current lines.
  plex: { from: [1, 40, 0], through: [1, 43] },
  jellyfin: { from: [10, 10, 0], through: [12, 0] },
  emby: { from: [4, 8, 0], through: [4, 9] },
};

export type VersionVerdict = 'checked' | 'older' | 'newer' | 'unreadable';

export interface VersionCheck {
  verdict: VersionVerdict;
  /** The range in words, e.g. "1.32.0 – 1.42.x". */
  range: string;
}

export function rangeLabel(range: CheckedRange): string {
  return `${range.from.join('.')} – ${range.through.join('.')}.x`;
}

/**
 * Reads the leading major.minor.patch of a version string: Plex "1.41.3.9314-a0bfb8370", Jellyfin "10.10.7",
 * Emby "4.8.10.0". A missing patch counts as 0; anything without at least major.minor is unreadable (null).
 */
export function parseVersion(version: string): [number, number, number] | null {
  const match = /^\s*v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,9}))?/.exec(version);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Where `version` (as the server reports it) falls relative to the versions checked for `platform`. */
export function checkVersion(platform: Platform, version: string): VersionCheck {
  const range = CHECKED_VERSIONS[platform];
  const label = rangeLabel(range);
  const parsed = parseVersion(version);
  if (!parsed) return { verdict: 'unreadable', range: label };
  if (compare(parsed, range.from) < 0) return { verdict: 'older', range: label };
  if (compare(parsed.slice(0, 2), range.through) > 0) return { verdict: 'newer', range: label };
  return { verdict: 'checked', range: label };
}

/** A known fault of a server version: what fails, and what the owner can do. */
export interface KnownProblem {
  reason: string;
  fix: string;
}

/**
 * Jellyfin 10.9.0 up to (not including) 10.11.0 never pushes sessions or activity to an API key: the socket
 * listeners' Start calls `AuthorizationInfo.User.HasPermission` before looking at `IsApiKey`, and User is null for
 * an API key, so `SessionsStart` throws (logged as "Failed to process WebSocket message") and the socket stays open
 * and silent (jellyfin/jellyfin SessionInfoWebSocketListener.cs and ActivityLogWebSocketListener.cs from v10.9.0,
 * commit 05d98fe; v10.10.6 added `&& !IsApiKey` after the call; v10.11.0 checks IsApiKey first, #13499).
 */
export function knownPushProblem(platform: Platform, version: string | null): KnownProblem | null {
  if (platform !== 'jellyfin' || !version) return null;
  const v = parseVersion(version);
  if (!v || compare(v, [10, 9, 0]) < 0 || compare(v, [10, 11, 0]) >= 0) return null;
  return {
    reason: `Jellyfin ${v.join('.')} never sends push events to an API key (a server bug of 10.9.0 to 10.10.7, fixed in 10.11.0)`,
    fix: 'Upgrade Jellyfin to 10.11.0 or later. Until then the bot polls this server every 15 seconds, so streams over the cap are still stopped, only a little later.',
  };
}
