// Loopback Plex Media Server double. It answers with the shapes real PMS sends (reference
// /work/shared/reference/media-server-apis.md P1–P4): XML by default, JSON on `Accept: application/json`,
// `Video`/`Track` session items in XML but `Metadata[]` in JSON, string attributes in XML but typed values in
// JSON, and the HTML 401 body PMS sends for a bad token (ljunkie/plexWatch #127).

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  accountElements,
  activityElement,
  type Element,
  htmlPage,
  libraryItem,
  type PlexAccountSpec,
  type PlexActivitySpec,
  type PlexSessionSpec,
  renderJson,
  renderXml,
  sessionElement,
} from './plex-payloads.ts';
import { attachPushDouble, type PushDouble } from './push/push-socket.ts';

export type { PlexDeliverySpec } from './plex-payloads.ts';
export type { PlexAccountSpec, PlexActivitySpec, PlexSessionSpec };

/**
 * 'redirect': a 301 to another path, as a reverse proxy or an http→https rule sends.
 * 'missing-fields': 200 answers whose MediaContainer lacks the attributes and children the bot reads.
 */
export type PlexFault =
  | null
  | 'unauthorized'
  | 'server-error'
  | 'hang'
  | 'garbage'
  | 'redirect'
  | 'missing-fields';

export interface PlexDoubleOptions {
  token?: string;
  /** myPlexSubscription: whether the owner has Plex Pass (stops are refused with 401 without it). */
  premium?: boolean;
  /** 'xml-only' ignores `Accept: application/json`, as older servers and some proxies do. */
  format?: 'negotiate' | 'xml-only';
  /** Reads of /status/sessions that still report a terminated session (Tracearr #314/#357). */
  lingerReads?: number;
  /** Methods the terminate route accepts; others get 405. */
  terminateMethods?: Array<'GET' | 'POST'>;
  friendlyName?: string;
  machineIdentifier?: string;
  version?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept: string | null;
  clientIdentifier: string | null;
  product: string | null;
  /** Format of a 200 answer with a body; null for errors and empty answers. */
  answeredAs: 'xml' | 'json' | null;
  /** When it arrived (performance.now(), comparable with the bot's monotonic clock in the same process). */
  at: number;
}

export interface PlexDouble {
  readonly url: string;
  readonly token: string;
  readonly machineIdentifier: string;
  fault: PlexFault;
  /** While true, stop requests are recorded but never answered (a stop in flight when the bot is killed). */
  holdTerminations: boolean;
  premium: boolean;
  readonly terminations: Array<{ sessionId: string; reason: string | null; method: string }>;
  readonly requests: RecordedRequest[];
  /** Also holds the library items the sessions play (`GET /library/metadata/{ratingKey}`). */
  setSessions(sessions: PlexSessionSpec[]): void;
  /** Drops those library items (an item removed while it plays: 404). */
  forgetLibrary(): void;
  setActivities(activities: PlexActivitySpec[]): void;
  /** The nameless system account id 0 is always listed first, as on a real server. */
  setAccounts(accounts: PlexAccountSpec[]): void;
  /** The notification socket on the same port (`/:/websockets/notifications`), see push/push-socket.ts. */
  readonly push: PushDouble;
  stop(): Promise<void>;
}

interface LiveSession {
  element: Element;
  sessionId: string | null;
  /** Reads left before a terminated session disappears; null while it has not been terminated. */
  lingerLeft: number | null;
}

interface Reply {
  status: number;
  contentType: string | null;
  body: string;
  location?: string;
}

const XML_TYPE = 'text/xml;charset=utf-8';
const JSON_TYPE = 'application/json';

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** PMS error pages are bare HTML, e.g. `<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>`. */
function htmlReply(status: number, title: string): Reply {
  return { status, contentType: 'text/html', body: htmlPage(status, title) };
}

