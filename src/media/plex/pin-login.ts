// A member proves which plex.tv account is theirs by signing in at plex.tv with a PIN (`/link`).
//
// Sources: Plex's forum post "Authenticating with Plex" (https://forums.plex.tv/t/authenticating-with-plex/609370):
// the app keeps one Client Identifier, `POST /api/v2/pins?strong=true` with X-Plex-Product and
// X-Plex-Client-Identifier answers `{ id, code, expiresIn, authToken: null, … }`, the member signs in at
// `https://app.plex.tv/auth#?clientID=…&code=…&context[device][product]=…`, the app polls `GET /api/v2/pins/{id}`
// (same client id) until `authToken` is set, and `GET /api/v2/user` with that token answers the account
// (`id`, `uuid`, `username`, `title`, `email`, … and `authToken`). python-plexapi plexapi/myplex.py @a8d051f2
// `MyPlexPinLogin` polls the same route and treats any failure of that read as "expired" (`_pollLogin`), which
// is what a PIN plex.tv no longer knows answers (404).
//
// Whether the account may use the server is decided with the OWNER's token: the server's users as `/user link`
// reads them (plex-tv.ts: friends with a share of this server, pending invites, PMS /accounts), and the owner's
// own account (`GET /api/v2/user` with the owner's token), which PMS reports as account 1 (mappers.ts).
//
// The member's token is held by the redactor while it is in memory, sent only to `GET /api/v2/user` and then to
// `DELETE /api/v2/users/signout` (python-plexapi plexapi/myplex.py @4ffb295d MyPlexAccount.SIGNOUT, `signout()`:
// "Invalidates the authentication token"), so no authorized device of Streamwarden stays on the member's account.
// When plex.tv does not confirm the sign-out, the member is told to remove the device themselves.
// The account is read once: a later check (after a failure to list the server's accounts) does not need the token.

import { z } from 'zod';
import { holdSecret } from '../../redact.ts';
import { HttpClient } from '../http.ts';
import type { SelfLinkOptions, SelfLinkProvider, SignIn, SignInState } from '../self-link.ts';
import {
  type MediaAccount,
  type MediaServer,
  type MediaServerConfig,
  MediaServerError,
  PartialAccountsError,
} from '../types.ts';
import { PLEX_TV_URL } from './plex-tv.ts';

/** PMS reports the owner as account 1 (mappers.ts OWNER_ACCOUNT_ID). */
const OWNER_ACCOUNT_ID = '1';
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
type PlexAccount = z.infer<typeof AccountSchema>;

/** The page the member signs in on (the forum post's "Auth App url"). */
export function plexAuthUrl(clientId: string, code: string, product: string): string {
  const params = new URLSearchParams({ clientID: clientId, code, 'context[device][product]': product });
  return `https://app.plex.tv/auth#?${params.toString()}`;
}

function accountName(account: PlexAccount): string {
  const name = [account.username, account.title, account.email].find((n) => n && n.trim() !== '');
  return name?.trim() ?? `Plex user ${account.id}`;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MediaServerError('bad-response', `plex.tv ${where}: unexpected answer`);
  return parsed.data;
}

export function createPlexPinLogin(
  config: MediaServerConfig,
  options: SelfLinkOptions,
  server: MediaServer,
): SelfLinkProvider {
  // No token in the default headers: the PIN routes need none, and the member's token is added to one call only.
  const plexTv = new HttpClient(
    config.plexTvUrl ?? PLEX_TV_URL,
    {
      'X-Plex-Client-Identifier': options.clientId,
      'X-Plex-Product': options.product,
      Accept: 'application/json',
    },
    config.timeoutMs,
  );

  const readAccount = async (token: string) =>
    parse(
      AccountSchema,
      await plexTv.json({ path: '/api/v2/user', headers: { 'X-Plex-Token': token } }),
      'GET /api/v2/user',
    );

  /** Signs the member's token out at plex.tv; false when plex.tv did not confirm it (the device stays listed). */
  const signOut = async (token: string) => {
    try {
      await plexTv.request({
        method: 'DELETE',
        path: '/api/v2/users/signout',
        headers: { 'X-Plex-Token': token },
      });
      return true;
    } catch (err) {
      if (err instanceof MediaServerError) return false;
      throw err;
    }
  };

  /** The server's accounts; a partial list is enough when the account is in it. */
  const serverAccounts = async (): Promise<{
    found: MediaAccount[];
    incomplete: MediaServerError | null;
  }> => {
    try {
      return { found: await server.listAccounts(), incomplete: null };
    } catch (err) {
      if (err instanceof PartialAccountsError) return { found: err.found, incomplete: err };
      throw err;
    }
  };

  /** The account as this server knows it, or null when it has no access. Throws when it can't tell yet. */
  async function access(account: PlexAccount) {
    const [owner, accounts] = await Promise.all([readAccount(config.token), serverAccounts()]);
    if (owner.id === account.id) return { id: OWNER_ACCOUNT_ID, name: accountName(owner), pending: false };
    const known = accounts.found.find((a) => a.id === account.id && a.id !== OWNER_ACCOUNT_ID);
    if (known) return { id: known.id, name: known.name, pending: known.pending === true };
    // Not among what was read, but it may be in what was not (an invite, when those could not be read).
    if (accounts.incomplete) throw accounts.incomplete;
    return null;
  }

  return {
    method: 'plex-pin',
    async begin(forMember: string): Promise<SignIn> {
      // plex.tv shows the product on the sign-in page and in the account's authorized devices.
      const product = `${options.product} (link for ${forMember})`;
      const pin = parse(
        PinSchema,
        await plexTv.json({
          method: 'POST',
          path: '/api/v2/pins',
          query: { strong: 'true' },
          headers: { 'X-Plex-Product': product },
        }),
        'POST /api/v2/pins',
      );
      /** Who signed in, once read (the token is signed out right after). */
      let signedIn: { account: PlexAccount; signedOut: boolean } | null = null;
      return {
        code: {
          code: pin.code,
          url: plexAuthUrl(options.clientId, pin.code, product),
          expiresInMs: (pin.expiresIn ?? DEFAULT_EXPIRES_IN_S) * 1000,
        },
        async check(): Promise<SignInState> {
          if (!signedIn) {
            let current: z.infer<typeof PinSchema>;
            try {
              current = parse(
                PinSchema,
                await plexTv.json({ path: `/api/v2/pins/${encodeURIComponent(pin.id)}` }),
                'GET /api/v2/pins/{id}',
              );
            } catch (err) {
              if (err instanceof MediaServerError && err.kind === 'not-found') return { state: 'expired' };
              throw err;
            }
            const token = current.authToken;
            if (!token) return { state: 'waiting' };
            const release = holdSecret(token);
            try {
              const account = await readAccount(token);
              signedIn = { account, signedOut: await signOut(token) };
            } finally {
              release();
            }
          }
          return {
            state: 'signed-in',
            signedInAs: accountName(signedIn.account),
            access: await access(signedIn.account),
            ...(signedIn.signedOut ? {} : { sessionLeftOpen: true }),
          };
        },
        end() {},
      };
    },
  };
}
