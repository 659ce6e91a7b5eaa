// `npm run db:backup`, `npm run db:restore -- FILE [--force]`, `npm run db:copy -- --to URL`: the embedded
// database's tools. Stop the bot first: the embedded database has one user at a time.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadStorageConfig } from '../config.ts';
import { redact, registerSecret } from '../redact.ts';
import { backupEmbedded, embeddedDir, restoreEmbedded, ToolError } from './backup.ts';
import { copyToPostgres } from './copy.ts';
import { formatCounts } from './tables.ts';

const USAGE = `Usage:
  npm run db:backup [-- --out FILE]      (default: DATA_DIR/backups/streamwarden-backup-<time>.tar.gz)
  npm run db:restore -- FILE [--force]
  npm run db:copy -- --to postgres://user:password@host:5432/database`;

const KEY_REMINDER =
  'Media-server tokens are encrypted with ENCRYPTION_KEY or DATA_DIR/encryption.key: keep that key with the database.';

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { out: { type: 'string' }, force: { type: 'boolean' }, to: { type: 'string' } },
  });
  const storage = loadStorageConfig();
  if (command === 'backup') {
    if (storage.databaseUrl) {
      throw new ToolError(
        'DATABASE_URL is set, so the bot uses PostgreSQL: back that up with pg_dump (see README "Moving to PostgreSQL").',
      );
    }
    const file =
      values.out ?? join(storage.dataDir, 'backups', `streamwarden-backup-${stamp(new Date())}.tar.gz`);
    if (!values.out) mkdirSync(join(storage.dataDir, 'backups'), { recursive: true });
    const { bytes, counts } = await backupEmbedded(storage.dataDir, file);
    console.log(`${formatCounts('rows', counts)}\n\nWrote ${file} (${bytes} bytes).\n${KEY_REMINDER}`);
  } else if (command === 'restore') {
    const file = positionals[0];
    if (!file) throw new ToolError(`Which backup? ${USAGE}`);
    if (storage.databaseUrl)
      throw new ToolError('DATABASE_URL is set: restore restores the embedded database only.');
    const result = await restoreEmbedded(storage.dataDir, file, {
      force: values.force ?? false,
      now: new Date(),
    });
    if (result.movedAside) console.log(`The previous database was moved to ${result.movedAside}.`);
    console.log(
      `${formatCounts('rows', result.counts)}\n\nRestored ${file} into ${embeddedDir(storage.dataDir)}.`,
    );
  } else if (command === 'copy') {
    const url = values.to;
    if (!url || !/^postgres(ql)?:\/\//.test(url))
      throw new ToolError(`--to needs a postgres:// URL. ${USAGE}`);
    registerSecret(new URL(url).password);
    const { source, target } = await copyToPostgres({ dataDir: storage.dataDir, targetUrl: url });
    console.log(`${formatCounts('embedded', source, 'postgres', target)}\n`);
    const same = Object.keys(source).every((t) => source[t] === target[t]);
    if (!same) throw new ToolError('The row counts differ: do not switch DATABASE_URL yet.');
    console.log(`Copied. Set DATABASE_URL to the new database and start the bot.\n${KEY_REMINDER}`);
  } else {
    throw new ToolError(USAGE);
  }
}

if (existsSync('.env')) process.loadEnvFile('.env');
try {
  await main(process.argv.slice(2));
} catch (err) {
  const known = err instanceof ToolError || err instanceof ConfigError;
  console.error(known ? (err as Error).message : `Failed: ${redact((err as Error).message)}`);
  process.exit(1);
}
