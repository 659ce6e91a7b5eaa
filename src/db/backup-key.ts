// The encryption key and the backups: a backup is useless for the media-server tokens without the key that
// encrypted them. `db:backup --with-key` writes the key beside the backup (FILE.key, owner-only); `db:restore`
// puts a key found beside the backup in place of DATA_DIR's (the one it replaces is kept aside).
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findKey, KEY_FILE_NAME, type KeySource, keyLocation, readKeyFile } from '../secrets.ts';

export const keyFileBeside = (backup: string) => `${backup}.key`;

/** Writes the key in use beside the backup, readable by the owner only; null when there is no key yet. */
export function writeKeyBeside(backup: string, source: KeySource): string | null {
  const key = findKey(source);
  if (!key) return null;
  const file = keyFileBeside(backup);
  writeFileSync(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  return file;
}

/** The reminder printed at every backup made without its key. */
export function keyWarning(backup: string, source: KeySource): string {
  return `WARNING: ${backup} does not contain the encryption key, and the media-server tokens in it cannot be read without it. The key is in ${keyLocation(source)}: keep a copy somewhere safe, away from the backups, or run the backup with --with-key to write it beside the backup.`;
}

/**
 * After a restore: installs the key that came with the backup, if any, and says what was done. With
 * ENCRYPTION_KEY set nothing is written: the owner is told when it is not the backup's key.
 */
export function installBackupKey(backup: string, source: KeySource, now: Date): string {
  const beside = keyFileBeside(backup);
  if (!existsSync(beside) || !statSync(beside).isFile()) {
    return `The media-server tokens in this backup need the key that was in use when it was made (now ${keyLocation(source)}).`;
  }
  const key = readKeyFile(beside);
  if (source.encryptionKey) {
    return Buffer.from(source.encryptionKey, 'base64').equals(key)
      ? `${beside} is the key in ENCRYPTION_KEY already.`
      : `${beside} is not the key in ENCRYPTION_KEY: set ENCRYPTION_KEY to its content, or the servers' tokens cannot be read.`;
  }
  const target = join(source.dataDir, KEY_FILE_NAME);
  if (existsSync(target)) {
    if (readKeyFile(target).equals(key)) return `${target} is the backup's key already.`;
    const aside = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, aside);
    writeFileSync(target, readFileSync(beside), { mode: 0o600 });
    return `Installed the backup's key (${beside}) as ${target}; the previous key was moved to ${aside}.`;
  }
  writeFileSync(target, readFileSync(beside), { flag: 'wx', mode: 0o600 });
  return `Installed the backup's key (${beside}) as ${target}.`;
}
