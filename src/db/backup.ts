// Backup and restore of the embedded database (PGlite): the whole data directory as one gzipped tarball, made
// and read back by PGlite itself (dumpDataDir / loadDataDir), written readable by its owner only. The CLI's tools
// run with the bot stopped (they take DATA_DIR's lock); the running bot writes its scheduled backups through
// writeRunningBackup with its own open database (src/engine/backups.ts).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { Db } from './client.ts';
import * as schema from './schema.ts';
import { countRows, holdsData, type RowCounts } from './tables.ts';

/** A refusal or a mistake the person running the tool can fix; the CLI prints the message and exits 1. */
export class ToolError extends Error {
  override name = 'ToolError';
}

export const embeddedDir = (dataDir: string) => join(dataDir, 'pglite');

const hasFiles = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;

/**
 * Refuses a DATA_DIR without an embedded database (a wrong DATA_DIR must not be opened: opening creates an
 * empty database). PostgreSQL's data directories always hold PG_VERSION.
 */
export function requireEmbeddedDatabase(dataDir: string): string {
  const dir = embeddedDir(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    throw new ToolError(`There is no embedded database in ${dir} (check DATA_DIR). Nothing was done.`);
  }
  return dir;
}

/** A folder only its owner can read (backups hold members' data and the encrypted tokens). */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

async function withPglite<T>(dir: string, use: (db: Db) => Promise<T>, loadDataDir?: Blob): Promise<T> {
  const client = await PGlite.create(dir, loadDataDir ? { loadDataDir } : {});
  try {
    return await use(drizzle(client, { schema }) as unknown as Db);
  } finally {
    await client.close();
  }
}

export const backupStamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
export const backupFileName = (d: Date) => `streamwarden-backup-${backupStamp(d)}.tar.gz`;
const BACKUP_FILE = /^streamwarden-backup-\d{8}-\d{6}(-\d+)?\.tar\.gz$/;

/**
 * Writes a backup made by the running bot (`dump`: Database.dumpEmbedded) into `dir` (created readable by its owner
 * only), as a file only its owner can read; never over an existing file.
 */
export async function writeRunningBackup(
  dump: () => Promise<Blob>,
  dir: string,
  now: Date,
): Promise<{ file: string; bytes: number }> {
  privateDir(dir);
  const bytes = Buffer.from(await (await dump()).arrayBuffer());
  let file = join(dir, backupFileName(now));
  for (let n = 1; existsSync(file); n++)
    file = join(dir, backupFileName(now).replace('.tar.gz', `-${n}.tar.gz`));
  const partial = `${file}.partial`;
  writeFileSync(partial, bytes, { flag: 'w', mode: 0o600 });
  renameSync(partial, file);
  return { file, bytes: bytes.length };
}

/** Deletes the oldest backups in `dir` beyond the newest `keep` (only files named as the bot names them). */
export function pruneBackups(dir: string, keep: number): string[] {
  const files = readdirSync(dir)
    .filter((f) => BACKUP_FILE.test(f))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at || b.f.localeCompare(a.f));
  const removed = files.slice(keep).map((x) => x.f);
  for (const f of removed) rmSync(join(dir, f), { force: true });
  return removed;
}

export async function backupEmbedded(
  dataDir: string,
  file: string,
): Promise<{ bytes: number; counts: RowCounts }> {
  const dir = requireEmbeddedDatabase(dataDir);
  if (existsSync(file)) throw new ToolError(`${file} already exists; choose another file with --out.`);
  const client = await PGlite.create(dir);
  try {
    const counts = await countRows(drizzle(client, { schema }) as unknown as Db);
    const dump = await client.dumpDataDir('gzip');
    const bytes = Buffer.from(await dump.arrayBuffer());
    writeFileSync(file, bytes, { flag: 'wx', mode: 0o600 });
    return { bytes: bytes.length, counts };
  } finally {
    await client.close();
  }
}

/**
 * Reads a backup into DATA_DIR. A database already there that holds data is refused unless `force`; with `force`
 * it is moved aside (never deleted) and its new name is returned.
 */
export async function restoreEmbedded(
  dataDir: string,
  file: string,
  options: { force: boolean; now: Date },
): Promise<{ counts: RowCounts; movedAside: string | null }> {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new ToolError(`${file} does not exist. Nothing was changed.`);
  if (!stat.isFile() || stat.size === 0) {
    throw new ToolError(
      `${file} is ${stat.isFile() ? 'empty' : 'not a file'}: it is not a backup. Nothing was changed.`,
    );
  }
  const dir = embeddedDir(dataDir);
  let movedAside: string | null = null;
  if (hasFiles(dir)) {
    const counts = await withPglite(dir, countRows);
    if (holdsData(counts) && !options.force) {
      throw new ToolError(
        `The embedded database in ${dir} is not empty. Nothing was changed. To replace it, run the restore again with --force (the current database is kept aside, not deleted).`,
      );
    }
    movedAside = `${dir}.before-restore-${options.now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dir, movedAside);
  }
  const tarball = new Blob([readFileSync(file)]);
  mkdirSync(dataDir, { recursive: true });
  try {
    const counts = await withPglite(dir, countRows, tarball);
    return { counts, movedAside };
  } catch (err) {
    // Put things back as they were: nothing changes when the restore fails.
    rmSync(dir, { recursive: true, force: true });
    if (movedAside) renameSync(movedAside, dir);
    throw new ToolError(`${file} could not be read as a Streamwarden backup: ${(err as Error).message}`);
  }
}
