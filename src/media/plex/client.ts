// Plex adapter: PMS for sessions, stops, download activities and accounts; plex.tv for the download permission.
// Reference: /work/shared/reference/media-server-apis.md P1–P5.

import { HttpClient } from '../http.ts';
import type {
  ActiveStream,
  Capability,
  DownloadActivity,
  MediaAccount,
  MediaServer,
  MediaServerConfig,
  ServerIdentity,
  StopResult,
} from '../types.ts';
import { isCapabilityFailure, MediaServerError, PartialAccountsError } from '../types.ts';
import { type SourceRef, sourceHeight } from './delivery.ts';
import { parseAccounts, parseActivities, parseRoot, parseSessionReads } from './mappers.ts';
import { parseContainer } from './payload.ts';
import { matchUser, PLEX_TV_URL, PlexTvClient, type PlexTvUser, shareOf, userNames } from './plex-tv.ts';

/** X-Plex-Client-Identifier when the install gives none (tests that build an adapter directly). The bot passes the
 *  install's own one (settings `plex_client_identifier`): Plex lists clients by it, so it never changes. */
export const DEFAULT_PLEX_CLIENT_IDENTIFIER = 'streamwarden';
export const PLEX_PRODUCT = 'Streamwarden';

const STOP_NO_SESSION_ID =
  'This Plex session has no Session id (Plexamp and some players), so Plex cannot stop it.';
const STOP_UNKNOWN_SESSION = 'Plex no longer knows this session (it may have just ended).';
/** The terminate route answers 401 (text/html) when the server lacks the feature (plex-api-spec; reference P4). */
const STOP_REFUSED_401 =
  'Plex refused to stop the stream (HTTP 401): stopping streams needs Plex Pass on the server owner’s account ' +
  '(or the token is no longer valid).';

const CAPABILITIES: Record<Capability, boolean> = {
  // Usable only with Plex Pass: identify() says so in canStopStreams / stopUnavailableReason.
  'stop-stream': true,
  // Plex has no message separate from the stop: the text is shown as the stop reason.
  'on-screen-message': false,
  'download-activity': true,
  'toggle-downloads': true,
  // A terminated session stays listed for a while: a read cannot tell whether the stop worked.
  'verifiable-stop': false,
};

/**
 * Original heights by server address, library item and version, kept across cycles: a version's file does not
 * change height while it keeps its Media id (a replaced file gets a new one), so each converted version costs one
 * `GET /library/metadata/{ratingKey}` while it plays, not one per read. Bounded; the oldest entry goes first.
 */
const SOURCE_HEIGHTS = new Map<string, number | null>();
const SOURCE_HEIGHTS_MAX = 2_000;

function rememberHeight(key: string, height: number | null): void {
  SOURCE_HEIGHTS.delete(key);
  SOURCE_HEIGHTS.set(key, height);
  if (SOURCE_HEIGHTS.size > SOURCE_HEIGHTS_MAX) {
    const oldest = SOURCE_HEIGHTS.keys().next().value;
    if (oldest !== undefined) SOURCE_HEIGHTS.delete(oldest);
  }
}

class PlexServer implements MediaServer {
  readonly platform = 'plex' as const;
  private readonly pms: HttpClient;
  private readonly plexTv: PlexTvClient;
  private server: { machineIdentifier: string; name: string } | null = null;

  private readonly url: string;

  constructor(config: MediaServerConfig) {
    this.url = config.url;
    const clientIdentifier = config.clientIdentifier ?? DEFAULT_PLEX_CLIENT_IDENTIFIER;
    this.pms = new HttpClient(
      config.url,
      {
        'X-Plex-Token': config.token,
        'X-Plex-Client-Identifier': clientIdentifier,
        'X-Plex-Product': PLEX_PRODUCT,
        // PMS answers XML without it (reference P1); the mappers still read XML if it does anyway.
        Accept: 'application/json',
      },
      config.timeoutMs,
    );
    this.plexTv = new PlexTvClient({
      baseUrl: config.plexTvUrl ?? PLEX_TV_URL,
      token: config.token,
      clientIdentifier,
      product: PLEX_PRODUCT,
      timeoutMs: config.timeoutMs,
    });
  }

  supports(capability: Capability): boolean {
    return CAPABILITIES[capability];
  }

