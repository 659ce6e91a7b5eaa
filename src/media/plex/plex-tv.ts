// plex.tv sharing: the only place a shared user's download permission (`allowSync`) can be changed.
//
// Routes are the ones Plex Web and Wizarr use today (reference P5; wizarrrr/wizarr app/services/media/plex.py
// `_get_share_data()` and plex_custom.py `update_shared_server()`):
//   GET  {base}/api/v2/shared_servers/owned/accepted   → every accepted share of every server the owner has
//   POST {base}/api/v2/shared_servers/{sharedServerId}  {settings, librarySectionIds} → replaces that share
// plex.tv changes these routes without notice (friends v1 → 410 in 2024, python-plexapi #1504), so every
// answer is validated and a shape we do not recognise is a 'bad-response', never a silent no-op.

import { z } from 'zod';
import { HttpClient } from '../http.ts';
import { MediaServerError } from '../types.ts';

export const PLEX_TV_URL = 'https://clients.plex.tv';

const id = z.union([z.number(), z.string().min(1)]);

const shareSchema = z.object({
  id,
  machineIdentifier: z.string(),
  invitedId: id.nullish(),
  invitedEmail: z.string().nullish(),
  invited: z
    .object({
      id: id.nullish(),
      username: z.string().nullish(),
      title: z.string().nullish(),
      email: z.string().nullish(),
    })
    .nullish(),
  settings: z.record(z.string(), z.unknown()),
  libraries: z.array(z.object({ id })).nullish(),
});

/** One accepted share of one of the owner's servers, as much of it as the bot needs. */
export interface PlexShare {
  /** sharedServerId: the id to POST updates to. */
  id: number | string;
  machineIdentifier: string;
  invitedId: string | null;
  /** Username, title and email of the invited account (whichever plex.tv gave). */
  invitedNames: string[];
  /** The share's settings exactly as plex.tv sent them, so an update can send them back unchanged. */
  settings: Record<string, unknown>;
  /** Global library ids (not PMS section keys); the update must repeat them or the libraries are unshared. */
  librarySectionIds: Array<number | string>;
}

export interface PlexTvOptions {
  baseUrl?: string;
  token: string;
  clientIdentifier: string;
  product: string;
  timeoutMs?: number;
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
        Accept: 'application/json',
      },
      options.timeoutMs,
    );
  }

  /** Accepted shares of the server `machineIdentifier`. Items plex.tv sends in an unknown shape are skipped. */
  async listShares(machineIdentifier: string): Promise<PlexShare[]> {
    const body = await this.http.json({ path: '/api/v2/shared_servers/owned/accepted' });
    if (!Array.isArray(body)) {
      throw new MediaServerError(
        'bad-response',
        'plex.tv answered the share list with something other than a list',
      );
    }
    const shares: PlexShare[] = [];
    for (const item of body) {
      const parsed = shareSchema.safeParse(item);
      if (!parsed.success || parsed.data.machineIdentifier !== machineIdentifier) continue;
      const share = parsed.data;
      const invited = share.invited ?? {};
      const invitedId = share.invitedId ?? invited.id;
      shares.push({
        id: share.id,
        machineIdentifier: share.machineIdentifier,
        invitedId: invitedId === undefined || invitedId === null ? null : String(invitedId),
        invitedNames: [invited.username, invited.title, invited.email, share.invitedEmail].filter(
          (name): name is string => typeof name === 'string' && name.trim() !== '',
        ),
        settings: share.settings,
        librarySectionIds: (share.libraries ?? []).map((library) => library.id),
      });
    }
    return shares;
  }

  async findShare(
    machineIdentifier: string,
    account: { id: string | null; name: string },
  ): Promise<PlexShare | null> {
    return matchShare(await this.listShares(machineIdentifier), account);
  }

  /**
   * Sets `allowSync` on one share and sends every other setting and the library ids back as they were
   * (Wizarr sends the full settings object and the current library ids so nothing else changes).
   */
  async setAllowSync(share: PlexShare, allowed: boolean): Promise<void> {
    if (share.librarySectionIds.length === 0) {
      // An update with an empty list would unshare every library; refuse rather than guess.
      throw new MediaServerError(
        'bad-response',
        'plex.tv listed no libraries for this share, so its download setting was left unchanged',
      );
    }
    await this.http.request({
      method: 'POST',
      path: `/api/v2/shared_servers/${encodeURIComponent(String(share.id))}`,
      body: {
        settings: { ...share.settings, allowSync: allowed },
        librarySectionIds: share.librarySectionIds,
      },
    });
  }
}

/** The share of this account: by plex.tv account id first, then by username, title or email (case-insensitive). */
export function matchShare(
  shares: PlexShare[],
  account: { id: string | null; name: string },
): PlexShare | null {
  if (account.id) {
    const byId = shares.find((share) => share.invitedId === account.id);
    if (byId) return byId;
  }
  const name = account.name.trim().toLowerCase();
  if (!name) return null;
  return shares.find((share) => share.invitedNames.some((n) => n.trim().toLowerCase() === name)) ?? null;
}

/** Display name of the invited account: username first, as Plex shows it in the sharing list. */
export function shareAccountName(share: PlexShare): string | null {
  return share.invitedNames[0] ?? null;
}
