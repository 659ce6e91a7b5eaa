// `/server connect`: an admin signs in at plex.tv with a PIN (plex-pin.ts) and the bot lists the account's Plex Media
// Servers, each with its own access token and the addresses plex.tv knows for it.
//
// Route and shape (sources):
//   GET {plex.tv}/api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1 with the account's token and
//   X-Plex-Client-Identifier, `Accept: application/json`: an array of resources (python-plexapi plexapi/myplex.py
//   @a8d051f2 `MyPlexAccount.resources()`, `MyPlexResource` (key `…/api/v2/resources?includeHttps=1&includeRelay=1`;
//   name, product, productVersion, clientIdentifier, provides "server,…", owned, accessToken, httpsRequired,
//   publicAddressMatches, connections) and `ResourceConnection` (protocol, address, port, uri, local, relay, IPv6)).
//   The JSON answer carries the same fields as typed values (Sonarr src/NzbDrone.Core/Notifications/Plex/PlexTv/
//   PlexTvResource.cs reads name, owned, provides, connections[{uri, protocol, address, port, local}] from it).
//   It still answers in 2026 where older routes went: Maintainerr PR #3063 (2026-06) moved server discovery from
//   v1 `/api/resources` (XML), which left owned servers out, to v2 `/api/v2/resources` (JSON, which needs the client
//   identifier); Ombi PR #5261 (2025-09) found `/pms/servers.xml` answering an empty list.
//   A server's `clientIdentifier` is its machineIdentifier (what `GET /` of the server reports).
// Order of the addresses tried: python-plexapi `MyPlexResource.preferred_connections()` tries local, then remote,
// then relay, https before http within each; here a local address over http comes before a remote one over https
// (the bot usually runs next to the server), and http is left out when the server requires secure connections.
//
// The admin's token is held by the redactor while it is in memory, sent to `GET /api/v2/user` and
// `GET /api/v2/resources` only, then signed out; it is never stored. The servers' access tokens are held until the
// sign-in ends (`end()`), and the one the admin picks is stored, encrypted, by the caller.

import { z } from 'zod';
import { holdSecret } from '../../redact.ts';
import { MediaServerError } from '../types.ts';
import { accountName, type PlexPinOptions, parsePlexTv, plexPinClient } from './plex-pin.ts';

const Flag = z.boolean().nullish();

const ConnectionSchema = z
  .object({
    protocol: z.string().nullish(),
    address: z.string().nullish(),
    port: z.number().nullish(),
    uri: z.string().min(1),
    local: Flag,
    relay: Flag,
    IPv6: Flag,
  })
  .loose();

const ResourceSchema = z
  .object({
    name: z.string().nullish(),
    product: z.string().nullish(),
    productVersion: z.string().nullish(),
    clientIdentifier: z.string().min(1),
    provides: z.string().nullish(),
    owned: Flag,
    accessToken: z.string().nullish(),
    httpsRequired: Flag,
    publicAddressMatches: Flag,
    connections: z.array(ConnectionSchema).nullish(),
  })
  .loose();

export interface PlexConnection {
  uri: string;
  protocol: string;
  local: boolean;
  relay: boolean;
}

export interface PlexServerResource {
  name: string;
  productVersion: string | null;
  /** The server's machineIdentifier. */
  clientIdentifier: string;
  owned: boolean;
  /** The server's own token for this account (not the account's token). */
  accessToken: string | null;
  httpsRequired: boolean;
  connections: PlexConnection[];
}

