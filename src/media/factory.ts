// The only place that switches on the platform.
import { createEmbyServer } from './emby/client.ts';
import { createJellyfinServer } from './jellyfin/client.ts';
import { createPlexServer } from './plex/client.ts';
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
