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
import { MediaServerError } from '../types.ts';
import { parseAccounts, parseActivities, parseRoot, parseSessions } from './mappers.ts';
import { PLEX_TV_URL, PlexTvClient, shareAccountName } from './plex-tv.ts';

/** Sent as X-Plex-Client-Identifier: Plex lists clients by it, so it must stay the same across restarts. */
export const PLEX_CLIENT_IDENTIFIER = 'streamwarden';
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

class PlexServer implements MediaServer {
  readonly platform = 'plex' as const;
  private readonly pms: HttpClient;
  private readonly plexTv: PlexTvClient;
  private machineIdentifier: string | null = null;

  constructor(config: MediaServerConfig) {
    this.pms = new HttpClient(
      config.url,
      {
        'X-Plex-Token': config.token,
        'X-Plex-Client-Identifier': PLEX_CLIENT_IDENTIFIER,
        'X-Plex-Product': PLEX_PRODUCT,
        // PMS answers XML without it (reference P1); the mappers still read XML if it does anyway.
        Accept: 'application/json',
      },
      config.timeoutMs,
    );
    this.plexTv = new PlexTvClient({
      baseUrl: config.plexTvUrl ?? PLEX_TV_URL,
      token: config.token,
      clientIdentifier: PLEX_CLIENT_IDENTIFIER,
      product: PLEX_PRODUCT,
      timeoutMs: config.timeoutMs,
    });
  }

  supports(capability: Capability): boolean {
    return CAPABILITIES[capability];
  }

  async identify(): Promise<ServerIdentity> {
    const identity = await this.get('/', parseRoot);
    this.machineIdentifier = identity.serverId;
    return identity;
  }

  async listStreams(): Promise<ActiveStream[]> {
    return this.get('/status/sessions', parseSessions);
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
      if (err.status === 401) return { ok: false, reason: STOP_REFUSED_401 };
      return { ok: false, reason: err.message };
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

  async listAccounts(): Promise<MediaAccount[]> {
    const accounts = await this.pmsAccounts();
    const known = new Set(accounts.map((account) => account.id));
    try {
      const shares = await this.plexTv.listShares(await this.serverId());
      for (const share of shares) {
        const name = shareAccountName(share);
        if (!share.invitedId || !name || known.has(share.invitedId)) continue;
        known.add(share.invitedId);
        accounts.push({ id: share.invitedId, name });
      }
    } catch (err) {
      // plex.tv only adds friends who never opened the server; the PMS accounts are still a useful answer.
      if (!(err instanceof MediaServerError)) throw err;
    }
    return accounts;
  }

  async setDownloadsAllowed(account: { id: string | null; name: string }, allowed: boolean): Promise<void> {
    const share = await this.plexTv.findShare(await this.serverId(), account);
    if (!share)
      throw new MediaServerError('not-found', `plex.tv has no share of this server with ${account.name}`);
    await this.plexTv.setAllowSync(share, allowed);
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

  /** machineIdentifier from identify(), or from the light `/identity` route when identify() has not run. */
  private async serverId(): Promise<string> {
    if (!this.machineIdentifier) {
      this.machineIdentifier = (await this.get('/identity', parseRoot)).serverId;
    }
    return this.machineIdentifier;
  }
}

export function createPlexServer(config: MediaServerConfig): MediaServer {
  return new PlexServer(config);
}