/** `GET /api/v2/resources` → the Plex Media Servers among the resources (players and other apps are left out). */
export function parseResources(json: unknown): PlexServerResource[] {
  const resources = parsePlexTv(z.array(ResourceSchema), json, 'GET /api/v2/resources');
  return resources
    .filter((r) => (r.provides ?? '').split(',').some((p) => p.trim() === 'server'))
    .map((r) => ({
      name: r.name?.trim() || r.clientIdentifier,
      productVersion: r.productVersion ?? null,
      clientIdentifier: r.clientIdentifier,
      owned: r.owned === true,
      accessToken: r.accessToken || null,
      httpsRequired: r.httpsRequired === true,
      connections: (r.connections ?? []).map((c) => ({
        uri: c.uri,
        protocol: (c.protocol ?? (c.uri.toLowerCase().startsWith('https:') ? 'https' : 'http')).toLowerCase(),
        local: c.local === true,
        relay: c.relay === true,
      })),
    }));
}

const rank = (c: PlexConnection): number => {
  const https = c.protocol === 'https';
  if (c.relay) return https ? 4 : 5;
  if (c.local) return https ? 0 : 1;
  return https ? 2 : 3;
};

/** The addresses to try, best first: local https, local http, remote https, remote http, relay last. */
export function connectionOrder(resource: PlexServerResource): PlexConnection[] {
  return resource.connections
    .filter((c) => c.protocol === 'https' || (c.protocol === 'http' && !resource.httpsRequired))
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

export type AccountSignInState =
  | { state: 'waiting' }
  | { state: 'expired' }
  | {
      state: 'signed-in';
      signedInAs: string;
      servers: PlexServerResource[];
      /** plex.tv did not confirm the sign-out: the admin should remove the device. */
      sessionLeftOpen: boolean;
    }
  /** Signed in, but the servers could not be listed (the token was signed out: a new sign-in is needed). */
  | { state: 'failed'; reason: string; sessionLeftOpen: boolean };

export interface AccountSignIn {
  code: { code: string; url: string; expiresInMs: number };
  /** Asks plex.tv once; once signed in, lists the servers and signs the token out. Throws MediaServerError. */
  check(): Promise<AccountSignInState>;
  /** Forgets the servers' tokens, except `keep` (the token the caller stores, which stays redacted). */
  end(keep?: string): void;
}

/** Starts an admin's sign-in; `product` names it on the sign-in page and in the account's authorized devices. */
export async function beginAccountSignIn(options: PlexPinOptions, product: string): Promise<AccountSignIn> {
  const plexTv = plexPinClient(options);
  const pin = await plexTv.create(product);
  const held = new Map<string, () => void>();
  let done: Extract<AccountSignInState, { state: 'signed-in' | 'failed' }> | null = null;
  return {
    code: { code: pin.code, url: pin.url, expiresInMs: pin.expiresInMs },
    async check() {
      if (done) return done;
      const token = await plexTv.poll(pin.id);
      if (token === 'expired') return { state: 'expired' };
      if (!token) return { state: 'waiting' };
      const release = holdSecret(token);
      try {
        let listed: Awaited<ReturnType<typeof listServers>> | null = null;
        let failure: unknown = null;
        try {
          listed = await listServers(token);
        } catch (err) {
          failure = err;
        }
        // Signed out whatever the listing gave: the token is never needed again.
        const signedOut = await plexTv.signOut(token);
        if (!listed) {
          if (!(failure instanceof MediaServerError)) throw failure;
          done = { state: 'failed', reason: failure.message, sessionLeftOpen: !signedOut };
          return done;
        }
        done = { state: 'signed-in', ...listed, sessionLeftOpen: !signedOut };
        return done;
      } finally {
        release();
      }
    },
    end(keep) {
      for (const [token, release] of held) if (token !== keep) release();
      held.clear();
    },
  };

  async function listServers(token: string) {
    const account = await plexTv.readAccount(token);
    const json = await plexTv.http.json({
      path: '/api/v2/resources',
      query: { includeHttps: 1, includeRelay: 1, includeIPv6: 1 },
      headers: { 'X-Plex-Token': token },
    });
    const servers = parseResources(json);
    for (const s of servers)
      if (s.accessToken && !held.has(s.accessToken)) held.set(s.accessToken, holdSecret(s.accessToken));
    return { signedInAs: accountName(account), servers };
  }
}
