// Loopback double of the plex.tv routes the Plex adapter uses (src/media/plex/plex-tv.ts says why these routes).
//
// Shapes, and where each was checked:
// - GET /api/users: XML only, also when JSON is asked for (Seerr server/api/plextv.ts `getUsers()` sends
//   Accept: application/json and parses XML). `<User>` attributes from python-plexapi plexapi/myplex.py
//   MyPlexUser._loadData (id, title, username, email, thumb, home, restricted, protected, allowSync,
//   allowCameraUpload, allowChannels, filter*), `<Server>` children from MyPlexServerShare._loadData (id, serverId,
//   machineIdentifier, name, lastSeenAt, numLibraries, allLibraries, owned, pending); Tautulli plexpy/plextv.py
//   `get_full_users_list()` reads the same attributes.
// - GET /api/invites/requested and /api/invites/requests (python-plexapi MyPlexInvite.REQUESTED/REQUESTS, still
//   called by `pendingInvites()` @4ffb295d): retired, `410` with the v1 XML error `<Response code="410"
//   status="This endpoint was deprecated and removed"/>` (python-plexapi #1435 for /requested since 2024-07, #1536
//   for /requests since 2025-07).
// - GET /api/v2/shared_servers/owned/pending: JSON list, one entry per server share sent and not accepted yet, with
//   the fields JordanFromIT/Webservarr lists from a read-only probe of plex.tv (docs/superpowers/specs/
//   2026-10-10-request-access-design.md §3: accepted, acceptedAt, allLibraries, deletedAt, id, inviteToken, invited,
//   invitedEmail, invitedId, lastSeenAt, leftAt, libraries, machineIdentifier, name, numLibraries, owned, owner,
//   ownerId, searchEnabled, serverId, sharingSettings; `invitedId` equals `invited.id`). The `invited` object's
//   fields are the ones Webservarr app/integrations/plex_share.py reads (id, username, title, email, thumb) plus
//   `home`/`friendlyName` (Nevu's PlexShareUser). The values of fields nobody reads are illustrative.
// - DELETE /api/v2/users/signout with a token: python-plexapi MyPlexAccount.SIGNOUT / `signout()` @4ffb295d
//   ("Invalidates the authentication token"). Answered 204 with no body (the answer is not documented; python-plexapi
//   ignores it); the token is refused (401) from then on.
// - PUT /api/v2/sharings/{userId}?allowSync=0|1…: python-plexapi `updateFriend()` (FRIENDUPDATE): flags as query
//   parameters, no body. It changes only the flags given. python-plexapi ignores the answer; its body is not
//   documented anywhere we found, so the double answers 200 with an empty body. A request with no known flag, a
//   flag that is not 0/1, or a body (library ids do not belong on this route) is refused with 400.
// - POST /api/v2/shared_servers/{id} {settings, librarySectionIds}: Wizarr plex_custom.py `update_shared_server()`.
//   It replaces the share's libraries with the ids sent, so an "all libraries" share becomes a fixed list; the
//   adapter must not use it, and the double makes that visible.
// - PIN sign-in (`/link`), Plex's forum post "Authenticating with Plex"
//   (https://forums.plex.tv/t/authenticating-with-plex/609370) and plexapi.dev "Get a Pin" / "Get Access Token by
//   PinId": POST /api/v2/pins?strong=true (X-Plex-Client-Identifier required, no token) answers 201 JSON
//   { id, code, product, trusted, qr, clientIdentifier, location, expiresIn, createdAt, expiresAt, authToken: null,
//   newRegistration: null }; a strong code is 25 characters and lives 1800 s (plexapi.dev's example), a 4-character
//   plex.tv/link code 900 s. GET /api/v2/pins/{id} with the same client identifier answers the same object, with
//   `authToken` set once the member signed in; a PIN that expired (or belongs to another client) is a v2 404, which
//   python-plexapi `MyPlexPinLogin._pollLogin` treats as expired. GET /api/v2/user with a token answers the account
//   (python-plexapi MyPlexAccount._loadData attributes: id, uuid, username, title, email, friendlyName, authToken,
//   subscription, …), 401 for an unknown token (the forum post: "401 Access Token is invalid").
// - GET /api/v2/resources (`/server connect`): plex-tv-resources.ts, with its sources.
// - Errors: v1 routes answer XML `<Response code status/>` (Membarr #53, python-plexapi #128, reference P1);
//   v2 routes answer JSON `{"errors":[{code,message,status}]}` (python-plexapi #1504: "404 … code 1002").

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Element, renderXml } from './plex-payloads.ts';
import { type PlexResourceSpec, resourcesFor, resourcesXml } from './plex-tv-resources.ts';

