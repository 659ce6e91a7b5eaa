// Loopback double shared by the Jellyfin and Emby doubles: HTTP plumbing, authentication and faults around
// MediaBrowserState (mediabrowser-routes.ts). Auth as on the real servers. Jellyfin (jellyfin
// `Jellyfin.Server.Implementations/Security/AuthorizationContext.cs`): the token comes from
// `Authorization: MediaBrowser … Token="…"` or the `ApiKey` query; only with EnableLegacyAuthorization (on by
// default before 12.0, off from 12.0) also from X-Emby-Token, X-MediaBrowser-Token, X-Emby-Authorization, the
// `Emby` scheme and `api_key`. A 401 has an empty body. Emby (4.8 OpenAPI `apikeyauth`): `X-Emby-Token` or
// `api_key`; a 401 has a short text. Emby serves under /emby and at the root.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivitySpec, ServerLanguage, SessionSpec, SyncJobSpec } from './mediabrowser-activity.ts';
import { DEFAULT_VERSION, type Flavor, hexId, type Json, type UserSpec } from './mediabrowser-payloads.ts';
import { MediaBrowserState, type Query, type RecordedMessage, type Reply } from './mediabrowser-routes.ts';
import { attachPushDouble, type PushDouble } from './push/push-socket.ts';
import { QuickConnectDouble } from './quick-connect.ts';

export type { ActivitySpec, SessionSpec, SyncJobSpec } from './mediabrowser-activity.ts';
export type { UserSpec } from './mediabrowser-payloads.ts';
export type { RecordedMessage } from './mediabrowser-routes.ts';

/** 'hang' accepts the request and never answers (connections are destroyed by stop()). 'redirect' answers 302 to
 *  another origin, as a reverse proxy or a moved server does. */
export type Fault = null | 'unauthorized' | 'server-error' | 'hang' | 'garbage' | 'redirect';

export interface DoubleOptions {
  token?: string;
  serverName?: string;
  users?: UserSpec[];
  sessions?: SessionSpec[];
  /** Emby only: false answers 404 on /Sync/* like a server without the sync feature. Default true. */
  sync?: boolean;
  /** Reported by /System/Info. Default: Jellyfin 12.0.0, Emby 4.8.11.0. */
  version?: string;
  /** The server's display language; activity entries are written in it. Default en-US. */
  language?: ServerLanguage;
  /** Jellyfin's EnableLegacyAuthorization. Default: on for versions before 12, off from 12 (the servers' default). */
  legacyAuthorization?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path as received, /emby prefix included. */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  /** When it arrived (performance.now(), comparable with the bot's monotonic clock in the same process). */
  at: number;
}

export interface MediaBrowserDouble {
  readonly flavor: Flavor;
  readonly url: string;
  readonly token: string;
  readonly serverId: string;
  fault: Fault;
  /** Answers `status` (empty body) to requests whose path (without /emby) matches, after authentication. */
  faultOn: { path: RegExp; status: number } | null;
  readonly messages: readonly RecordedMessage[];
  readonly playstateCommands: readonly { sessionId: string; command: string }[];
  readonly policyUpdates: readonly { userId: string; policy: Json }[];
  readonly requests: readonly RecordedRequest[];
  /** Requests it matches are carried out (a write is applied) but never answered, as when the bot dies while the
   *  server applies a change; `heldAnswers` counts them. */
  holdAnswer: ((req: { method: string; path: string }) => boolean) | null;
  readonly heldAnswers: number;
  /** Replaces all sessions; returns copies of the SessionInfo DTOs (`Id` is what the adapter calls sessionId). */
  setSessions(specs: SessionSpec[]): Json[];
  sessions(): Json[];
  /** Replaces all users; returns copies of the UserDto objects, full Policy included. */
  setUsers(specs: UserSpec[]): Json[];
  user(id: string): Json | undefined;
  /** Appends activity-log entries (increasing Ids); returns copies. */
  /** The item was deleted: `GET /Items?ids=` no longer answers it (its activity entries stay). */
  forgetItem(id: string): void;
  addActivity(...specs: ActivitySpec[]): Json[];
  setSyncJobs(specs: SyncJobSpec[]): void;
  /** Adds sync jobs with ids after every id used so far (job n's items numbered from 100·n). */
  addSyncJobs(specs: SyncJobSpec[]): void;
  /** The sync jobs the server lists now (their Ids). */
  syncJobIds(): string[];
  /** Every `DELETE /Sync/Jobs/{Id}` received, by job id. */
  readonly syncCancels: readonly string[];
  /** True: `DELETE /Sync/Jobs/{Id}` answers 200 but the job stays. */
  ignoresSyncCancel: boolean;
  /** Jellyfin only: Quick Connect (quick-connect.ts, by version); `enabled`, `approve(code, userId)`, `expire(code)`,
   *  `dropResult(code)`, `restart()`, `failing`. */
  readonly quickConnect: QuickConnectDouble;
  /** The session socket on the same port (Jellyfin: any path; Emby: `/embywebsocket`), see push/push-socket.ts. */
  readonly push: PushDouble;
  stop(): Promise<void>;
}

