// What a media server's push channel tells the bot, platform-neutral. Each platform folder maps its own socket
// messages onto these (plex/push.ts, mediabrowser/push.ts); src/sense/push-channel.ts owns the socket itself.
import type { ActiveStream } from './types.ts';

export type PushEvent =
  /** The server's whole session list, as Jellyfin and Emby push it after `SessionsStart`. */
  | { type: 'sessions'; streams: ActiveStream[] }
  /** One session changed state (Plex `playing` notification: it names the session, not the user): re-read. */
  | { type: 'session-changed'; key: string; state: string }
  /** Something happened to downloads (Plex `media.download` activity, Jellyfin/Emby activity-log entry). */
  | { type: 'downloads-changed' };

/** One message from the server, parsed: the events in it, and what the channel must answer (keep-alives). */
export interface PushMessage {
  events: PushEvent[];
  replies?: string[];
  /** The server asked for a client keep-alive at this interval (MediaBrowser `ForceKeepAlive`). */
  keepAliveMs?: number;
}

/** How to open and read one platform's push channel. Built by the factory from the server's config. */
export interface PushSpec {
  readonly platform: string;
  /** ws:// or wss:// address. Secret when the platform wants the token in the query (Emby): never log it. */
  readonly url: URL;
  readonly headers: Record<string, string>;
  /** Messages sent as soon as the socket opens (subscriptions). */
  subscribe(): string[];
  /** Text sent as the client keep-alive; null means WebSocket ping frames. */
  readonly keepAliveMessage: string | null;
  /** Parses one text message. Never throws: a message it does not understand yields no events. */
  parse(text: string): PushMessage;
}
