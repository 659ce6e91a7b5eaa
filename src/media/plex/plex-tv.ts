// plex.tv: who may use the server (its users and pending invites) and their download permission (`allowSync`).
//
// Which endpoints, and why (sources: python-plexapi plexapi/myplex.py @a8d051f2, Tautulli plexpy/plextv.py
// @c7153deb, Seerr server/api/plextv.ts, Wizarr app/services/media/plex.py @05c8d42c):
//   GET {base}/api/users              XML `<User id username title email allowSync …><Server machineIdentifier
//                                     pending allLibraries …/></User>`: the owner's friends and the servers each
//                                     one shares (python-plexapi `users()`/MyPlexUser/MyPlexServerShare, Tautulli
//                                     `get_plextv_friends()`, Seerr `getUsers()` + `checkUserAccess()` filter by
//                                     machineIdentifier). This is the list of who has access; PMS `/accounts` only
//                                     lists accounts the server has seen. It answers XML even when asked for JSON
//                                     (Seerr sends Accept: application/json and parses XML).
//   GET {base}/api/v2/shared_servers/owned/pending   JSON list, one entry per server share the owner sent that is
//                                     not accepted yet: `id`, `invitedId` (the invitee's plex.tv account id, equal to
//                                     `invited.id`), `invitedEmail`, `invited {id, username, title, email, …}`,
//                                     `machineIdentifier`, `name`, `allLibraries`, `libraries`, `sharingSettings`,
//                                     `inviteToken` (a secret: never read) … (JordanFromIT/Webservarr
//                                     docs/superpowers/specs/2026-10-10-request-access-design.md §3, a read-only probe
//                                     of plex.tv, and app/integrations/plex_share.py `_entries()`). It replaces
//                                     GET /api/invites/requested, which answers 410 Gone "This endpoint was
//                                     deprecated and removed" since July 2024 (python-plexapi #1435; python-plexapi
//                                     `pendingInvites()` @4ffb295d still calls it and /api/invites/requests, gone too:
//                                     python-plexapi #1536).
//   PUT {base}/api/v2/sharings/{id}?allowSync=0|1   no body: changes only the flags given, for one friend
//                                     (python-plexapi `updateFriend()` FRIENDUPDATE, since PR #1413 replaced the
//                                     removed /api/friends/{id}). It never touches the library list, so an
//                                     "all libraries" share stays "all libraries".
// Not used: POST /api/v2/shared_servers/{id} (Wizarr `update_shared_server()`) replaces the share's settings
// *and* its library list: re-posting the current library ids turns "all libraries" into a fixed list, and its
// list endpoint reports the permission under `sharingSettings`, not `settings`. `allowSync` on /api/users is per
// friend (Plex applies it to every server the owner shares with them), which is also what Plex Web shows.
//
// plex.tv changes these routes without notice (friends v1 → 410 in 2024, python-plexapi #1412; invites v1 → 410,
// #1435), so every answer is validated, a write is read back (a write plex.tv accepted but did not apply is a
// 'not-applied' error), and the pending invites only add detail: the adapter lists accounts without them.

import { z } from 'zod';
import { HttpClient } from '../http.ts';
import { MediaServerError } from '../types.ts';
import { children, flag, type PlexNode, parseContainer, text } from './payload.ts';

export const PLEX_TV_URL = 'https://plex.tv';

/** One server share of a friend (a `<Server>` child of `<User>`) or of an invitee (an owned/pending entry). */
export interface PlexTvServerShare {
  machineIdentifier: string | null;
  name: string | null;
  pending: boolean;
  allLibraries: boolean;
}

/** A friend of the owner (api/users) or an invitee (api/v2/shared_servers/owned/pending). */
export interface PlexTvUser {
  /** The plex.tv account id: the same id PMS reports as User.id in sessions and as the /accounts id. */
  id: string;
  username: string | null;
  title: string | null;
  email: string | null;
  /** allowSync of the friend; null for an invite (not set until accepted). */
  allowSync: boolean | null;
  /** True when the invite has not been accepted yet (an Invite, or a Server share marked pending). */
  pending: boolean;
  servers: PlexTvServerShare[];
}

export interface PlexTvOptions {
  baseUrl?: string;
  token: string;
  clientIdentifier: string;
  product: string;
  timeoutMs?: number;
}

function serverShares(node: PlexNode): PlexTvServerShare[] {
  return children(node, 'Server').map((server) => ({
    machineIdentifier: text(server, 'machineIdentifier'),
    name: text(server, 'name'),
    pending: flag(server, 'pending'),
    allLibraries: flag(server, 'allLibraries'),
  }));
}

/** `GET /api/users` → friends. An element without an id is skipped (it can't be linked or switched). */
export function parseUsers(body: string, contentType: string): PlexTvUser[] {
  const container = parseContainer(body, contentType);
  const users: PlexTvUser[] = [];
  for (const user of children(container, 'User')) {
    const id = text(user, 'id');
    if (!id) continue;
    const servers = serverShares(user);
    const raw = user.allowSync;
    users.push({
      id,
      username: text(user, 'username'),
      title: text(user, 'title'),
      email: text(user, 'email'),
      allowSync: raw === undefined || raw === null || raw === '' ? null : flag(user, 'allowSync'),
      pending: false,
      servers,
    });
  }
  return users;
}