export async function startMediaBrowserDouble(
  flavor: Flavor,
  opts: DoubleOptions = {},
): Promise<MediaBrowserDouble> {
  const token = opts.token ?? hexId();
  const version = opts.version ?? DEFAULT_VERSION[flavor];
  const legacy = opts.legacyAuthorization ?? Number.parseInt(version, 10) < 12;
  const state = new MediaBrowserState(flavor, opts.serverName ?? 'Basement', version, opts.sync !== false);
  if (opts.language) state.language = opts.language;
  const requests: RecordedRequest[] = [];
  const held = new Set<ServerResponse>();
  let heldAnswers = 0;
  const quickConnect = new QuickConnectDouble(state.serverId, (id) => state.findUser(id), version);

  /** The `Token` of a `MediaBrowser …` (or, legacy, `Emby …`) authorization header. */
  function headerToken(value: string | undefined, schemes: RegExp): string | undefined {
    const space = value?.indexOf(' ') ?? -1;
    if (!value || space < 0 || !schemes.test(value.slice(0, space))) return undefined;
    return /(?:^|[\s,])Token="?([^",]+)"?/i.exec(value.slice(space))?.[1];
  }

  function presentedToken(req: IncomingMessage, query: Query): string | undefined {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (flavor === 'emby') return header('x-emby-token') || query.get('api_key');
    const schemes = legacy ? /^(?:MediaBrowser|Emby)$/i : /^MediaBrowser$/i;
    let auth = header('authorization');
    if (legacy && !auth) auth = header('x-emby-authorization');
    let found = headerToken(auth, schemes);
    if (legacy) found ||= header('x-emby-token') || header('x-mediabrowser-token');
    found ||= query.get('apikey');
    if (legacy) found ||= query.get('api_key');
    return found;
  }

  const authorized = (req: IncomingMessage, query: Query) => presentedToken(req, query) === token;

  function answer(req: IncomingMessage, rawPath: string, query: Query, body: string): Reply {
    // Quick Connect's routes are anonymous, and a Quick Connect session logs out with its own token.
    if (flavor === 'jellyfin' && double.fault !== 'server-error') {
      const quick = quickConnect.route(req.method ?? 'GET', rawPath, req.headers.authorization, query, body);
      if (quick) return quick;
    }
    if (double.fault === 'unauthorized' || !authorized(req, query)) {
      return flavor === 'jellyfin'
        ? { status: 401 }
        : { status: 401, text: 'Access token is invalid or expired.' };
    }
    if (double.fault === 'redirect') {
      return { status: 302, location: `http://127.0.0.1:1${rawPath}`, text: 'Found' };
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
    if (double.faultOn?.path.test(path)) return { status: double.faultOn.status };
    return state.route(req.method ?? 'GET', path, query, body);
  }

  function send(res: ServerResponse, reply: Reply): void {
    if (reply.location) res.setHeader('Location', reply.location);
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
        at: performance.now(),
      });
      if (double.fault === 'hang') {
        held.add(res);
        return;
      }
      const reply = answer(req, url.pathname, query, body);
      if (double.holdAnswer?.({ method: req.method ?? 'GET', path: url.pathname })) {
        held.add(res);
        heldAnswers += 1;
        return;
      }
      send(res, reply);
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
    faultOn: null,
    messages: state.messages,
    playstateCommands: state.playstateCommands,
    policyUpdates: state.policyUpdates,
    requests,
    holdAnswer: null,
    get heldAnswers() {
      return heldAnswers;
    },
    quickConnect,
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
    forgetItem: (id) => {
      state.items.delete(id.replaceAll('-', '').toLowerCase());
    },
    setSyncJobs: (specs) => state.setSyncJobs(specs),
    addSyncJobs: (specs) => state.addSyncJobs(specs),
    syncJobIds: () => state.syncJobs.map((job) => String(job.Id)),
    syncCancels: state.syncCancels,
    get ignoresSyncCancel() {
      return state.ignoresSyncCancel;
    },
    set ignoresSyncCancel(value: boolean) {
      state.ignoresSyncCancel = value;
    },
    push: attachPushDouble(server, flavor, token, { version }),
    async stop() {
      double.push.close();
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (opts.users) state.setUsers(opts.users);
  if (opts.sessions) state.setSessions(opts.sessions);
  return double;
}