  async identify(): Promise<ServerIdentity> {
    const identity = await this.get('/', parseRoot);
    this.server = { machineIdentifier: identity.serverId, name: identity.name };
    return identity;
  }

  /** Sessions with their delivery; a converted video's original height is read from its library item (delivery.ts). */
  async listStreams(): Promise<ActiveStream[]> {
    const reads = await this.get('/status/sessions', parseSessionReads);
    return Promise.all(
      reads.map(async ({ stream, source }) => {
        if (!source || !stream.delivery) return stream;
        return { ...stream, delivery: { ...stream.delivery, sourceHeight: await this.sourceHeight(source) } };
      }),
    );
  }

  /** The original height of a library item's version; null when the server could not say (the read still counts). */
  private async sourceHeight(source: SourceRef): Promise<number | null> {
    const key = `${this.url}\u0000${source.ratingKey}\u0000${source.mediaId ?? ''}`;
    if (SOURCE_HEIGHTS.has(key)) {
      const height = SOURCE_HEIGHTS.get(key) ?? null;
      rememberHeight(key, height);
      return height;
    }
    try {
      const height = await this.get(
        `/library/metadata/${encodeURIComponent(source.ratingKey)}`,
        (body, type) => sourceHeight(parseContainer(body, type), source.mediaId),
      );
      rememberHeight(key, height);
      return height;
    } catch (err) {
      // Not knowing the height leaves it null (no 4K rule applies on a guess); the next read asks again.
      if (err instanceof MediaServerError) return null;
      throw err;
    }
  }

  async stopStream(stream: ActiveStream, message: { title: string; text: string }): Promise<StopResult> {
    if (!stream.sessionId) return { ok: false, reason: STOP_NO_SESSION_ID };
    // The session key is not accepted, only Session.id; the capital I in sessionId matters (Plexopedia: 400).
    const query = { sessionId: stream.sessionId, reason: message.text };
    try {
      try {
        // Tautulli and python-plexapi use GET; the spec documents POST. GET first, POST when refused with 405.
        await this.pms.request({ path: '/status/sessions/terminate', query });
      } catch (err) {
        if (!(err instanceof MediaServerError && err.status === 405)) throw err;
        await this.pms.request({ method: 'POST', path: '/status/sessions/terminate', query });
      }
      return { ok: true };
    } catch (err) {
      if (!(err instanceof MediaServerError)) throw err;
      if (err.kind === 'not-found') return { ok: false, reason: STOP_UNKNOWN_SESSION };
      if (err.status === 401) return { ok: false, reason: STOP_REFUSED_401, serverRefuses: true };
      return { ok: false, reason: err.message, serverRefuses: isCapabilityFailure(err) };
    }
  }

  async listDownloads(): Promise<DownloadActivity[]> {
    const downloads = await this.get('/activities', parseActivities);
    if (downloads.length === 0) return downloads;
    const names = await this.accountNames();
    return downloads.map((download) => ({
      ...download,
      accountName: download.accountId ? (names.get(download.accountId) ?? null) : null,
    }));
  }

  /**
   * Who may use this server: the owner's plex.tv friends with a share of it (plex-tv.ts), the invites to it still
   * pending, then the PMS `/accounts` not already listed (the owner is account 1 there). `/accounts` alone only
   * lists accounts the server has seen, so a friend who never played anything would be missing. The sources are
   * read side by side and one failing never hides the others: when some answered, PartialAccountsError carries
   * what they listed and names what is missing; only when none answered is it a plain failure.
   */
  async listAccounts(): Promise<MediaAccount[]> {
    const server = await this.serverRef();
    const [friends, invites, pms] = await Promise.allSettled([
      this.plexTv.users(),
      this.plexTv.pendingInvites(),
      this.pmsAccounts(),
    ]);
    const accounts: MediaAccount[] = [];
    const known = new Set<string>();
    const add = (account: MediaAccount) => {
      if (known.has(account.id)) return;
      known.add(account.id);
      accounts.push(account);
    };
    const fromPlexTv = (user: PlexTvUser, pending: boolean) => {
      const [name, ...others] = userNames(user);
      if (!name) return;
      const aliases = others.filter((other) => other.toLowerCase() !== name.toLowerCase());
      add({
        id: user.id,
        name,
        ...(pending ? { pending: true } : {}),
        ...(aliases.length ? { aliases } : {}),
      });
    };
    if (friends.status === 'fulfilled') {
      for (const user of friends.value) {
        const share = shareOf(user, server);
        if (share) fromPlexTv(user, share.pending);
      }
    }
    if (invites.status === 'fulfilled') {
      for (const user of invites.value) if (shareOf(user, server)) fromPlexTv(user, true);
    }
    if (pms.status === 'fulfilled') for (const account of pms.value) add(account);
    const failed = [
      { result: friends, what: 'the users on plex.tv' },
      { result: invites, what: 'the pending invites on plex.tv' },
      { result: pms, what: 'the accounts on the server' },
    ].flatMap(({ result, what }) => (result.status === 'rejected' ? [{ reason: result.reason, what }] : []));
    const [first] = failed;
    if (!first) return accounts;
    if (!(first.reason instanceof MediaServerError) || failed.length === 3) throw first.reason;
    throw new PartialAccountsError(
      accounts,
      failed.map((f) => f.what),
      first.reason,
    );
  }

