// Emby entry point: the shared MediaBrowser adapter with Emby's dialect.
import { createMediaBrowserServer, type MediaBrowserDialect } from '../mediabrowser/client.ts';
import type { MediaServer, MediaServerConfig } from '../types.ts';

export const EMBY_DIALECT: MediaBrowserDialect = {
  platform: 'emby',
  // The OpenAPI's `x-original-basePath` is /emby (reference EMBY); a URL already ending in /emby is kept as is.
  basePath: '/emby',
  authHeaders: (token) => ({ 'X-Emby-Token': token }),
  // Emby takes the message as query parameters, not a JSON body (reference EMBY "Message").
  messageRequest: (path, message) => ({ method: 'POST', path, query: { ...message } }),
  // Emby 4.8's OpenAPI documents `GET /Users/Query` (QueryResult<UserDto>) and no plain `GET /Users`.
  usersPath: '/Users/Query',
  // Emby offline downloads ("Make Available Offline") are sync jobs.
  hasSyncJobs: true,
  // `DELETE /Sync/Jobs/{Id}` (mediabrowser/sync-cancel.ts).
  cancelUnavailable: null,
};

export function createEmbyServer(config: MediaServerConfig): MediaServer {
  return createMediaBrowserServer(config, EMBY_DIALECT);
}
