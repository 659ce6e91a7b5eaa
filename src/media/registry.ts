import type { MediaServerRow } from '../db/schema.ts';
import { StoredTokenError, type TokenBinding, type TokenCipher } from '../secrets.ts';
import { createMediaServer, createPushSpec, createSelfLink } from './factory.ts';
import { DEFAULT_PLEX_CLIENT_IDENTIFIER, PLEX_PRODUCT } from './plex/client.ts';
import { type AccountSignIn, beginAccountSignIn } from './plex/resources.ts';
import type { PushSpec } from './push-types.ts';
import type { SelfLinkOptions, SelfLinkProvider } from './self-link.ts';
import type { MediaServer, MediaServerConfig, Platform } from './types.ts';

/** Builds MediaServer clients from stored rows (decrypting the token) or from what an admin typed. */
export class MediaRegistry {
  constructor(
    private readonly cipher: TokenCipher,
    private readonly options: {
      plexTvUrl: string;
      timeoutMs: number;
      clock: () => Date;
      /** The install's identity toward media servers: its Plex client identifier on every Plex and plex.tv call
       *  (and the push socket), and what sign-in pages (`/link`) show. */
      client?: SelfLinkOptions;
    },
  ) {}

  forRow(row: MediaServerRow): MediaServer {
    return this.connect(row.platform, row.url, this.tokenOf(row));
  }

  /** How to open the stored server's push socket (the spec carries the token: never log it). */
  pushSpecForRow(row: MediaServerRow): PushSpec {
    return createPushSpec({
      platform: row.platform,
      url: row.url,
      token: this.tokenOf(row),
      clientIdentifier: this.client.clientId,
    });
  }

  /** How members of this stored server sign in to link themselves, or null when its platform has no such flow. */
  selfLinkForRow(row: MediaServerRow): SelfLinkProvider | null {
    const token = this.tokenOf(row);
    const config = this.config(row.platform, row.url, token);
    return createSelfLink(config, this.client, this.connect(row.platform, row.url, token));
  }

  /** `timeoutMs` shortens the usual request timeout (a quick check of one of several addresses). */
  connect(platform: Platform, url: string, token: string, timeoutMs?: number): MediaServer {
    const config = this.config(platform, url, token);
    return createMediaServer(
      timeoutMs ? { ...config, timeoutMs: Math.min(timeoutMs, config.timeoutMs ?? timeoutMs) } : config,
    );
  }

  /** An admin's plex.tv sign-in that lists the Plex servers of their account (`/server connect`). */
  beginPlexAccountSignIn(forAdmin: string): Promise<AccountSignIn> {
    const { clientId, product } = this.client;
    return beginAccountSignIn(
      { plexTvUrl: this.options.plexTvUrl, clientId, product, timeoutMs: this.options.timeoutMs },
      `${product} (server connect by ${forAdmin})`,
    );
  }

  private get client(): SelfLinkOptions {
    return this.options.client ?? { clientId: DEFAULT_PLEX_CLIENT_IDENTIFIER, product: PLEX_PRODUCT };
  }

  private config(platform: Platform, url: string, token: string): MediaServerConfig {
    return {
      platform,
      url,
      token,
      clientIdentifier: this.client.clientId,
      plexTvUrl: this.options.plexTvUrl,
      timeoutMs: this.options.timeoutMs,
      clock: this.options.clock,
    };
  }

  /** The stored token of `row`, bound to its id and address (throws a StoredTokenError when it is not theirs). */
  private tokenOf(row: MediaServerRow): string {
    try {
      return this.cipher.decrypt(row.tokenEncrypted, { serverId: row.id, url: row.url });
    } catch (err) {
      // Named, so the message tells the admin the exact command that gives this server its token again.
      if (err instanceof StoredTokenError) throw new StoredTokenError(err.problem, row.name);
      throw err;
    }
  }

  encryptToken(token: string, binding: TokenBinding): string {
    return this.cipher.encrypt(token, binding);
  }

  /** Decrypts another secret stored with the same cipher (a pending sign-in's Quick Connect secret). */
  decryptSecret(stored: string, binding: TokenBinding): string {
    return this.cipher.decrypt(stored, binding);
  }
}
