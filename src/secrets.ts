// Media-server tokens are stored encrypted (AES-256-GCM). The key comes from ENCRYPTION_KEY, or from a key file
// in DATA_DIR created on first start with mode 0600.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from './redact.ts';

/**
 * The server row a token belongs to. It is authenticated with the token (AES-GCM additional data), so a token
 * copied to another row, or left on a row whose address was changed behind the bot's back, does not decrypt: the
 * bot never sends a server's token to an address it was not given for.
 */
export interface TokenBinding {
  serverId: number;
  url: string;
}

export interface TokenCipher {
  encrypt(plain: string, binding: TokenBinding): string;
  /** Decrypts and registers the token with the redactor, so it can never reach a log line. Throws a
   *  StoredTokenError when the token is not this row's, or was encrypted with another key. */
  decrypt(stored: string, binding: TokenBinding): string;
  /** A token stored before tokens were bound to their row (v1), or null when `stored` is not one / not ours. */
  decryptUnbound(stored: string): string | null;
}

export type StoredTokenProblem = 'other-key' | 'not-this-server' | 'unreadable';

/** What an admin runs to give a server its token again. */
export const giveTokenCommand = (serverName?: string) =>
  `\`/server edit server:${serverName ?? '<name>'} token:<token>\``;

/** A stored token that cannot be used: the server needs its token again. The message never holds the token;
 *  it names the command that fixes it, for `serverName` when known. */
export class StoredTokenError extends Error {
  override name = 'StoredTokenError';
  constructor(
    readonly problem: StoredTokenProblem,
    serverName?: string,
  ) {
    const fix = giveTokenCommand(serverName);
    super(
      {
        'other-key': `its stored token was encrypted with another key (ENCRYPTION_KEY or DATA_DIR/encryption.key changed): put the key back, or give the server its token again with ${fix}`,
        'not-this-server': `its stored token was not given for this server and address (they were changed outside the bot): the server needs its token again: check the address and run ${fix} (with \`url:\` too if the address is wrong)`,
        unreadable: `its stored token cannot be read: the server needs its token again: run ${fix}`,
      }[problem],
    );
  }
}

export const KEY_FILE_NAME = 'encryption.key';
/** The next key while `npm run db:rotate-key` runs; its presence means a rotation is unfinished. */
export const PENDING_KEY_FILE_NAME = 'encryption.key.new';

export interface KeySource {
  encryptionKey: string | null;
  dataDir: string;
}

/** Where the key is, in words for the owner. */
export const keyLocation = (options: KeySource) =>
  options.encryptionKey ? 'the ENCRYPTION_KEY environment variable' : join(options.dataDir, KEY_FILE_NAME);

/** Reads a key file (base64, 32 bytes). */
export function readKeyFile(file: string): Buffer {
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
  return key;
}

/** The key in use, or null when there is none yet (the tools never create one). */
export function findKey(options: KeySource): Buffer | null {
  if (options.encryptionKey) return Buffer.from(options.encryptionKey, 'base64');
  const file = join(options.dataDir, KEY_FILE_NAME);
  return existsSync(file) ? readKeyFile(file) : null;
}

export function loadKey(options: KeySource): Buffer {
  if (existsSync(join(options.dataDir, PENDING_KEY_FILE_NAME))) {
    throw new Error(
      `A key rotation was interrupted (${join(options.dataDir, PENDING_KEY_FILE_NAME)} is there): run \`npm run db:rotate-key\` again to finish it, then start the bot.`,
    );
  }
  const found = findKey(options);
  if (found) return found;
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, KEY_FILE_NAME);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

/** A short public fingerprint of a key, stored with each token: tells "another key" from "another server". */
export const keyId = (key: Buffer) => createHmac('sha256', key).update('key-id').digest('hex').slice(0, 12);

const additionalData = (b: TokenBinding) =>
  Buffer.from(`streamwarden-token\0${b.serverId}\0${b.url}`, 'utf8');

function open(key: Buffer, iv: string, tag: string, data: string, aad: Buffer | null): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * Tokens are stored as `v2:<key id>:<iv>:<tag>:<ciphertext>`, AES-256-GCM with the row's id and address as
 * additional data. `v1:<iv>:<tag>:<ciphertext>` (unbound) is only read to re-bind it (rebindTokens, at start).
 */
export function createTokenCipher(key: Buffer): TokenCipher {
  const id = keyId(key);
  return {
    encrypt(plain, binding) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(additionalData(binding));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v2',
        id,
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        data.toString('base64'),
      ].join(':');
    },
    decrypt(stored, binding) {
      const [version, storedKeyId, iv, tag, data] = stored.split(':');
      if (version !== 'v2' || !storedKeyId || !iv || !tag || !data) throw new StoredTokenError('unreadable');
      if (storedKeyId !== id) throw new StoredTokenError('other-key');
      const plain = open(key, iv, tag, data, additionalData(binding));
      if (plain === null) throw new StoredTokenError('not-this-server');
      registerSecret(plain);
      return plain;
    },
    decryptUnbound(stored) {
      const [version, iv, tag, data] = stored.split(':');
      if (version !== 'v1' || !iv || !tag || !data) return null;
      const plain = open(key, iv, tag, data, null);
      if (plain !== null) registerSecret(plain);
      return plain;
    },
  };
}

/**
 * A stable id for this bot install, derived from the encryption key (so it survives restarts and needs no storage)
 * without revealing it: Plex lists the apps a member signed in to by this client identifier (`/link`).
 */
export function installId(key: Buffer, purpose: string): string {
  return `streamwarden-${createHmac('sha256', key).update(purpose).digest('hex').slice(0, 24)}`;
}
