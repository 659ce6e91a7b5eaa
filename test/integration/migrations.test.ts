// Our migrator (src/db/migrations.ts) against drizzle's own, on the database this run uses (PGlite, or PostgreSQL
// with DATABASE_URL): a database drizzle's migrator brought up is upgraded without applying anything twice, and
// drizzle-kit 1.x's folder layout (`<YYYYMMDDHHmmss>_<name>/migration.sql`, no journal) gives the same schema.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as drizzleMigratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as drizzleMigratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS_FOLDER } from '../../src/db/client.ts';
import { migrate, readMigrations } from '../../src/db/migrations.ts';
import { createTestDatabase } from '../helpers/db.ts';

type AnyDb = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;
interface Fresh {
  db: AnyDb;
  /** drizzle's own migrator (the code path before ours) on this database. */
  drizzleMigrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

const scratch = mkdtempSync(join(tmpdir(), 'sw-migrations-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function fresh(): Promise<Fresh> {
  const target = await createTestDatabase();
  if (target.url) {
    const client = postgres(target.url, { max: 1, onnotice: () => {} });
    const db = drizzlePostgres(client) as unknown as AnyDb;
    return {
      db,
      drizzleMigrate: (folder) =>
        drizzleMigratePostgres(drizzlePostgres(client), { migrationsFolder: folder }),
      close: async () => {
        await client.end();
        await target.drop();
      },
    };
  }
  const client = await PGlite.create();
  return {
    db: drizzlePglite(client) as unknown as AnyDb,
    drizzleMigrate: (folder) => drizzleMigratePglite(drizzlePglite(client), { migrationsFolder: folder }),
    close: () => client.close(),
  };
}

const rowsOf = <T>(r: unknown) => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

async function recorded(db: AnyDb): Promise<Array<{ hash: string; created_at: string }>> {
  const rows = rowsOf<{ hash: string; created_at: string }>(
    await db.execute(sql`select hash, created_at::text from drizzle.__drizzle_migrations order by id`),
  );
  return rows.map((r) => ({ hash: r.hash, created_at: r.created_at }));
}

/** Tables, columns, indexes and constraints of the public schema, as text. */
async function schemaOf(db: AnyDb): Promise<string[]> {
  const columns = await db.execute(sql`select table_name || '.' || column_name || ' ' || data_type || ' ' ||
    is_nullable || ' ' || coalesce(column_default, '') as line from information_schema.columns
    where table_schema = 'public'`);
  const indexes = await db.execute(sql`select indexdef as line from pg_indexes where schemaname = 'public'`);
  const constraints = await db.execute(sql`select conrelid::regclass::text || ' ' || conname || ' ' ||
    pg_get_constraintdef(oid) as line from pg_constraint where connamespace = 'public'::regnamespace`);
  return [columns, indexes, constraints]
    .flatMap((r) => rowsOf<{ line: string }>(r).map((x) => x.line))
    .sort();
}

/** A copy of drizzle/ holding its first `count` migrations only (journal cut to match), as drizzle-kit left it. */
function olderRelease(count: number): string {
  const dir = join(scratch, `first-${count}`);
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const e of journal.entries as Array<{ tag: string }>) {
    cpSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
  }
  return dir;
}

/** drizzle/ in drizzle-kit 1.x's layout: one folder per migration named by its (UTC) time, no journal. */
function folderLayout(): string {
  const dir = join(scratch, 'folders');
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'));
  for (const e of journal.entries as Array<{ tag: string; when: number }>) {
    const stamp = new Date(e.when).toISOString().slice(0, 19).replace(/[-:T]/g, '');
    const folder = join(dir, `${stamp}_${e.tag.slice(5)}`);
    mkdirSync(folder, { recursive: true });
    cpSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), join(folder, 'migration.sql'));
  }
  return dir;
}

const ALL = readMigrations(MIGRATIONS_FOLDER);

test('a database drizzle migrated to an older release is upgraded without applying anything twice', async () => {
  const d = await fresh();
  try {
    await d.drizzleMigrate(olderRelease(7));
    const before = await recorded(d.db);
    assert.equal(before.length, 7);
    await d.db.execute(sql`insert into plans (name, stream_cap, downloads_allowed) values ('Kept', 2, true)`);

    const applied = await migrate(d.db, MIGRATIONS_FOLDER);
    assert.deepEqual(
      applied,
      ALL.slice(7).map((m) => m.name),
    );
    const rows = await recorded(d.db);
    assert.deepEqual(rows.slice(0, 7), before, "drizzle's rows are left as they were");
    assert.deepEqual(
      rows.map((r) => r.hash),
      ALL.map((m) => m.hash),
    );
    // created_at as drizzle's migrator writes it (the journal's `when`), so drizzle's migrator finds nothing to do.
    assert.deepEqual(
      rows.map((r) => Number(r.created_at)),
      ALL.map((m) => m.createdAt),
    );
    await d.drizzleMigrate(MIGRATIONS_FOLDER);
    assert.equal((await recorded(d.db)).length, ALL.length);
    assert.deepEqual(await migrate(d.db, MIGRATIONS_FOLDER), [], 'a second run applies nothing');
    const kept = rowsOf<{ name: string }>(await d.db.execute(sql`select name from plans`));
    assert.deepEqual(
      kept.map((p) => p.name),
      ['Kept'],
    );
  } finally {
    await d.close();
  }
});

test("drizzle-kit 1.x's folder layout migrates to the same schema, and each layout recognizes the other's record", async () => {
  const flat = await fresh();
  const folders = await fresh();
  try {
    await flat.drizzleMigrate(MIGRATIONS_FOLDER);
    const dir = folderLayout();
    assert.equal(readMigrations(dir).length, ALL.length);
    assert.deepEqual(
      await migrate(folders.db, dir),
      readMigrations(dir).map((m) => m.name),
    );
    assert.deepEqual(await schemaOf(folders.db), await schemaOf(flat.db));
    assert.ok((await schemaOf(flat.db)).length > 50);
    assert.deepEqual(
      (await recorded(folders.db)).map((r) => r.hash),
      (await recorded(flat.db)).map((r) => r.hash),
    );
    assert.deepEqual(await migrate(folders.db, MIGRATIONS_FOLDER), []);
    assert.deepEqual(await migrate(flat.db, dir), []);
  } finally {
    await flat.close();
    await folders.close();
  }
});

test('a failing migration leaves nothing of itself and is not recorded', async () => {
  const d = await fresh();
  try {
    const dir = join(scratch, 'broken');
    cpSync(olderRelease(1), dir, { recursive: true });
    writeFileSync(
      join(dir, '0001_broken.sql'),
      'CREATE TABLE "half" ("id" integer);\n--> statement-breakpoint\nSELECT no_such_function();',
    );
    await assert.rejects(migrate(d.db, dir));
    assert.equal((await recorded(d.db)).length, 1);
    const half = rowsOf<{ n: number }>(
      await d.db.execute(sql`select count(*)::int as n from pg_tables where tablename = 'half'`),
    );
    assert.equal(Number(half[0]!.n), 0);
  } finally {
    await d.close();
  }
});
