// Loopback Jellyfin double (see mediabrowser-server.ts for behaviour and state helpers).
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
export type JellyfinDouble = MediaBrowserDouble;

export function startJellyfinDouble(opts: DoubleOptions = {}): Promise<JellyfinDouble> {
  return startMediaBrowserDouble('jellyfin', opts);
}
