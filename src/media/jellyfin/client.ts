// Jellyfin entry point: the shared MediaBrowser adapter with Jellyfin's dialect.
import { createMediaBrowserServer, type MediaBrowserDialect } from '../mediabrowser/client.ts';
import type { MediaServer, MediaServerConfig } from '../types.ts';

export const JELLYFIN_DIALECT: MediaBrowserDialect = {
  platform: 'jellyfin',
  basePath: '',
  // Jellyfin 12 turns legacy authorization off by default (EnableLegacyAuthorization; jellyfin
  // Jellyfin.Server.Implementations/Security/AuthorizationContext.cs): X-Emby-Token, X-MediaBrowser-Token,
  // X-Emby-Authorization and api_key are then ignored. `Authorization: MediaBrowser …` works on 10.x and 12.x alike.
  authHeaders: (token) => ({
    Authorization: `MediaBrowser Client="Streamwarden", Device="Streamwarden", DeviceId="streamwarden", Version="1", Token="${token}"`,
  }),
  // MessageCommand is a required JSON body (reference J3).
  messageRequest: (path, message) => ({ method: 'POST', path, body: message }),
  usersPath: '/Users',
  hasSyncJobs: false,
  // Jellyfin never had Emby's sync: it was in the closed part Jellyfin forked without and was not rebuilt
  // (jellyfin/jellyfin#183, #190). A download is the app fetching `GET /Items/{itemId}/Download`
  // (LibraryController.GetDownload, which logs UserDownloadingContent as it starts: LogDownloadAsync); the API has no
  // call that aborts a file transfer in progress.
  cancelUnavailable:
    'Jellyfin downloads are plain file transfers (GET /Items/{id}/Download) and its API has no call that stops one in progress',
};

export function createJellyfinServer(config: MediaServerConfig): MediaServer {
  return createMediaBrowserServer(config, JELLYFIN_DIALECT);
}
