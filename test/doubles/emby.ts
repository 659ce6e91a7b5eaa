// Loopback Emby double: serves under /emby and at the root, accepts X-Emby-Token or api_key, and has the Sync
// API (`/Sync/Jobs`, `/Sync/JobItems`) unless `sync: false` (see mediabrowser-server.ts).
import {
  type DoubleOptions,
  type MediaBrowserDouble,
  startMediaBrowserDouble,
} from './mediabrowser-server.ts';

export type {
  ActivitySpec,
  DoubleOptions,
  Fault,
  MediaBrowserDouble,
  SessionSpec,
  SyncJobSpec,
  UserSpec,
} from './mediabrowser-server.ts';
export type EmbyDouble = MediaBrowserDouble;

export function startEmbyDouble(opts: DoubleOptions = {}): Promise<EmbyDouble> {
  return startMediaBrowserDouble('emby', opts);
}