export type { PlexResourceSpec };

export type PlexTvFault = null | 'unauthorized' | 'server-error' | 'hang' | 'garbage' | 'redirect';

/** The text plex.tv answers on a retired route (python-plexapi #1435). */
export const RETIRED_ROUTE_STATUS = 'This endpoint was deprecated and removed';
/** Routes plex.tv retired (410 Gone). */
export const RETIRED_ROUTES = ['/api/invites/requested', '/api/invites/requests', '/api/friends'];

export interface ServerShareSpec {
  machineIdentifier: string;
  name?: string;
  /** Shared with every library (the default); false with `libraryIds` for a fixed list. */
  allLibraries?: boolean;
  libraryIds?: number[];
  pending?: boolean;
}

export interface FriendSpec {
  id: number;
  username: string;
  title?: string;
  email?: string;
  allowSync?: boolean;
  servers: ServerShareSpec[];
}

export interface InviteSpec {
  id: number;
  username: string;
  email?: string;
  servers: Array<{ machineIdentifier: string; name?: string }>;
}

export interface FriendShare {
  /** The share id (`<Server id>`): what POST /api/v2/shared_servers/{id} addresses. */
  id: number;
  machineIdentifier: string;
  name: string;
  allLibraries: boolean;
  libraryIds: number[];
  pending: boolean;
}

export interface Friend {
  id: number;
  username: string;
  title: string;
  email: string;
  allowSync: boolean;
  allowCameraUpload: boolean;
  allowChannels: boolean;
  filterMovies: string;
  filterTelevision: string;
  filterMusic: string;
  servers: FriendShare[];
}

export interface PlexTvWrite {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}

/** A plex.tv account that can sign in with a PIN (`approvePin`). */
export interface PlexAccountSpec {
  id: number;
  username: string;
  title?: string;
  email?: string;
}

export interface PlexPin {
  id: number;
  code: string;
  clientIdentifier: string;
  product: string;
  strong: boolean;
  expiresIn: number;
  createdAt: Date;
  /** Set by approvePin: the token plex.tv issues to this client for the account that signed in. */
  authToken: string | null;
  expired: boolean;
}

export interface PlexTvDoubleOptions {
  token?: string;
  friends?: FriendSpec[];
  invites?: InviteSpec[];
  /** The account the server token belongs to (the owner), answered by GET /api/v2/user with that token. */
  owner?: PlexAccountSpec;
  /** The devices of plex.tv accounts (GET /api/v2/resources), by the account that owns each. */
  resources?: PlexResourceSpec[];
}

export interface PlexTvDouble {
  readonly url: string;
  readonly token: string;
  fault: PlexTvFault;
  /** Paths answered 500 (a fault of one route only), e.g. '/api/v2/shared_servers/owned/pending'. */
  readonly brokenRoutes: Set<string>;
  /** When true, writes are answered 200 but not applied (plex.tv accepting a change it does not make). */
  dropWrites: boolean;
  friends: Friend[];
  invites: InviteSpec[];
  resources: PlexResourceSpec[];
  readonly writes: PlexTvWrite[];
  readonly requests: Array<{
    method: string;
    path: string;
    clientIdentifier: string | null;
    /** The X-Plex-Token presented (header or query), or null. */
    token: string | null;
  }>;
  readonly pins: PlexPin[];
  /** Requests it matches are carried out (a write is applied) but never answered, as when the bot dies while
   *  plex.tv applies a change; `heldAnswers` counts them. */
  holdAnswer: ((req: { method: string; path: string }) => boolean) | null;
  readonly heldAnswers: number;
  /** The member signs in at app.plex.tv as `account`: the PIN gets a new token for that account. Returns it. */
  approvePin(code: string, account: PlexAccountSpec): string;
  /** plex.tv forgets the PIN (its expiresIn ran out): GET /api/v2/pins/{id} answers 404 from now on. */
  expirePin(code: string): void;
  /** Whether plex.tv still accepts this token (false once signed out). */
  tokenValid(authToken: string): boolean;
  friend(id: number): Friend | undefined;
  stop(): Promise<void>;
}