export async function startPlexDouble(options: PlexDoubleOptions = {}): Promise<PlexDouble> {
  const token = options.token ?? 'pms-token-9f8e7d6c5b4a';
  const machineIdentifier = options.machineIdentifier ?? '6a2e7f0c9d1b4e3a8c5f2d7e1b0a9c8d7e6f5a4b';
  const terminateMethods = options.terminateMethods ?? ['GET', 'POST'];
  const version = options.version ?? '1.40.2.8395-c67dce28e';
  let sessions: LiveSession[] = [];
  /** The library items the sessions play, by ratingKey (`GET /library/metadata/{ratingKey}`). */
  let library = new Map<string, Element>();
  let activities: Element[] = [];
  let accounts: Element[] = accountElements([{ id: 1, name: 'owner' }]);

  // `handle` is hoisted; the server listens below, once the double exists.
  const server = createServer(handle);
  const double: PlexDouble = {
    url: '',
    token,
    push: attachPushDouble(server, 'plex', token),
    machineIdentifier,
    fault: null,
    holdTerminations: false,
    premium: options.premium ?? true,
    terminations: [],
    requests: [],
    setSessions(specs) {
      sessions = specs.map((spec, index) => {
        const sessionId =
          spec.session === null ? null : (spec.session?.id ?? randomBytes(12).toString('hex'));
        return { element: sessionElement(spec, sessionId, index), sessionId, lingerLeft: null };
      });
      library = new Map(
        specs.map((spec, index) => {
          const item = libraryItem(spec, index);
          return [String(item.attrs.ratingKey), item];
        }),
      );
    },
    forgetLibrary() {
      library = new Map();
    },
    setActivities(specs) {
      activities = specs.map(activityElement);
    },
    setAccounts(specs) {
      accounts = accountElements(specs);
    },
    stop: async () => {
      double.push.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  function container(attrs: Element['attrs'], children: Element[]): Element {
    return { tag: 'MediaContainer', attrs: { size: children.length, ...attrs }, children };
  }

  /** `GET /`: the attributes python-plexapi server.py PlexServer._loadData reads (friendlyName, machineIdentifier,
   *  myPlexSubscription, version, …); `/identity` answers claimed, machineIdentifier, version (python-plexapi
   *  Identity). The version is PMS 1.40.2 (2024); the shapes hold for PMS 1.40–1.43 (src/policy/versions.ts says why). */
  function rootElement(): Element {
    return {
      tag: 'MediaContainer',
      attrs: {
        size: 3,
        allowCameraUpload: true,
        allowChannelAccess: true,
        allowSharing: true,
        allowSync: true,
        friendlyName: options.friendlyName ?? 'Basement PMS',
        machineIdentifier,
        multiuser: true,
        myPlex: true,
        myPlexMappingState: 'mapped',
        myPlexSigninState: 'ok',
        myPlexSubscription: double.premium,
        myPlexUsername: 'owner@example.com',
        platform: 'Linux',
        platformVersion: 'Ubuntu 22.04.4 LTS',
        transcoderActiveVideoSessions: 0,
        updatedAt: 1717430400,
        version,
      },
      children: ['activities', 'library', 'status'].map((key) => ({
        tag: 'Directory',
        attrs: { count: 1, key, title: key },
        children: [],
      })),
    };
  }

  /** With the 'missing-fields' fault: the container without machineIdentifier/version, items without their ids,
   *  and session items without their User. */
  function damaged(element: Element): Element {
    if (double.fault !== 'missing-fields') return element;
    const drop = new Set(['machineIdentifier', 'version', 'uuid', 'id', 'myPlexSubscription']);
    const strip = (e: Element): Element => ({
      tag: e.tag,
      attrs: Object.fromEntries(Object.entries(e.attrs).filter(([key]) => !drop.has(key))),
      children: e.children.filter((c) => c.tag !== 'User').map(strip),
    });
    return strip(element);
  }

  function sessionsRead(): Element {
    const reported = sessions.map((s) => s.element);
    for (const s of sessions) if (s.lingerLeft !== null) s.lingerLeft -= 1;
    sessions = sessions.filter((s) => s.lingerLeft === null || s.lingerLeft > 0);
    return container({}, reported);
  }

  function terminate(method: string, query: URLSearchParams): Reply {
    if (!double.premium) return htmlReply(401, 'Unauthorized');
    const sessionId = query.get('sessionId');
    // No (or lower-case) sessionId: 400 per Plexopedia; plex-api-spec lists 403 "sessionId is empty". 404 for an
    // unknown session and 401 without Plex Pass are the spec's.
    if (!sessionId) return htmlReply(400, 'Bad Request');
    const live = sessions.find((s) => s.sessionId === sessionId);
    if (!live) return htmlReply(404, 'Not Found');
    double.terminations.push({ sessionId, reason: query.get('reason'), method });
    const linger = options.lingerReads ?? 0;
    if (linger > 0) live.lingerLeft ??= linger;
    else sessions = sessions.filter((s) => s !== live);
    return { status: 200, contentType: null, body: '' };
  }

  /** The answer to one request; null never answers (the 'hang' fault). */
  function route(req: IncomingMessage, url: URL, wantsJson: boolean): Reply | null {
    if (double.fault === 'hang') return null;
    if (double.fault === 'server-error') return htmlReply(500, 'Internal Server Error');
    if (double.fault === 'redirect') {
      // Sends everything to the web app, which answers its HTML page.
      if (url.pathname === '/web/index.html')
        return { status: 200, contentType: 'text/html', body: htmlPage(200, 'Plex') };
      return { status: 301, contentType: null, body: '', location: '/web/index.html' };
    }
    const contentType = wantsJson ? JSON_TYPE : XML_TYPE;
    const ok = (element: Element): Reply => ({
      status: 200,
      contentType,
      body: wantsJson ? JSON.stringify(renderJson(element)) : renderXml(element),
    });
    // /identity answers without a token on real servers: it is how clients find the machineIdentifier.
    if (url.pathname === '/identity' && req.method === 'GET' && double.fault !== 'garbage') {
      return ok(damaged(container({ claimed: true, machineIdentifier, version }, [])));
    }
    const given = headerValue(req, 'x-plex-token') ?? url.searchParams.get('X-Plex-Token');
    if (double.fault === 'unauthorized' || given !== token) return htmlReply(401, 'Unauthorized');
    if (double.fault === 'garbage') return { status: 200, contentType, body: 'upstream hiccup\u0000\u00ff' };
    const method = req.method ?? 'GET';
    if (url.pathname === '/status/sessions/terminate') {
      if (double.holdTerminations) return null;
      if (!terminateMethods.includes(method as 'GET' | 'POST')) return htmlReply(405, 'Method Not Allowed');
      return terminate(method, url.searchParams);
    }
    if (method !== 'GET') return htmlReply(405, 'Method Not Allowed');
    const metadata = /^\/library\/metadata\/([^/]+)$/.exec(url.pathname);
    if (metadata) {
      const item = library.get(decodeURIComponent(metadata[1] ?? ''));
      return item ? ok(damaged(container({ librarySectionID: 1 }, [item]))) : htmlReply(404, 'Not Found');
    }
    switch (url.pathname) {
      case '/':
        return ok(damaged(rootElement()));
      case '/status/sessions':
        return ok(damaged(sessionsRead()));
      case '/activities':
        return ok(damaged(container({}, activities)));
      case '/accounts':
        return ok(damaged(container({ identifier: 'com.plexapp.system.accounts' }, accounts)));
      default:
        return htmlReply(404, 'Not Found');
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      accept: headerValue(req, 'accept'),
      clientIdentifier: headerValue(req, 'x-plex-client-identifier'),
      product: headerValue(req, 'x-plex-product'),
      answeredAs: null,
      at: performance.now(),
    };
    double.requests.push(record);
    const wantsJson = options.format !== 'xml-only' && (record.accept ?? '').includes('application/json');
    const reply = route(req, url, wantsJson);
    if (!reply) return;
    if (reply.status === 200 && reply.contentType !== null && reply.body !== '') {
      record.answeredAs = reply.contentType === JSON_TYPE ? 'json' : 'xml';
    }
    const headers: Record<string, string> = { 'X-Plex-Protocol': '1.0' };
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
    if (reply.location) headers.Location = reply.location;
    res.writeHead(reply.status, headers).end(reply.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(double, { url: `http://127.0.0.1:${port}` });
  return double;
}
