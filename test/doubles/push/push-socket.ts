// Push channels of the media-server doubles, attached to a double's own HTTP server (the real servers serve their
// sockets on the same port as the API). Each answers the upgrade the way the real server does: a bad token is an
// HTTP 401 before any upgrade, and the socket then carries the platform's own message shapes.
//
// Plex (`/:/websockets/notifications`, token in the `X-Plex-Token` header or query): shapes from Tautulli #1493
// (verbatim `playing` notification) and jrudio/go-plex-client websocket_client.go (`ActivityNotification`,
// `PlaySessionStateNotification` fields).
// Jellyfin (any path, `Authorization: MediaBrowser … Token="…"`) and Emby (`/embywebsocket?api_key=…`): on connect
// the server sends `ForceKeepAlive` with Data 60 (jellyfin SessionWebSocketListener.cs `WebSocketLostTimeout`),
// answers each client `KeepAlive` with a `KeepAlive` (WebSocketConnection.cs `SendKeepAliveResponse`), and after
// `SessionsStart` sends `Sessions` with the whole SessionInfoDto list on every change
// (SessionInfoWebSocketListener.cs); after `ActivityLogEntryStart`, `ActivityLogEntry` with an empty Data array
// (ActivityLogWebSocketListener.cs). Outbound messages carry a `MessageId` (OutboundWebSocketMessage.cs).
// Jellyfin sends no snapshot on `SessionsStart`: BasePeriodicWebSocketListener.Start only registers the connection
// (v10.3.0 "Simplify websocket listeners" through v12.0), sends happen on session-manager events. Emby's server is
// closed source; its double keeps sending the list at once, as pyemby expects.
// Jellyfin 10.9.0 up to 10.11.0 (exclusive) never pushes to an API key: the listeners' Start checks
// `AuthorizationInfo.User.HasPermission(...)` first (v10.9.0 commit 05d98fe "Enforce permissions on websocket
// connections"; v10.10.6's `&& !IsApiKey` comes after it), User is null for an API key
// (AuthorizationContext.cs), and the NullReferenceException is caught and logged by WebSocketConnection
// .ProcessInternal ("Failed to process WebSocket message", since v10.9.0 #11395): the socket stays open, KeepAlive
// is answered, no `Sessions` or `ActivityLogEntry` ever comes. v10.11.0 checks IsApiKey first (#13499, 03082e9).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export type PushFlavor = 'plex' | 'jellyfin' | 'emby';

export interface PushDouble {
  /** Sockets currently open. */
  readonly connections: number;
  /** Every upgrade attempt, with what authenticated it (never the token itself). */
  readonly upgrades: Array<{
    path: string;
    auth: 'header' | 'query' | 'none';
    accepted: boolean;
    /** Plex only: the X-Plex-Client-Identifier header the client sent, or null. */
    clientIdentifier?: string | null;
  }>;
  /** Text messages the clients sent. */
  readonly received: string[];
  /** Answer upgrades with this HTTP status instead of accepting them (null: accept). */
  refuseWith: number | null;
  /** Stop answering pings and keep-alives (a stuck server behind a live TCP connection). */
  silent: boolean;
  /** Plex: one `playing` notification. */
  playing(sessionKey: string, state: 'playing' | 'paused' | 'buffering' | 'stopped' | 'error'): void;
  /** Plex: a `media.download` activity event. */
  downloadActivity(event: 'started' | 'updated' | 'ended', userId: number, title: string): void;
  /** Jellyfin/Emby: the whole session list from now on, sent to every socket that sent `SessionsStart`. */
  sessions(list: unknown[]): void;
  /** Jellyfin/Emby: an activity-log trigger, to every socket that sent `ActivityLogEntryStart`. */
  activityLogEntry(): void;
  /** Subscriptions the server refused with an exception it logged (Jellyfin 10.9–10.10 with an API key). */
  readonly serverErrors: string[];
  /** Client `KeepAlive` messages answered. */
  readonly keepAlivesAnswered: number;
  /** Drops every open socket without a close frame (a restart or a network cut). */
  dropAll(): void;
  /**
   * Sends every socket one text frame of `bytes` bytes (RFC 6455 §5.2: FIN + opcode 1, 64-bit length, unmasked
   * from a server), streamed in 64 kB chunks, never built in memory. Resolves with the bytes actually written
   * before the client closed the connection.
   */
  hugeFrame(bytes: number): Promise<number>;
  /** Jellyfin/Emby: a ForceKeepAlive asking for keep-alives every `seconds` (a server may send any number). */
  forceKeepAlive(seconds: number): void;
  close(): void;
}

