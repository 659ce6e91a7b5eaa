// Jellyfin's and Emby's session socket.
// - Jellyfin: any path is upgraded by WebSocketHandlerMiddleware; clients use `/socket` and, on 10.11+/12, must
//   authenticate with the `Authorization: MediaBrowser … Token="…"` header (legacy `api_key` is off by default).
// - Emby: `/embywebsocket?api_key=…&deviceId=…` (mregni/EmbyStat Emby.ApiClient ApiWebSocket.cs
//   `GetWebSocketUrl`; mezz64/pyemby server.py connects with `api_key` in the query too).
// Both: send `{"MessageType":"SessionsStart","Data":"0,1500"}` (Data = "initialDelayMs,intervalMs",
// BasePeriodicWebSocketListener.Start; pyemby sends the same) and receive `{"MessageType":"Sessions","Data":
// [SessionInfo…]}` on every session change. `ActivityLogEntryStart` makes the server send `ActivityLogEntry`
// (Data is an empty array: a trigger, ActivityLogWebSocketListener.cs). The server sends `ForceKeepAlive` with the
// timeout in seconds; a socket without a client `KeepAlive` for that long is dropped (SessionWebSocketListener.cs,
// jellyfin-apiclient sends one every half timeout).
import { z } from 'zod';
import type { PushEvent, PushMessage, PushSpec } from '../push-types.ts';
import { mapSessions } from './mappers.ts';

const Envelope = z.object({ MessageType: z.string(), Data: z.unknown().optional() }).loose();

export const SESSIONS_START = JSON.stringify({ MessageType: 'SessionsStart', Data: '0,1500' });
export const ACTIVITY_LOG_START = JSON.stringify({ MessageType: 'ActivityLogEntryStart', Data: '0,1000' });
export const KEEP_ALIVE = JSON.stringify({ MessageType: 'KeepAlive' });

export function parseMediaBrowserMessage(text: string): PushMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { events: [] };
  }
  const parsed = Envelope.safeParse(json);
  if (!parsed.success) return { events: [] };
  const { MessageType, Data } = parsed.data;
  switch (MessageType) {
    case 'ForceKeepAlive': {
      const seconds = typeof Data === 'number' && Data > 0 ? Data : 60;
      return { events: [], replies: [KEEP_ALIVE], keepAliveMs: (seconds * 1000) / 2 };
    }
    case 'Sessions': {
      let events: PushEvent[];
      try {
        events = [{ type: 'sessions', streams: mapSessions(Data) }];
      } catch {
        events = [];
      }
      return { events };
    }
    case 'ActivityLogEntry':
      return { events: [{ type: 'downloads-changed' }] };
    default:
      return { events: [] };
  }
}

export interface MediaBrowserPushOptions {
  platform: 'jellyfin' | 'emby';
  path: string;
  /** Jellyfin: the auth header on the upgrade. Emby: `api_key` and `deviceId` in the query. */
  auth: { headers: Record<string, string> } | { query: Record<string, string> };
}

export function mediaBrowserPushSpec(serverUrl: string, options: MediaBrowserPushOptions): PushSpec {
  const url = new URL(`${serverUrl.replace(/\/+$/, '')}${options.path}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if ('query' in options.auth)
    for (const [k, v] of Object.entries(options.auth.query)) url.searchParams.set(k, v);
  return {
    platform: options.platform,
    url,
    headers: 'headers' in options.auth ? options.auth.headers : {},
    subscribe: () => [SESSIONS_START, ACTIVITY_LOG_START],
    keepAliveMessage: KEEP_ALIVE,
    parse: parseMediaBrowserMessage,
  };
}
