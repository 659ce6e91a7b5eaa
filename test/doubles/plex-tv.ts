// Loopback double of the plex.tv v2 API routes the Plex adapter uses (reference P5; Wizarr
// app/services/media/plex.py `_get_share_data()`, plex_custom.py `update_shared_server()`).
// Answers JSON only, as plex.tv does with `Accept: application/json`, and plex.tv's JSON error envelope.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type PlexTvFault = null | 'unauthorized' | 'server-error' | 'hang' | 'garbage';

export interface ShareSettings {
  allowSync: boolean;
  allowChannels: boolean;
  allowCameraUpload: boolean;
  allowSubtitleAdmin: boolean;
  allowTuners: number;
  filterAll: string | null;
  filterMovies: string;
  filterMusic: string;
  filterPhotos: string | null;
  filterTelevision: string;
}

export interface ShareLibrary {
  id: number;
  key: number;
  title: string;
  type: 'movie' | 'show' | 'artist' | 'photo';
}

export interface ShareSpec {
  id: number;
  machineIdentifier: string;
  invited: { id: number; username: string; title?: string; email?: string };
  settings?: Partial<ShareSettings>;
  libraries?: ShareLibrary[];
}

/** One accepted share as plex.tv lists it in /api/v2/shared_servers/owned/accepted. */
export interface PlexTvShare {
  id: number;
  name: string;
  ownerId: number;
  invitedId: number;
  invitedEmail: string;
  serverId: number;
  accepted: boolean;
  acceptedAt: number;
  deletedAt: null;
  leftAt: null;
  owned: boolean;
  machineIdentifier: string;
  lastSeenAt: number;
  numLibraries: number;
  allLibraries: boolean;
  invited: {
    id: number;
    uuid: string;
    title: string;
    username: string;
    email: string;
    restricted: boolean;
    thumb: string;
    home: boolean;
    status: string;
  };
  settings: ShareSettings;
  libraries: ShareLibrary[];
}

export interface PlexTvUpdate {
  shareId: number;
  settings: Record<string, unknown>;
  librarySectionIds: unknown[];
}

export interface PlexTvDoubleOptions {
  token?: string;
  shares?: ShareSpec[];
  /** Whether GET /api/v2/user reports an active Plex Pass subscription. */
  premium?: boolean;
}

export interface PlexTvDouble {
  readonly url: string;
  readonly token: string;
  fault: PlexTvFault;
  shares: PlexTvShare[];
  readonly updates: PlexTvUpdate[];
  readonly requests: Array<{ method: string; path: string; clientIdentifier: string | null }>;
  stop(): Promise<void>;
}

export const DEFAULT_LIBRARIES: ShareLibrary[] = [
  { id: 118813151, key: 1, title: 'Movies', type: 'movie' },
  { id: 118813152, key: 2, title: 'TV Shows', type: 'show' },
];