function tokenOf(
  flavor: PushFlavor,
  req: IncomingMessage,
): { token: string | null; auth: 'header' | 'query' | 'none' } {
  const url = new URL(req.url ?? '/', 'http://double');
  if (flavor === 'plex') {
    const header = req.headers['x-plex-token'];
    if (typeof header === 'string') return { token: header, auth: 'header' };
    const query = url.searchParams.get('X-Plex-Token');
    return query ? { token: query, auth: 'query' } : { token: null, auth: 'none' };
  }
  const authorization = req.headers.authorization;
  const match = typeof authorization === 'string' ? /Token="([^"]*)"/.exec(authorization) : null;
  if (match?.[1]) return { token: match[1], auth: 'header' };
  // Jellyfin 12 disables the legacy `api_key` query by default (media-server-apis.md J1); Emby accepts it.
  const query = url.searchParams.get('api_key');
  if (query && flavor === 'emby') return { token: query, auth: 'query' };
  return { token: null, auth: query ? 'query' : 'none' };
}

const PATHS: Record<PushFlavor, (path: string) => boolean> = {
  plex: (p) => p === '/:/websockets/notifications',
  jellyfin: () => true,
  emby: (p) => p === '/embywebsocket',
};

/** Jellyfin 10.9.0 ≤ version < 10.11.0: `SessionsStart`/`ActivityLogEntryStart` throw for an API key. */
export function jellyfinRefusesApiKeyPush(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major === 10 && minor >= 9 && minor < 11;
}

