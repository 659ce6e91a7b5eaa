// Media-server tokens are stored encrypted (AES-256-GCM). The key comes from ENCRYPTION_KEY, or from a key file
// in DATA_DIR created on first start with mode 0600.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from './redact.ts';

export interface TokenCipher {
  encrypt(plain: string): string;
  /** Decrypts and registers the token with the redactor, so it can never reach a log line. */
  decrypt(stored: string): string;
}

export const KEY_FILE_NAME = 'encryption.key';

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
  const found = findKey(options);
  if (found) return found;
  mkdirSync(options.dataDir, { recursive: true });
  const file = join(options.dataDir, KEY_FILE_NAME);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

export function createTokenCipher(key: Buffer): TokenCipher {
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        data.toString('base64'),
      ].join(':');
    },
    decrypt(stored) {
      const [version, iv, tag, data] = stored.split(':');
      if (version !== 'v1' || !iv || !tag || !data) throw new Error('Stored token has an unknown format.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      let plain: string;
      try {
        plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new Error('A stored media-server token cannot be decrypted: the encryption key changed.');
      }
      registerSecret(plain);
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
