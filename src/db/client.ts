// Opens the database: PostgreSQL when DATABASE_URL is set, else PGlite (real Postgres in WASM) under DATA_DIR, in a
// thread of its own. Both are reached through postgres.js, so every query and transaction takes one code path.
// Migrations from drizzle/ are applied here (src/db/migrations.ts), at start-up, under an advisory lock.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { isMigrationsFolder, migrate } from './migrations.ts';
import { startEmbedded } from './pglite-host.ts';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** SQL statements sent through `db` since it was opened (drizzle's query logger; transactions included), lease
   *  statements left out. */
  statements(): number;
  /** The same connection, its statements not counted: the cluster's own rounds, which run on their timer whatever a
   *  cycle does (counting them would make the per-cycle figures depend on when a round happens to fall). */
  uncounted: Db;
  /** Statements sent through `uncounted` since it was opened: what the cluster's rounds cost (the scale bench). */
  uncountedStatements(): number;
  /** The embedded database's data directory as a gzipped tarball (the backup format `db:restore` reads), made by
   *  the open database itself so the bot keeps running; absent on PostgreSQL (pg_dump's job). */
  dumpEmbedded?: () => Promise<Blob>;
  close(): Promise<void>;
}

/** Counts what drizzle sends; the bench and the statements-per-cycle test read it. Parameters are never kept. */
class StatementCounter implements Logger {
  count = 0;
  logQuery(query: string): void {
    // Lease rounds (src/cluster) run on their own timer, whatever the cycle does: counting them would make the
    // per-cycle figures depend on when a round happens to fall.
    if (query.includes('"leases"')) return;
    this.count++;
  }
}

/** Counts every statement sent through `uncounted` (the cluster's rounds). */
class RoundCounter implements Logger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
}

/**
 * The drizzle/ folder of the install: two levels up from src/db/ when run from source, one level up from the
 * bundle in dist/ (npm run build), so it is found by walking up from this module.
 */
export const MIGRATIONS_FOLDER = findMigrationsFolder(dirname(fileURLToPath(import.meta.url)));

function findMigrationsFolder(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'drizzle');
    if (isMigrationsFolder(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(from, '../../drizzle');
  }
}
/** Arbitrary constant: two bot processes starting at once against one PostgreSQL take turns migrating. */
const MIGRATION_LOCK_KEY = 7_310_452_118;

export interface OpenOptions {
  databaseUrl: string | null;
  dataDir: string;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPglite(join(options.dataDir, 'pglite'));
}

type Sql = ReturnType<typeof postgres>;

/** The migrations, under an advisory lock: two bot processes starting at once against one PostgreSQL take turns. */
async function migrateLocked(client: Sql): Promise<void> {
  await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
  try {
    await migrate(drizzlePostgres(client), MIGRATIONS_FOLDER);
  } finally {
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  }
}

async function withSettingsRow(
  client: Sql,
  kind: Database['kind'],
  close: () => Promise<void>,
): Promise<Database> {
  const counter = new StatementCounter();
  const db = drizzlePostgres(client, { schema, logger: counter }) as unknown as Db;
  await ensureSettingsRow(db);
  const rounds = new RoundCounter();
  const uncounted = drizzlePostgres(client, { schema, logger: rounds }) as unknown as Db;
  return {
    db,
    uncounted,
    kind,
    statements: () => counter.count,
    uncountedStatements: () => rounds.count,
    close,
  };
}

async function openPostgres(url: string): Promise<Database> {
  // A dedicated single connection migrates while holding the lock; the pool is opened afterwards.
  const migrationClient = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  try {
    await migrateLocked(migrationClient);
  } finally {
    await migrationClient.end();
  }
  const client = postgres(url, { max: 5, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  return withSettingsRow(client, 'postgres', () => client.end({ timeout: 5 }));
}

/**
 * PGlite in its own thread (src/db/pglite-host.ts), reached through postgres.js like PostgreSQL. One connection:
 * PGlite is one backend, and postgres.js keeps a transaction's statements on its connection and queues everything
 * else behind it, so concurrent callers never interleave inside one transaction (as PGlite's own lock did). The
 * connection lives as long as the database (no max_lifetime), so the session and its prepared statements are kept.
 */
async function openPglite(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const host = await startEmbedded(dir);
  // `socket` is postgres.js's documented custom socket ("a function returning a socket-like duplex stream", its
  // README, "Custom socket"), missing from its type definitions.
  const options: postgres.Options<Record<string, never>> & { socket: () => Duplex } = {
    socket: () => host.socket(),
    host: 'pglite',
    database: 'postgres',
    username: 'postgres',
    max: 1,
    max_lifetime: null,
    onnotice: () => {},
    connection: { TimeZone: 'UTC' },
  };
  const client = postgres(options);
  try {
    await migrateLocked(client);
    const database = await withSettingsRow(client, 'pglite', async () => {
      await client.end({ timeout: 5 });
      await host.close();
    });
    return { ...database, dumpEmbedded: () => host.dump() };
  } catch (err) {
    await client.end({ timeout: 5 }).catch(() => {});
    await host.close();
    throw err;
  }
}

async function ensureSettingsRow(db: Db): Promise<void> {
  await db.insert(schema.settings).values({ id: 1 }).onConflictDoNothing();
}

/** Codes of a database that cannot be reached right now: the network (Node), postgres.js's own, and SQLSTATE
 *  classes 08 (connection exception) and 57P01–57P03 (the server shutting down, crashing, or starting up). */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
]);

/** Whether `err` (or what it wraps: drizzle puts the driver's error in `cause`) says the database is unreachable. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
