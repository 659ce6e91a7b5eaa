// `npm run db:backup`, `npm run db:restore -- FILE [--force]`, `npm run db:copy -- --to URL`: the embedded
// database's tools. The embedded database has one user at a time: each tool takes DATA_DIR's lock and refuses to
// run while the bot (or another tool) holds it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadStorageConfig } from '../config.ts';
import { redact, registerSecret } from '../redact.ts';
import { giveTokenCommand } from '../secrets.ts';
import {
  backupEmbedded,
  backupFileName,
  embeddedDir,
  privateDir,
  requireEmbeddedDatabase,
  restoreEmbedded,
  ToolError,
} from './backup.ts';
import { installBackupKey, keyWarning, writeKeyBeside } from './backup-key.ts';
import { copyToPostgres } from './copy.ts';
import { DataDirLockedError, type LockHolder, type LockPurpose, lockDataDir } from './data-dir-lock.ts';
import { rotateKey } from './rotate-key.ts';
import { formatCounts } from './tables.ts';

const USAGE = `Usage:
  npm run db:backup [-- --out FILE] [--with-key]
                                         (default: DATA_DIR/backups/streamwarden-backup-<time>.tar.gz;
                                          --with-key also writes the encryption key to FILE.key)
  npm run db:restore -- FILE [--force]
  npm run db:copy -- --to postgres://user:password@host:5432/database
  npm run db:rotate-key                  (a new encryption key for the stored media-server tokens)`;

const KEY_REMINDER =
  'Media-server tokens are encrypted with ENCRYPTION_KEY or DATA_DIR/encryption.key: keep that key with the database.';

/** What a tool says when DATA_DIR is in use. */
function lockAdvice(holder: LockHolder): string {
  if (holder.purpose !== 'bot') return 'Wait for it to finish, then run this again.';
  return 'Stop the bot first, then run this again: the embedded database has one user at a time, and two would damage it. A backup takes seconds: for example `docker compose stop streamwarden`, the backup, then `docker compose start streamwarden` (see docs/operations.md, "Backups").';
}

/** Runs `use` holding DATA_DIR's lock. */
async function withLock<T>(dataDir: string, purpose: LockPurpose, use: () => Promise<T>): Promise<T> {
  const lock = lockDataDir(dataDir, purpose, lockAdvice);
  try {
    return await use();
  } finally {
    lock.release();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      force: { type: 'boolean' },
      to: { type: 'string' },
      'with-key': { type: 'boolean' },
    },
  });
  const storage = loadStorageConfig();
  if (command === 'backup') {
    if (storage.databaseUrl) {
      throw new ToolError(
        'DATABASE_URL is set, so the bot uses PostgreSQL: back that up with pg_dump (see docs/operations.md, "Moving to PostgreSQL").',
      );
    }
    requireEmbeddedDatabase(storage.dataDir);
    const file = values.out ?? join(storage.dataDir, 'backups', backupFileName(new Date()));
    const { bytes, counts } = await withLock(storage.dataDir, 'backup', () => {
      if (!values.out) privateDir(join(storage.dataDir, 'backups'));
      return backupEmbedded(storage.dataDir, file);
    });
    console.log(`${formatCounts('rows', counts)}\n\nWrote ${file} (${bytes} bytes, readable by you only).`);
    const keyFile = values['with-key'] ? writeKeyBeside(file, storage) : null;
    if (keyFile) {
      console.log(
        `Wrote the encryption key to ${keyFile} (readable by you only): whoever has both files can read the media-server tokens, so keep them as safe as the bot's own data.`,
      );
    } else {
      console.warn(keyWarning(file, storage));
    }
  } else if (command === 'restore') {
    const file = positionals[0];
    if (!file) throw new ToolError(`Which backup? ${USAGE}`);
    if (storage.databaseUrl)
      throw new ToolError('DATABASE_URL is set: restore restores the embedded database only.');
    const now = new Date();
    const result = await withLock(storage.dataDir, 'restore', () =>
      restoreEmbedded(storage.dataDir, file, { force: values.force ?? false, now }),
    );
    if (result.movedAside) console.log(`The previous database was moved to ${result.movedAside}.`);
    console.log(
      `${formatCounts('rows', result.counts)}\n\nRestored ${file} into ${embeddedDir(storage.dataDir)}.`,
    );
    console.log(installBackupKey(file, storage, now));
  } else if (command === 'copy') {
    const url = values.to;
    if (!url || !/^postgres(ql)?:\/\//.test(url))
      throw new ToolError(`--to needs a postgres:// URL. ${USAGE}`);
    registerSecret(new URL(url).password);
    requireEmbeddedDatabase(storage.dataDir);
    const { source, target } = await withLock(storage.dataDir, 'copy', () =>
      copyToPostgres({ dataDir: storage.dataDir, targetUrl: url }),
    );
    console.log(`${formatCounts('embedded', source, 'postgres', target)}\n`);
    const same = Object.keys(source).every((t) => source[t] === target[t]);
    if (!same) throw new ToolError('The row counts differ: do not switch DATABASE_URL yet.');
    console.log(`Copied. Set DATABASE_URL to the new database and start the bot.\n${KEY_REMINDER}`);
  } else if (command === 'rotate-key') {
    const rotate = () => rotateKey(storage, new Date());
    // On PostgreSQL the instances are checked through their leases instead (they may share no DATA_DIR).
    const r = storage.databaseUrl ? await rotate() : await withLock(storage.dataDir, 'rotate-key', rotate);
    console.log(`Re-encrypted the tokens of ${r.rotated.length} server(s) with a new key.`);
    if (r.unreadable.length > 0) {
      console.log(
        `Could not read the stored token of ${r.unreadable.join(', ')} with the previous key: give each its token again, once the bot runs, with ${giveTokenCommand()}.`,
      );
    }
    if (r.fromEnvironment) {
      console.log(
        `The new key is in ${r.keyFile} (readable by you only). Set ENCRYPTION_KEY to its content, delete the file, then start the bot: until then the bot cannot read the tokens.`,
      );
    } else {
      console.log(
        `The new key is in ${r.keyFile}. The previous key was kept in ${r.previousKeyFile}: backups made before now need it; delete it when you no longer keep them.`,
      );
    }
  } else {
    throw new ToolError(USAGE);
  }
}

if (existsSync('.env')) process.loadEnvFile('.env');
try {
  await main(process.argv.slice(2));
} catch (err) {
  const known = err instanceof ToolError || err instanceof ConfigError || err instanceof DataDirLockedError;
  console.error(known ? (err as Error).message : `Failed: ${redact((err as Error).message)}`);
  process.exit(1);
}