export function buildShare(spec: ShareSpec): PlexTvShare {
  const libraries = spec.libraries ?? DEFAULT_LIBRARIES;
  const email = spec.invited.email ?? `${spec.invited.username}@example.com`;
  return {
    id: spec.id,
    name: 'Basement PMS',
    ownerId: 7777001,
    invitedId: spec.invited.id,
    invitedEmail: email,
    serverId: 31415926,
    accepted: true,
    acceptedAt: 1700000000,
    deletedAt: null,
    leftAt: null,
    owned: true,
    machineIdentifier: spec.machineIdentifier,
    lastSeenAt: 1717430400,
    numLibraries: libraries.length,
    allLibraries: false,
    invited: {
      id: spec.invited.id,
      uuid: `a1b2c3d4${spec.invited.id.toString(16)}`,
      title: spec.invited.title ?? spec.invited.username,
      username: spec.invited.username,
      email,
      restricted: false,
      thumb: `https://plex.tv/users/${spec.invited.id.toString(16)}/avatar?c=1700000000`,
      home: false,
      status: 'accepted',
    },
    settings: {
      allowSync: true,
      allowChannels: false,
      allowCameraUpload: false,
      allowSubtitleAdmin: false,
      allowTuners: 0,
      filterAll: null,
      filterMovies: '',
      filterMusic: '',
      filterPhotos: null,
      filterTelevision: '',
      ...spec.settings,
    },
    libraries,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { errors: [{ code, message, status }] });
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startPlexTvDouble(options: PlexTvDoubleOptions = {}): Promise<PlexTvDouble> {
  const token = options.token ?? 'pms-token-9f8e7d6c5b4a';
  const double: PlexTvDouble = {
    url: '',
    token,
    fault: null,
    shares: (options.shares ?? []).map(buildShare),
    updates: [],
    requests: [],
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function update(shareId: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const share = double.shares.find((s) => s.id === shareId);
    if (!share) return sendError(res, 404, 1020, 'Shared server not found');
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendError(res, 400, 1000, 'Invalid JSON');
    }
    if (!isRecord(body) || !isRecord(body.settings) || !Array.isArray(body.librarySectionIds)) {
      return sendError(res, 400, 1000, 'settings and librarySectionIds are required');
    }
    const ids = body.librarySectionIds;
    double.updates.push({ shareId, settings: body.settings, librarySectionIds: ids });
    const known = new Map([...DEFAULT_LIBRARIES, ...share.libraries].map((l) => [l.id, l]));
    const libraries = ids.map((id) => (typeof id === 'number' ? known.get(id) : undefined));
    if (libraries.some((l) => l === undefined))
      return sendError(res, 400, 1000, 'Unknown library section id');
    share.settings = { ...share.settings, ...(body.settings as Partial<ShareSettings>) };
    share.libraries = libraries.filter((l): l is ShareLibrary => l !== undefined);
    share.numLibraries = share.libraries.length;
    sendJson(res, 200, share);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const clientIdentifier =
      (req.headers['x-plex-client-identifier'] as string | undefined) ??
      url.searchParams.get('X-Plex-Client-Identifier');
    double.requests.push({ method: req.method ?? 'GET', path: url.pathname, clientIdentifier });
    if (double.fault === 'hang') return;
    if (double.fault === 'server-error') return sendError(res, 500, 1100, 'Internal Server Error');
    const given = (req.headers['x-plex-token'] as string | undefined) ?? url.searchParams.get('X-Plex-Token');
    if (double.fault === 'unauthorized' || given !== token) {
      return sendError(res, 401, 1001, 'User could not be authenticated');
    }
    if (!clientIdentifier) return sendError(res, 400, 1000, 'X-Plex-Client-Identifier is missing');
    if (double.fault === 'garbage') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('<!DOCTYPE html><p>Maintenance');
      return;
    }
    const shareRoute = /^\/api\/v2\/shared_servers\/(\d+)$/.exec(url.pathname);
    if (req.method === 'POST' && shareRoute) return update(Number(shareRoute[1]), req, res);
    if (req.method === 'GET' && url.pathname === '/api/v2/shared_servers/owned/accepted') {
      return sendJson(res, 200, double.shares);
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/user') {
      const active = options.premium ?? true;
      return sendJson(res, 200, {
        id: 7777001,
        uuid: 'f0e1d2c3b4a59687',
        username: 'owner',
        title: 'owner',
        email: 'owner@example.com',
        thumb: 'https://plex.tv/users/f0e1d2c3b4a59687/avatar?c=1700000000',
        home: false,
        subscription: {
          active,
          subscribedAt: active ? '2019-05-04 12:00:00 UTC' : null,
          status: active ? 'Active' : 'Inactive',
          paymentService: active ? 'braintree' : null,
          plan: active ? 'lifetime' : null,
          features: active ? ['sync', 'download_certificates', 'premium_music_metadata'] : [],
        },
      });
    }
    sendError(res, 404, 1002, 'Not Found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => sendError(res, 500, 1100, 'Internal Server Error'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(double, { url: `http://127.0.0.1:${port}` });
  return double;
}