  /**
   * Switches `allowSync` for one friend, then reads it back from plex.tv. A write plex.tv accepted without
   * applying it throws 'not-applied', so the switch jobs retry and the alert says the change did not take effect.
   */
  async setDownloadsAllowed(account: { id: string | null; name: string }, allowed: boolean): Promise<void> {
    const friend = matchUser(await this.friendsWithShare(), account);
    if (!friend) {
      throw new MediaServerError(
        'not-found',
        `plex.tv lists no friend ${account.name} with access to this server`,
      );
    }
    await this.plexTv.setAllowSync(friend.id, allowed);
    const after = matchUser(await this.plexTv.users(), { id: friend.id, name: '' });
    if (after?.id !== friend.id || after.allowSync !== allowed) {
      throw new MediaServerError(
        'not-applied',
        `plex.tv accepted the change but still reports downloads ${allowed ? 'off' : 'on'} for ${account.name}: the change did not take effect`,
      );
    }
  }

  /** `allowSync` of the friend as plex.tv reports it on GET /api/users. */
  async downloadsAllowed(account: { id: string | null; name: string }): Promise<boolean> {
    const friend = matchUser(await this.friendsWithShare(), account);
    if (!friend) {
      throw new MediaServerError(
        'not-found',
        `plex.tv lists no friend ${account.name} with access to this server`,
      );
    }
    if (friend.allowSync === null) {
      throw new MediaServerError('bad-response', `plex.tv reports no download setting for ${account.name}`);
    }
    return friend.allowSync;
  }

  /** Friends with a share of this server. */
  private async friendsWithShare(): Promise<PlexTvUser[]> {
    const server = await this.serverRef();
    return (await this.plexTv.users()).filter((user) => shareOf(user, server));
  }

  private async pmsAccounts(): Promise<MediaAccount[]> {
    return this.get('/accounts', parseAccounts);
  }

  /**
   * Account names for download attribution. Activity.userID is presumably the same plex.tv id as /accounts
   * (reference P3, open uncertainty). Names only enrich the answer, so a failure here leaves them null rather
   * than hiding downloads that were read.
   */
  private async accountNames(): Promise<Map<string, string>> {
    try {
      return new Map((await this.pmsAccounts()).map((account) => [account.id, account.name]));
    } catch (err) {
      if (!(err instanceof MediaServerError)) throw err;
      return new Map();
    }
  }

  private async get<T>(path: string, mapper: (body: string, contentType: string) => T): Promise<T> {
    const response = await this.pms.request({ path });
    try {
      return mapper(response.text, response.contentType);
    } catch (err) {
      if (err instanceof MediaServerError)
        throw new MediaServerError(err.kind, `GET ${path}: ${err.message}`, err.status);
      throw err;
    }
  }

  /** This server as plex.tv knows it: from identify(), or from the root MediaContainer when identify() has not run. */
  private async serverRef(): Promise<{ machineIdentifier: string; name: string }> {
    if (!this.server) await this.identify();
    if (!this.server) throw new MediaServerError('bad-response', 'Plex did not say which server it is');
    return this.server;
  }
}

export function createPlexServer(config: MediaServerConfig): MediaServer {
  return new PlexServer(config);
}
