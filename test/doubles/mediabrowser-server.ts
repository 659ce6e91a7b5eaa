// Loopback double shared by the Jellyfin and Emby doubles: HTTP plumbing, authentication and faults around
// MediaBrowserState (mediabrowser-routes.ts). Auth as on the real servers (reference J1, EMBY): Jellyfin accepts
// only `Authorization: MediaBrowser … Token="…"` (the 12.x default) and answers 401 with an empty body; Emby
// accepts `X-Emby-Token` or `api_key` and answers 401 with a short text. Emby serves under /emby and at the root.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivitySpec, SessionSpec, SyncJobSpec } from './mediabrowser-activity.ts';
import { type Flavor, hexId, type Json, type UserSpec } from './mediabrowser-payloads.ts';
import { MediaBrowserState, type Query, type RecordedMessage, type Reply } from './mediabrowser-routes.ts';

export type { ActivitySpec, SessionSpec, SyncJobSpec } from './mediabrowser-activity.ts';
export type { UserSpec } from './mediabrowser-payloads.ts';
export type { RecordedMessage } from './mediabrowser-routes.ts';

/** 'hang' accepts the request and never answers (connections are destroyed by stop()). */
export type Fault = null | 'unauthorized' | 'server-error' | 'hang' | 'garbage';

export interface DoubleOptions {
  token?: string;
  serverName?: string;
  users?: UserSpec[];
  sessions?: SessionSpec[];
  /** Emby only: false answers 404 on /Sync/* like a server without the sync feature. Default true. */
  sync?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path as received, /emby prefix included. */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface MediaBrowserDouble {
  readonly flavor: Flavor;
  readonly url: string;
  readonly token: string;
  readonly serverId: string;
  fault: Fault;
  /** The player ignores Stop: the command is accepted and recorded, and the session keeps playing. */
  ignoresStop: boolean;
  readonly messages: readonly RecordedMessage[];
  readonly playstateCommands: readonly { sessionId: string; command: string }[];
  readonly policyUpdates: readonly { userId: string; policy: Json }[];
  readonly requests: readonly RecordedRequest[];
  /** Replaces all sessions; returns copies of the SessionInfo DTOs (`Id` is what the adapter calls sessionId). */
  setSessions(specs: SessionSpec[]): Json[];
  sessions(): Json[];
  /** Replaces all users; returns copies of the UserDto objects, full Policy included. */
  setUsers(specs: UserSpec[]): Json[];
  user(id: string): Json | undefined;
  /** Appends activity-log entries (increasing Ids); returns copies. */
  addActivity(...specs: ActivitySpec[]): Json[];
  setSyncJobs(specs: SyncJobSpec[]): void;
  stop(): Promise<void>;
}

export async function startMediaBrowserDouble(
  flavor: Flavor,
  opts: DoubleOptions = {},
): Promise<MediaBrowserDouble> {
  const token = opts.token ?? hexId();
  const state = new MediaBrowserState(flavor, opts.serverName ?? 'Basement', opts.sync !== false);
  const requests: RecordedRequest[] = [];
  const held = new Set<ServerResponse>();

  function authorized(req: IncomingMessage, query: Query): boolean {
    if (flavor === 'emby') return req.headers['x-emby-token'] === token || query.get('api_key') === token;
    const auth = req.headers.authorization ?? '';
    if (!/^MediaBrowser\s/i.test(auth)) return false;
    return /(?:^|[\s,])Token="?([^",]+)"?/i.exec(auth.slice('MediaBrowser'.length))?.[1] === token;
  }

  function answer(req: IncomingMessage, rawPath: string, query: Query, body: string): Reply {
    if (double.fault === 'unauthorized' || !authorized(req, query)) {
      return flavor === 'jellyfin'
        ? { status: 401 }
        : { status: 401, text: 'Access token is invalid or expired.' };
    }
    if (double.fault === 'server-error') return { status: 500, text: 'Error processing request.' };
    if (double.fault === 'garbage') {
      return {
        status: 200,
        text: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        contentType: 'text/html',
      };
    }
    const path = flavor === 'emby' ? rawPath.replace(/^\/emby(?=\/|$)/i, '') || '/' : rawPath;
    return state.route(req.method ?? 'GET', path, query, body);
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (reply.json !== undefined) {
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(reply.json));
    } else if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'Content-Type': `${reply.contentType ?? 'text/plain'}; charset=utf-8` });
      res.end(reply.text);
    } else {
      res.writeHead(reply.status).end();
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const query: Query = new Map([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v] as const));
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      });
      if (double.fault === 'hang') {
        held.add(res);
        return;
      }
      send(res, answer(req, url.pathname, query, body));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const double: MediaBrowserDouble = {
    flavor,
    url: `http://127.0.0.1:${port}`,
    token,
    serverId: state.serverId,
    fault: null,
    get ignoresStop() {
      return state.ignoresStop;
    },
    set ignoresStop(value: boolean) {
      state.ignoresStop = value;
    },
    messages: state.messages,
    playstateCommands: state.playstateCommands,
    policyUpdates: state.policyUpdates,
    requests,
    setSessions(specs) {
      state.setSessions(specs);
      return structuredClone(state.sessions);
    },
    sessions: () => structuredClone(state.sessions),
    setUsers(specs) {
      state.setUsers(specs);
      return structuredClone(state.users);
    },
    user: (id) => structuredClone(state.findUser(id)),
    addActivity: (...specs) => structuredClone(state.addActivity(specs)),
    setSyncJobs: (specs) => state.setSyncJobs(specs),
    async stop() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (opts.users) state.setUsers(opts.users);
  if (opts.sessions) state.setSessions(opts.sessions);
  return double;
}
