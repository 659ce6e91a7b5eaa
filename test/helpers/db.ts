// Each test file gets its own database: a PGlite in a temporary directory (test/helpers/bot.ts), or (with
// DATABASE_URL set) a fresh PostgreSQL database created from that URL and dropped afterwards, so files can run
// in parallel.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.ts';

export interface TestDatabase {
  /** null means PGlite (in the caller's data directory). */
  url: string | null;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: null, drop: async () => {} };
  const name = `sw_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = postgres(base, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export const databaseKind = () => (process.env.DATABASE_URL ? 'postgres' : 'pglite');

/** A migrated database of its own (PGlite in a temp dir, or a fresh PostgreSQL database) for `fn`, then removed. */
export async function withTestDatabase<T>(
  prefix: string,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  const target = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const database = await openDatabase({ databaseUrl: target.url, dataDir });
  try {
    return await fn(database);
  } finally {
    await database.close();
    await target.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
