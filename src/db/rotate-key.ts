// `npm run db:rotate-key`: a new encryption key for the stored media-server tokens. The new key is written first
// (DATA_DIR/encryption.key.new, owner-only), every token is re-encrypted in one transaction, then the key file is
// replaced in one rename (the previous key kept aside for old backups). Interrupted anywhere, running it again
// finishes the job; the bot refuses to start while encryption.key.new is there.
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { findKey, KEY_FILE_NAME, PENDING_KEY_FILE_NAME, readKeyFile } from '../secrets.ts';
import { requireEmbeddedDatabase, ToolError } from './backup.ts';
import { openDatabase } from './client.ts';
import { activeLeases } from './leases.ts';
import { type RotationResult, reencryptTokens } from './tokens.ts';

export interface KeyRotation extends RotationResult {
  /** Where the new key is. */
  keyFile: string;
  /** Where the previous key was kept (null when it came from ENCRYPTION_KEY). */
  previousKeyFile: string | null;
  /** True when ENCRYPTION_KEY holds the key: the owner must put the new key there. */
  fromEnvironment: boolean;
}

export async function rotateKey(
  storage: Pick<Config, 'databaseUrl' | 'dataDir' | 'encryptionKey'>,
  now: Date,
): Promise<KeyRotation> {
  const oldKey = findKey(storage);
  if (!oldKey)
    throw new ToolError('There is no encryption key yet (no server was added): nothing to rotate.');
  if (!storage.databaseUrl) requireEmbeddedDatabase(storage.dataDir);
  const database = await openDatabase(storage);
  const pending = join(storage.dataDir, PENDING_KEY_FILE_NAME);
  let result: RotationResult;
  try {
    if (database.kind === 'postgres') {
      const running = (await activeLeases(database.db)).filter((l) => l.name.startsWith('instance:'));
      if (running.length > 0) {
        throw new ToolError(
          `${running.length} bot instance(s) are running on this database: stop them all first (a running bot keeps the old key), then run this again.`,
        );
      }
    }
    if (!existsSync(pending)) {
      writeFileSync(pending, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    }
    result = await reencryptTokens(database.db, oldKey, readKeyFile(pending));
  } finally {
    await database.close();
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  if (storage.encryptionKey) {
    const keyFile = join(storage.dataDir, `${KEY_FILE_NAME}.rotated-${stamp}`);
    renameSync(pending, keyFile);
    return { ...result, keyFile, previousKeyFile: null, fromEnvironment: true };
  }
  const keyFile = join(storage.dataDir, KEY_FILE_NAME);
  const previousKeyFile = `${keyFile}.before-rotation-${stamp}`;
  linkSync(keyFile, previousKeyFile);
  renameSync(pending, keyFile);
  return { ...result, keyFile, previousKeyFile, fromEnvironment: false };
}
