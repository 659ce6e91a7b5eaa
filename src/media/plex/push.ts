// Plex Media Server's notification socket: `/:/websockets/notifications`, token in the `X-Plex-Token` header
// (Tautulli plexpy/web_socket.py `run()`; python-plexapi plexapi/alert.py `AlertListener` uses the same path).
// Envelope `{"NotificationContainer":{"type":…,"size":n,<Array>}}` (jrudio/go-plex-client websocket_client.go):
// - `playing` → `PlaySessionStateNotification[]` with `sessionKey` and `state` (playing|paused|buffering|stopped|
//   error), no user: the session list must be read to know whose it is (Tautulli activity_handler.py).
// - `activity` → `ActivityNotification[]` `{event, uuid, Activity:{type, userID, …}}`; `media.download` is a download.
import { z } from 'zod';
import type { PushEvent, PushMessage, PushSpec } from '../push-types.ts';

const Notification = z.object({
  NotificationContainer: z.object({
    type: z.string(),
    PlaySessionStateNotification: z
      .array(z.object({ sessionKey: z.union([z.string(), z.number()]), state: z.string() }).loose())
      .optional(),
    ActivityNotification: z
      .array(
        z.object({ event: z.string().optional(), Activity: z.object({ type: z.string() }).loose() }).loose(),
      )
      .optional(),
  }),
});

export function parsePlexNotification(text: string): PushMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { events: [] };
  }
  const parsed = Notification.safeParse(json);
  if (!parsed.success) return { events: [] };
  const container = parsed.data.NotificationContainer;
  const events: PushEvent[] = [];
  if (container.type === 'playing') {
    for (const n of container.PlaySessionStateNotification ?? [])
      events.push({ type: 'session-changed', key: String(n.sessionKey), state: n.state });
  } else if (container.type === 'activity') {
    if ((container.ActivityNotification ?? []).some((a) => a.Activity.type === 'media.download'))
      events.push({ type: 'downloads-changed' });
  }
  return { events };
}

/** `clientIdentifier`: the install's X-Plex-Client-Identifier, the same as on its other Plex calls. */
export function plexPushSpec(serverUrl: string, token: string, clientIdentifier?: string): PushSpec {
  const url = new URL(`${serverUrl.replace(/\/+$/, '')}/:/websockets/notifications`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    platform: 'plex',
    url,
    headers: {
      'X-Plex-Token': token,
      ...(clientIdentifier ? { 'X-Plex-Client-Identifier': clientIdentifier } : {}),
      Accept: 'application/json',
    },
    subscribe: () => [],
    keepAliveMessage: null,
    parse: parsePlexNotification,
  };
}