export function attachPushDouble(
  server: Server,
  flavor: PushFlavor,
  token: string,
  options: { version?: string } = {},
): PushDouble {
  // Every token the MediaBrowser doubles accept is an API key (what /server add asks for).
  const refusesApiKey = flavor === 'jellyfin' && jellyfinRefusesApiKeyPush(options.version ?? '12.0.0');
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const sessionSubscribers = new Set<WebSocket>();
  const activitySubscribers = new Set<WebSocket>();
  const mb = (type: string, data?: unknown) =>
    JSON.stringify({
      MessageType: type,
      MessageId: randomUUID().replaceAll('-', ''),
      ...(data === undefined ? {} : { Data: data }),
    });
  let currentSessions: unknown[] = [];
  const upgrades: PushDouble['upgrades'] = [];
  const received: string[] = [];
  const serverErrors: string[] = [];
  let keepAlives = 0;

  const double: PushDouble = {
    get connections() {
      return wss.clients.size;
    },
    upgrades,
    received,
    serverErrors,
    get keepAlivesAnswered() {
      return keepAlives;
    },
    refuseWith: null,
    silent: false,
    playing(sessionKey, state) {
      const n = {
        sessionKey,
        clientIdentifier: `client-${sessionKey}`,
        guid: '',
        ratingKey: '6263',
        url: '',
        key: '/library/metadata/6263',
        viewOffset: 0,
        playQueueItemID: 411763,
        playQueueID: 21343,
        state,
      };
      broadcast(
        wss.clients,
        JSON.stringify({
          NotificationContainer: { type: 'playing', size: 1, PlaySessionStateNotification: [n] },
        }),
      );
    },
    downloadActivity(event, userId, title) {
      const uuid = randomUUID();
      const activity = {
        uuid,
        type: 'media.download',
        cancellable: false,
        userID: userId,
        title: 'Downloading Media',
        subtitle: title,
        progress: event === 'ended' ? 100 : 0,
      };
      broadcast(
        wss.clients,
        JSON.stringify({
          NotificationContainer: {
            type: 'activity',
            size: 1,
            ActivityNotification: [{ event, uuid, Activity: activity }],
          },
        }),
      );
    },
    sessions(list) {
      currentSessions = list;
      broadcast(sessionSubscribers, mb('Sessions', list));
    },
    activityLogEntry() {
      broadcast(activitySubscribers, mb('ActivityLogEntry', []));
    },
    dropAll() {
      for (const socket of wss.clients) socket.terminate();
    },
    async hugeFrame(bytes) {
      let written = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      await Promise.all(
        [...wss.clients].map(async (ws) => {
          // ws keeps the TCP socket private; raw writes are the only way to stream a frame it would buffer whole.
          const socket = (ws as unknown as { _socket: Duplex })._socket;
          const header = Buffer.alloc(10);
          header[0] = 0x81;
          header[1] = 127;
          header.writeBigUInt64BE(BigInt(bytes), 2);
          socket.write(header);
          let sent = 0;
          while (sent < bytes && !socket.destroyed && socket.writable) {
            const n = Math.min(chunk.length, bytes - sent);
            sent += n;
            written += n;
            if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
              await new Promise((resolve) => {
                socket.once('drain', resolve);
                socket.once('close', resolve);
              });
          }
        }),
      );
      return written;
    },
    forceKeepAlive(seconds) {
      broadcast(wss.clients, mb('ForceKeepAlive', seconds));
    },
    close() {
      server.off('upgrade', onUpgrade);
      for (const socket of wss.clients) socket.terminate();
      wss.close();
    },
  };

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://double').pathname;
    const { token: given, auth } = tokenOf(flavor, req);
    const header = req.headers['x-plex-client-identifier'];
    const client = flavor === 'plex' ? { clientIdentifier: typeof header === 'string' ? header : null } : {};
    const reject = (status: number, text: string) => {
      upgrades.push({ path, auth, accepted: false, ...client });
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!PATHS[flavor](path)) {
      reject(404, 'Not Found');
      return;
    }
    if (double.refuseWith !== null) {
      reject(double.refuseWith, 'Refused');
      return;
    }
    if (given !== token) {
      reject(401, 'Unauthorized');
      return;
    }
    upgrades.push({ path, auth, accepted: true, ...client });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('ping', (data) => {
        if (!double.silent) ws.pong(data);
      });
      ws.on('message', (data) => {
        const text = data.toString();
        received.push(text);
        if (flavor === 'plex' || double.silent) return;
        let type: unknown;
        try {
          type = (JSON.parse(text) as { MessageType?: unknown }).MessageType;
        } catch {
          return;
        }
        if (type === 'KeepAlive') {
          keepAlives++;
          ws.send(mb('KeepAlive'));
        } else if ((type === 'SessionsStart' || type === 'ActivityLogEntryStart') && refusesApiKey) {
          serverErrors.push(`${type}: NullReferenceException (Failed to process WebSocket message)`);
        } else if (type === 'SessionsStart') {
          sessionSubscribers.add(ws);
          if (flavor === 'emby') ws.send(mb('Sessions', currentSessions));
        } else if (type === 'SessionsStop') sessionSubscribers.delete(ws);
        else if (type === 'ActivityLogEntryStart') activitySubscribers.add(ws);
        else if (type === 'ActivityLogEntryStop') activitySubscribers.delete(ws);
      });
      ws.on('close', () => {
        sessionSubscribers.delete(ws);
        activitySubscribers.delete(ws);
      });
      if (flavor !== 'plex') ws.send(mb('ForceKeepAlive', 60));
    });
  }
  server.on('upgrade', onUpgrade);
  return double;
}

function broadcast(sockets: Iterable<WebSocket>, text: string): void {
  for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(text);
}