export const ALL_LIBRARY_IDS = [118813151, 118813152, 118813153];
const SERVER_NAME = 'Basement PMS';
const SHARING_FLAGS = ['allowSync', 'allowCameraUpload', 'allowChannels'] as const;
const SHARING_FILTERS = ['filterMovies', 'filterTelevision', 'filterMusic'] as const;

let nextShareId = 5_550_001;

export function buildFriend(spec: FriendSpec): Friend {
  return {
    id: spec.id,
    username: spec.username,
    title: spec.title ?? spec.username,
    email: spec.email ?? `${spec.username}@example.com`,
    allowSync: spec.allowSync ?? true,
    allowCameraUpload: false,
    allowChannels: true,
    filterMovies: '',
    filterTelevision: '',
    filterMusic: '',
    servers: spec.servers.map((s) => ({
      id: nextShareId++,
      machineIdentifier: s.machineIdentifier,
      name: s.name ?? SERVER_NAME,
      allLibraries: s.allLibraries ?? true,
      libraryIds: s.libraryIds ?? [],
      pending: s.pending ?? false,
    })),
  };
}

function serverElement(share: FriendShare): Element {
  return {
    tag: 'Server',
    attrs: {
      id: share.id,
      serverId: 31415926,
      machineIdentifier: share.machineIdentifier,
      name: share.name,
      lastSeenAt: 1717430400,
      numLibraries: share.allLibraries ? ALL_LIBRARY_IDS.length : share.libraryIds.length,
      allLibraries: share.allLibraries,
      owned: true,
      pending: share.pending,
    },
    children: [],
  };
}

function userElement(friend: Friend): Element {
  return {
    tag: 'User',
    attrs: {
      id: friend.id,
      title: friend.title,
      username: friend.username,
      email: friend.email,
      recommendationsPlaylistId: '',
      thumb: `https://plex.tv/users/${friend.id.toString(16)}/avatar?c=1700000000`,
      protected: false,
      home: false,
      allowTuners: 0,
      allowSync: friend.allowSync,
      allowCameraUpload: friend.allowCameraUpload,
      allowChannels: friend.allowChannels,
      allowSubtitleAdmin: false,
      filterAll: '',
      filterMovies: friend.filterMovies,
      filterMusic: friend.filterMusic,
      filterPhotos: '',
      filterTelevision: friend.filterTelevision,
      restricted: false,
    },
    children: friend.servers.map(serverElement),
  };
}

/** One GET /api/v2/shared_servers/owned/pending entry per server of the invite (see the top of this file). */
export function pendingShareJson(invite: InviteSpec, ownerId: number) {
  return invite.servers.map((s, i) => ({
    id: 9_100_000 + invite.id * 10 + i,
    serverId: 31415926,
    machineIdentifier: s.machineIdentifier,
    name: s.name ?? SERVER_NAME,
    numLibraries: ALL_LIBRARY_IDS.length,
    allLibraries: true,
    owned: true,
    accepted: false,
    acceptedAt: null,
    deletedAt: null,
    leftAt: null,
    lastSeenAt: null,
    searchEnabled: false,
    inviteToken: `invite-${invite.id}-${i}`,
    invitedId: invite.id,
    invitedEmail: invite.email ?? `${invite.username}@example.com`,
    invited: {
      id: invite.id,
      uuid: invite.id.toString(16).padStart(16, '0'),
      username: invite.username,
      title: invite.username,
      friendlyName: invite.username,
      email: invite.email ?? `${invite.username}@example.com`,
      thumb: `https://plex.tv/users/${invite.id.toString(16)}/avatar?c=1700000000`,
      home: false,
      restricted: false,
    },
    ownerId,
    sharingSettings: { allowSync: false, allowCameraUpload: false, allowChannels: false, allowTuners: 0 },
    libraries: [],
  }));
}

function container(children: Element[]): Element {
  return {
    tag: 'MediaContainer',
    attrs: {
      friendlyName: 'myPlex',
      identifier: 'com.plexapp.plugins.myplex',
      machineIdentifier: '0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4',
      totalSize: children.length,
      size: children.length,
    },
    children,
  };
}