const AccountId = z.union([z.number(), z.string()]).transform(String);
const PendingShare = z
  .object({
    invitedId: AccountId.nullish(),
    invitedEmail: z.string().nullish(),
    invited: z
      .object({
        id: AccountId.nullish(),
        username: z.string().nullish(),
        title: z.string().nullish(),
        email: z.string().nullish(),
      })
      .loose()
      .nullish(),
    machineIdentifier: z.string().nullish(),
    name: z.string().nullish(),
    allLibraries: z.boolean().nullish(),
  })
  .loose();

/**
 * `GET /api/v2/shared_servers/owned/pending` → invitees with the shares they have not accepted, one user per account.
 * An entry without an account id (an invite to an email with no plex.tv account yet) is skipped: sessions report
 * account ids, so it can't be linked before the invitee signs up and accepts.
 */
export function parsePendingShares(body: string): PlexTvUser[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MediaServerError('bad-response', 'not JSON');
  }
  const parsed = z.array(PendingShare).safeParse(json);
  if (!parsed.success) throw new MediaServerError('bad-response', 'not a list of shares');
  const byId = new Map<string, PlexTvUser>();
  for (const entry of parsed.data) {
    const id = entry.invitedId ?? entry.invited?.id ?? null;
    if (!id || id === '0') continue;
    const user = byId.get(id) ?? {
      id,
      username: entry.invited?.username ?? null,
      title: entry.invited?.title ?? null,
      email: entry.invited?.email ?? entry.invitedEmail ?? null,
      allowSync: null,
      pending: true,
      servers: [],
    };
    user.servers.push({
      machineIdentifier: entry.machineIdentifier ?? null,
      name: entry.name ?? null,
      pending: true,
      allLibraries: entry.allLibraries === true,
    });
    byId.set(id, user);
  }
  return [...byId.values()];
}

/** The share of `server` among a friend's shares: by machineIdentifier, else by name when plex.tv gave none. */
export function shareOf(user: PlexTvUser, server: { machineIdentifier: string; name: string }) {
  return (
    user.servers.find((s) => s.machineIdentifier === server.machineIdentifier) ??
    user.servers.find((s) => s.machineIdentifier === null && s.name === server.name) ??
    null
  );
}

/** Names an admin may type for this account: username, title (Plex Web's display name), email. */
export function userNames(user: PlexTvUser): string[] {
  return [user.username, user.title, user.email].filter(
    (name): name is string => typeof name === 'string' && name.trim() !== '',
  );
}

/** The friend with this account: by plex.tv account id first, then by username, title or email (case-insensitive). */
export function matchUser(
  users: readonly PlexTvUser[],
  account: { id: string | null; name: string },
): PlexTvUser | null {
  if (account.id) {
    const byId = users.find((user) => user.id === account.id);
    if (byId) return byId;
  }
  const name = account.name.trim().toLowerCase();
  if (!name) return null;
  return users.find((user) => userNames(user).some((n) => n.trim().toLowerCase() === name)) ?? null;
}

export class PlexTvClient {
  private readonly http: HttpClient;

  constructor(options: PlexTvOptions) {
    this.http = new HttpClient(
      options.baseUrl ?? PLEX_TV_URL,
      {
        'X-Plex-Token': options.token,
        'X-Plex-Client-Identifier': options.clientIdentifier,
        'X-Plex-Product': options.product,
        // The v1 routes answer XML whatever is asked (Seerr); the v2 routes answer JSON.
        Accept: 'application/xml',
      },
      options.timeoutMs,
    );
  }

  async users(): Promise<PlexTvUser[]> {
    return this.read('/api/users', parseUsers);
  }

  async pendingInvites(): Promise<PlexTvUser[]> {
    return this.read('/api/v2/shared_servers/owned/pending', parsePendingShares, {
      Accept: 'application/json',
    });
  }

  /** Changes only `allowSync` of one friend; nothing else of the share is sent, so nothing else changes. */
  async setAllowSync(userId: string, allowed: boolean): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `/api/v2/sharings/${encodeURIComponent(userId)}`,
      query: { allowSync: allowed ? '1' : '0' },
      headers: { Accept: 'application/json' },
    });
  }

  private async read<T>(
    path: string,
    mapper: (body: string, contentType: string) => T,
    headers?: Record<string, string>,
  ): Promise<T> {
    const response = await this.http.request({ path, headers });
    try {
      return mapper(response.text, response.contentType);
    } catch (err) {
      if (err instanceof MediaServerError)
        throw new MediaServerError(err.kind, `plex.tv GET ${path}: ${err.message}`, err.status);
      throw err;
    }
  }
}
