// The plex.tv PIN sign-in shared by `/link` (pin-login.ts: a member proves their account) and `/server connect`
// (resources.ts: an admin lets the bot list their servers).
//
// Sources: Plex's forum post "Authenticating with Plex" (https://forums.plex.tv/t/authenticating-with-plex/609370):
// the app keeps one Client Identifier, `POST /api/v2/pins?strong=true` with X-Plex-Product and
// X-Plex-Client-Identifier answers `{ id, code, expiresIn, authToken: null, … }`, the user signs in at
// `https://app.plex.tv/auth#?clientID=…&code=…&context[device][product]=…`, the app polls `GET /api/v2/pins/{id}`
// (same client id) until `authToken` is set, and `GET /api/v2/user` with that token answers the account
// (`id`, `uuid`, `username`, `title`, `email`, … and `authToken`). python-plexapi plexapi/myplex.py @a8d051f2
// `MyPlexPinLogin` polls the same route and treats any failure of that read as "expired" (`_pollLogin`), which
// is what a PIN plex.tv no longer knows answers (404).
//
// A token a sign-in gives is signed out with `DELETE /api/v2/users/signout` (python-plexapi plexapi/myplex.py
// @4ffb295d MyPlexAccount.SIGNOUT, `signout()`: "Invalidates the authentication token"), so no authorized device of
// Streamwarden stays on the account.

import { z } from 'zod';
import { HttpClient } from '../http.ts';
import { MediaServerError } from '../types.ts';
import { PLEX_TV_URL } from './plex-tv.ts';

/** plex.tv's default when a PIN answer leaves `expiresIn` out (plexapi.dev "Get a Pin": 900 s). */
const DEFAULT_EXPIRES_IN_S = 900;

const PinSchema = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  code: z.string().min(1),
  expiresIn: z.number().nullish(),
  authToken: z.string().nullish(),
});

const AccountSchema = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  uuid: z.string().nullish(),
  username: z.string().nullish(),
  title: z.string().nullish(),
  email: z.string().nullish(),
});
export type PlexAccount = z.infer<typeof AccountSchema>;

/** The page the user signs in on (the forum post's "Auth App url"). */
export function plexAuthUrl(clientId: string, code: string, product: string): string {
  const params = new URLSearchParams({ clientID: clientId, code, 'context[device][product]': product });
  return `https://app.plex.tv/auth#?${params.toString()}`;
}

export function accountName(account: PlexAccount): string {
  const name = [account.username, account.title, account.email].find((n) => n && n.trim() !== '');
  return name?.trim() ?? `Plex user ${account.id}`;
}

export function parsePlexTv<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MediaServerError('bad-response', `plex.tv ${where}: unexpected answer`);
  return parsed.data;
}

export interface PlexPinOptions {
  plexTvUrl?: string;
  clientId: string;
  product: string;
  timeoutMs?: number;
}

export interface CreatedPin {
  id: string;
  code: string;
  /** Where the user signs in. */
  url: string;
  expiresInMs: number;
}

/** The PIN routes of plex.tv as one client (`clientId`). No token in the default headers: the PIN routes need none,
 *  and a signed-in token is added to the calls that use it only. */
export function plexPinClient(options: PlexPinOptions) {
  const http = new HttpClient(
    options.plexTvUrl ?? PLEX_TV_URL,
    {
      'X-Plex-Client-Identifier': options.clientId,
      'X-Plex-Product': options.product,
      Accept: 'application/json',
    },
    options.timeoutMs,
  );
  return {
    http,
    /** Starts a sign-in; `product` is what the sign-in page and the account's authorized devices show. */
    async create(product: string): Promise<CreatedPin> {
      const pin = parsePlexTv(
        PinSchema,
        await http.json({
          method: 'POST',
          path: '/api/v2/pins',
          query: { strong: 'true' },
          headers: { 'X-Plex-Product': product },
        }),
        'POST /api/v2/pins',
      );
      return {
        id: pin.id,
        code: pin.code,
        url: plexAuthUrl(options.clientId, pin.code, product),
        expiresInMs: (pin.expiresIn ?? DEFAULT_EXPIRES_IN_S) * 1000,
      };
    },
    /** The token once the user signed in, null while waiting, 'expired' when plex.tv forgot the PIN. */
    async poll(id: string): Promise<string | null | 'expired'> {
      try {
        const pin = parsePlexTv(
          PinSchema,
          await http.json({ path: `/api/v2/pins/${encodeURIComponent(id)}` }),
          'GET /api/v2/pins/{id}',
        );
        return pin.authToken || null;
      } catch (err) {
        if (err instanceof MediaServerError && err.kind === 'not-found') return 'expired';
        throw err;
      }
    },
    async readAccount(token: string): Promise<PlexAccount> {
      return parsePlexTv(
        AccountSchema,
        await http.json({ path: '/api/v2/user', headers: { 'X-Plex-Token': token } }),
        'GET /api/v2/user',
      );
    },
    /** Signs a token out at plex.tv; false when plex.tv did not confirm it (the device stays listed). */
    async signOut(token: string): Promise<boolean> {
      try {
        await http.request({
          method: 'DELETE',
          path: '/api/v2/users/signout',
          headers: { 'X-Plex-Token': token },
        });
        return true;
      } catch (err) {
        if (err instanceof MediaServerError) return false;
        throw err;
      }
    },
  };
}

export type PlexPinClient = ReturnType<typeof plexPinClient>;
