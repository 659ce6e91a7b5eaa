// The only place that switches on the platform.
import { createEmbyServer } from './emby/client.ts';
import { createJellyfinServer, JELLYFIN_DIALECT } from './jellyfin/client.ts';
import { createQuickConnect } from './jellyfin/quick-connect.ts';
import { mediaBrowserPushSpec } from './mediabrowser/push.ts';
import { createPlexServer } from './plex/client.ts';
import { createPlexPinLogin } from './plex/pin-login.ts';
import { plexPushSpec } from './plex/push.ts';
import type { PushSpec } from './push-types.ts';
import type { SelfLinkOptions, SelfLinkProvider } from './self-link.ts';
import type { MediaServer, MediaServerConfig } from './types.ts';

export function createMediaServer(config: MediaServerConfig): MediaServer {
  switch (config.platform) {
    case 'plex':
      return createPlexServer(config);
    case 'jellyfin':
      return createJellyfinServer(config);
    case 'emby':
      return createEmbyServer(config);
  }
}

/** How members sign in to link themselves (`/link`), or null when the platform has no such flow (Emby). `server`
 *  is the client for the same server (Plex checks the account against its users). */
export function createSelfLink(
  config: MediaServerConfig,
  options: SelfLinkOptions,
  server: MediaServer,
): SelfLinkProvider | null {
  switch (config.platform) {
    case 'plex':
      return createPlexPinLogin(config, options, server);
    case 'jellyfin':
      return createQuickConnect(config, options);
    case 'emby':
      return null;
  }
}

/** How to open the server's push channel (see push-types.ts). */
export function createPushSpec(config: MediaServerConfig): PushSpec {
  switch (config.platform) {
    case 'plex':
      return plexPushSpec(config.url, config.token, config.clientIdentifier);
    case 'jellyfin':
      return mediaBrowserPushSpec(config.url, {
        platform: 'jellyfin',
        path: '/socket',
        auth: { headers: JELLYFIN_DIALECT.authHeaders(config.token) },
      });
    case 'emby':
      // The socket lives at the server's root, not under the /emby API prefix.
      return mediaBrowserPushSpec(config.url.replace(/\/+$/, '').replace(/\/emby$/i, ''), {
        platform: 'emby',
        path: '/embywebsocket',
        auth: { query: { api_key: config.token, deviceId: PUSH_DEVICE_ID } },
      });
  }
}

/** The device id the bot's own socket session shows on Jellyfin/Emby dashboards. */
export const PUSH_DEVICE_ID = 'streamwarden';