function sendXml(res: ServerResponse, status: number, element: Element): void {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8' }).end(renderXml(element));
}

function sendV1Error(res: ServerResponse, status: number, message: string): void {
  sendXml(res, status, { tag: 'Response', attrs: { code: status, status: message }, children: [] });
}

function sendV2Error(res: ServerResponse, status: number, code: number, message: string): void {
  res
    .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
    .end(JSON.stringify({ errors: [{ code, message, status }] }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

let nextPinId = 308_667_304;
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomCode = (length: number, alphabet: string) =>
  Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');

function pinJson(pin: PlexPin) {
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product,
    trusted: false,
    qr: `https://plex.tv/api/v2/pins/qr/${pin.code}`,
    clientIdentifier: pin.clientIdentifier,
    location: {
      code: 'US',
      european_union_member: false,
      continent_code: 'NA',
      country: 'United States',
      city: 'Austin',
      time_zone: 'America/Chicago',
      postal_code: '78732',
      in_privacy_restricted_country: false,
      in_privacy_restricted_region: false,
      subdivisions: 'Texas',
      coordinates: '30.3768, -97.8935',
    },
    expiresIn: pin.expiresIn,
    createdAt: pin.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expiresAt: new Date(pin.createdAt.getTime() + pin.expiresIn * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    authToken: pin.authToken,
    newRegistration: null,
  };
}

/** GET /api/v2/user (JSON): the attributes python-plexapi MyPlexAccount._loadData reads. */
function accountJson(account: PlexAccountSpec, authToken: string) {
  return {
    id: account.id,
    uuid: account.id.toString(16).padStart(16, '0'),
    username: account.username,
    title: account.title ?? account.username,
    friendlyName: account.title ?? account.username,
    email: account.email ?? `${account.username}@example.com`,
    locale: null,
    confirmed: true,
    joinedAt: 1_600_000_000,
    emailOnlyAuth: false,
    hasPassword: true,
    protected: false,
    thumb: `https://plex.tv/users/${account.id.toString(16)}/avatar?c=1700000000`,
    authToken,
    mailingListStatus: 'unsubscribed',
    mailingListActive: false,
    scrobbleTypes: '',
    country: 'US',
    subscription: {
      active: false,
      subscribedAt: null,
      status: 'Inactive',
      paymentService: null,
      plan: null,
      features: [],
    },
    subscriptionDescription: null,
    restricted: false,
    anonymous: null,
    home: false,
    guest: false,
    homeSize: 1,
    homeAdmin: false,
    maxHomeSize: 15,
    rememberExpiresAt: 1_900_000_000,
    adsConsent: null,
    adsConsentSetAt: null,
    adsConsentReminderAt: null,
    experimentalFeatures: false,
    twoFactorEnabled: false,
    backupCodesCreated: false,
  };
}

export async function startPlexTvDouble(options: PlexTvDoubleOptions = {}): Promise<PlexTvDouble> {
  const token = options.token ?? 'pms-token-9f8e7d6c5b4a';
  const owner: PlexAccountSpec = options.owner ?? { id: 1_000_001, username: 'owner_plex' };
  /** Tokens plex.tv issued through PINs, by token. */
  const issued = new Map<string, PlexAccountSpec>();
  const pins: PlexPin[] = [];
  const held = new Set<ServerResponse>();
  let heldAnswers = 0;
  const double: PlexTvDouble = {
    url: '',
    token,
    fault: null,
    brokenRoutes: new Set(),
    dropWrites: false,
    friends: (options.friends ?? []).map(buildFriend),
    invites: options.invites ?? [],
    resources: options.resources ?? [],
    writes: [],
    requests: [],
    pins,
    holdAnswer: null,
    get heldAnswers() {
      return heldAnswers;
    },
    approvePin(code, account) {
      const pin = pins.find((p) => p.code === code && !p.expired);
      if (!pin) throw new Error(`plex.tv double: no live PIN ${code}`);
      const authToken = `member-${randomCode(20, ALPHANUMERIC)}`;
      issued.set(authToken, account);
      pin.authToken = authToken;
      return authToken;
    },
    expirePin(code) {
      const pin = pins.find((p) => p.code === code);
      if (!pin) throw new Error(`plex.tv double: no PIN ${code}`);
      pin.expired = true;
    },
    tokenValid: (authToken) => authToken === token || issued.has(authToken),
    friend: (id) => double.friends.find((f) => f.id === id),
    stop: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** PUT /api/v2/sharings/{userId}: flags in the query, nothing in the body (python-plexapi updateFriend). */
  function updateSharing(userId: number, url: URL, body: string, res: ServerResponse) {
    const friend = double.friend(userId);
    if (!friend) return sendV2Error(res, 404, 1002, 'Not Found');
    if (body.trim() !== '') return sendV2Error(res, 400, 1000, 'Unexpected request body');
    const flags = SHARING_FLAGS.filter((f) => url.searchParams.has(f));
    const filters = SHARING_FILTERS.filter((f) => url.searchParams.has(f));
    if (flags.length + filters.length === 0) return sendV2Error(res, 400, 1000, 'No sharing settings given');
    if (flags.some((f) => !['0', '1'].includes(url.searchParams.get(f) ?? ''))) {
      return sendV2Error(res, 400, 1000, 'Invalid sharing setting value');
    }
    if (!double.dropWrites) {
      for (const f of flags) friend[f] = url.searchParams.get(f) === '1';
      for (const f of filters) friend[f] = url.searchParams.get(f) ?? '';
    }
    res.writeHead(200).end();
  }

  /** POST /api/v2/shared_servers/{id} (Wizarr): replaces settings and the library list of one share. */
  function replaceShare(shareId: number, body: string, res: ServerResponse) {
    const friend = double.friends.find((f) => f.servers.some((s) => s.id === shareId));
    const share = friend?.servers.find((s) => s.id === shareId);
    if (!friend || !share) return sendV2Error(res, 404, 1020, 'Shared server not found');
    let parsed: { settings?: Record<string, unknown>; librarySectionIds?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendV2Error(res, 400, 1000, 'Invalid JSON');
    }
    if (typeof parsed.settings !== 'object' || !Array.isArray(parsed.librarySectionIds)) {
      return sendV2Error(res, 400, 1000, 'settings and librarySectionIds are required');
    }
    if (!double.dropWrites) {
      if (typeof parsed.settings.allowSync === 'boolean') friend.allowSync = parsed.settings.allowSync;
      share.allLibraries = false;
      share.libraryIds = parsed.librarySectionIds.filter((id): id is number => typeof id === 'number');
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  }

  /** The PIN routes (no token) and GET /api/v2/user (any account's token); false for every other route. */
  function signInRoute(
    method: string,
    url: URL,
    clientIdentifier: string | null,
    given: string | null,
    req: IncomingMessage,
    res: ServerResponse,
  ): boolean {
    const pinById = /^\/api\/v2\/pins\/(\d+)$/.exec(url.pathname);
    if (method === 'POST' && url.pathname === '/api/v2/pins') {
      if (!clientIdentifier) {
        sendV2Error(res, 400, 1000, 'X-Plex-Client-Identifier is missing');
        return true;
      }
      const strong = url.searchParams.get('strong') === 'true';
      const pin: PlexPin = {
        id: nextPinId++,
        code: strong ? randomCode(25, ALPHANUMERIC) : randomCode(4, ALPHANUMERIC.toUpperCase()),
        clientIdentifier,
        product: (req.headers['x-plex-product'] as string | undefined) ?? clientIdentifier,
        strong,
        expiresIn: strong ? 1800 : 900,
        createdAt: new Date(),
        authToken: null,
        expired: false,
      };
      pins.push(pin);
      res
        .writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(pinJson(pin)));
      return true;
    }
    if (method === 'GET' && pinById) {
      const pin = pins.find((p) => p.id === Number(pinById[1]));
      if (!pin || pin.expired || pin.clientIdentifier !== clientIdentifier) {
        sendV2Error(res, 404, 1020, 'Code not found or expired');
        return true;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(pinJson(pin)));
      return true;
    }
    if (method === 'DELETE' && url.pathname === '/api/v2/users/signout') {
      if (!given || !issued.delete(given)) {
        sendV2Error(res, 401, 1001, 'User could not be authenticated');
        return true;
      }
      res.writeHead(204).end();
      return true;
    }
    if (method === 'GET' && url.pathname === '/api/v2/resources') {
      const account = given === token ? owner : given ? issued.get(given) : undefined;
      if (!account) {
        sendV2Error(res, 401, 1001, 'User could not be authenticated');
        return true;
      }
      if (!clientIdentifier) {
        sendV2Error(res, 400, 1000, 'X-Plex-Client-Identifier is missing');
        return true;
      }
      const list = resourcesFor(double.resources, account.id);
      if ((req.headers.accept ?? '').includes('application/json')) {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(list));
      } else {
        sendXml(res, 200, resourcesXml(list));
      }
      return true;
    }
    if (method === 'GET' && url.pathname === '/api/v2/user') {
      const account = given === token ? owner : given ? issued.get(given) : undefined;
      if (!account || !given) {
        sendV2Error(res, 401, 1001, 'User could not be authenticated');
        return true;
      }
      res
        .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(accountJson(account, given)));
      return true;
    }
    return false;
  }

  /** The answer goes nowhere: the request is carried out, its connection stays open until stop(). */
  function holding(res: ServerResponse): ServerResponse {
    held.add(res);
    heldAnswers += 1;
    const sink = { writeHead: () => sink, setHeader: () => sink, end: () => sink };
    return sink as unknown as ServerResponse;
  }

  async function handle(req: IncomingMessage, answer: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const res = double.holdAnswer?.({ method, path: url.pathname }) ? holding(answer) : answer;
    const clientIdentifier =
      (req.headers['x-plex-client-identifier'] as string | undefined) ??
      url.searchParams.get('X-Plex-Client-Identifier');
    const given = (req.headers['x-plex-token'] as string | undefined) ?? url.searchParams.get('X-Plex-Token');
    double.requests.push({ method, path: url.pathname, clientIdentifier, token: given ?? null });
    const body = await readBody(req);
    const v2 = url.pathname.startsWith('/api/v2/');
    if (double.fault === 'hang') return;
    if (double.fault === 'redirect') {
      // A redirect to another path (as a proxy or captive portal does); it must not be followed with the token.
      if (url.pathname === '/moved') return sendV1Error(res, 404, 'Not Found');
      res.writeHead(301, { Location: '/moved' }).end();
      return;
    }
    if (double.fault === 'server-error' || double.brokenRoutes.has(url.pathname)) {
      return v2
        ? sendV2Error(res, 500, 1100, 'Internal Server Error')
        : sendV1Error(res, 500, 'Internal Server Error');
    }
    if (signInRoute(method, url, clientIdentifier, given ?? null, req, res)) return;
    if (double.fault === 'unauthorized' || given !== token) {
      return v2
        ? sendV2Error(res, 401, 1001, 'User could not be authenticated')
        : sendV1Error(res, 401, 'Invalid authentication token');
    }
    if (!clientIdentifier) return sendV2Error(res, 400, 1000, 'X-Plex-Client-Identifier is missing');
    if (double.fault === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><p>Maintenance');
      return;
    }
    if (method === 'GET' && url.pathname === '/api/users') {
      return sendXml(res, 200, container(double.friends.map(userElement)));
    }
    if (RETIRED_ROUTES.some((route) => url.pathname === route || url.pathname.startsWith(`${route}/`))) {
      return sendV1Error(res, 410, RETIRED_ROUTE_STATUS);
    }
    if (method === 'GET' && url.pathname === '/api/v2/shared_servers/owned/pending') {
      res
        .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(double.invites.flatMap((invite) => pendingShareJson(invite, owner.id))));
      return;
    }
    const sharing = /^\/api\/v2\/sharings\/(\d+)$/.exec(url.pathname);
    const shared = /^\/api\/v2\/shared_servers\/(\d+)$/.exec(url.pathname);
    if ((sharing && method === 'PUT') || (shared && method === 'POST')) {
      double.writes.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });
      return sharing
        ? updateSharing(Number(sharing[1]), url, body, res)
        : replaceShare(Number(shared?.[1]), body, res);
    }
    return v2 ? sendV2Error(res, 404, 1002, 'Not Found') : sendV1Error(res, 404, 'Not Found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => sendV2Error(res, 500, 1100, 'Internal Server Error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(double, { url: `http://127.0.0.1:${port}` });
  return double;
}
