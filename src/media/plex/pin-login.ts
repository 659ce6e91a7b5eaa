// A member proves which plex.tv account is theirs by signing in at plex.tv with a PIN (`/link`). The PIN routes, the
// sign-in page and the sign-out, with their sources, are in plex-pin.ts.
//
// Whether the account may use the server is decided with the OWNER's token: the server's users as `/user link`
// reads them (plex-tv.ts: friends with a share of this server, pending invites, PMS /accounts), and the owner's
// own account (`GET /api/v2/user` with the owner's token), which PMS reports as account 1 (mappers.ts).
//
// The member's token is held by the redactor while it is in memory, sent only to `GET /api/v2/user` and then to
// `DELETE /api/v2/users/signout`, so no authorized device of Streamwarden stays on the member's account.
// When plex.tv does not confirm the sign-out, the member is told to remove the device themselves.
// The account is read once: a later check (after a failure to list the server's accounts) does not need the token.

import { holdSecret } from '../../redact.ts';
import type { SelfLinkOptions, SelfLinkProvider, SignIn, SignInState } from '../self-link.ts';
import {
  type MediaAccount,
  type MediaServer,
  type MediaServerConfig,
  type MediaServerError,
  PartialAccountsError,
} from '../types.ts';
import { accountName, type PlexAccount, plexPinClient } from './plex-pin.ts';

/** PMS reports the owner as account 1 (mappers.ts OWNER_ACCOUNT_ID). */
const OWNER_ACCOUNT_ID = '1';

export function createPlexPinLogin(
  config: MediaServerConfig,
  options: SelfLinkOptions,
  server: MediaServer,
): SelfLinkProvider {
  const plexTv = plexPinClient({
    plexTvUrl: config.plexTvUrl,
    clientId: options.clientId,
    product: options.product,
    timeoutMs: config.timeoutMs,
  });

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
    const [owner, accounts] = await Promise.all([plexTv.readAccount(config.token), serverAccounts()]);
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
      const pin = await plexTv.create(product);
      /** Who signed in, once read (the token is signed out right after). */
      let signedIn: { account: PlexAccount; signedOut: boolean } | null = null;
      return {
        code: { code: pin.code, url: pin.url, expiresInMs: pin.expiresInMs },
        async check(): Promise<SignInState> {
          if (!signedIn) {
            const token = await plexTv.poll(pin.id);
            if (token === 'expired') return { state: 'expired' };
            if (!token) return { state: 'waiting' };
            const release = holdSecret(token);
            try {
              const account = await plexTv.readAccount(token);
              signedIn = { account, signedOut: await plexTv.signOut(token) };
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
