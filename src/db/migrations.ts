// Applies the SQL migrations in drizzle/ at start-up. Our own reader, so that it does not depend on the folder
// layout of one drizzle-kit major:
//   - flat: `drizzle/NNNN_<name>.sql` (drizzle-kit 0.x), ordered by the 4-digit prefix, with meta/_journal.json
//     when it is there;
//   - folders: `drizzle/<YYYYMMDDHHmmss>_<name>/migration.sql` (drizzle-kit 1.x, no journal), ordered by name.
// The record is drizzle's own table, drizzle.__drizzle_migrations (id, hash, created_at), kept the way drizzle's
// migrator keeps it: hash is the sha256 of the file's text, created_at the journal's `when` (or the folder's time
// stamp, as drizzle 1.x reads it). A migration is applied when its hash is not recorded, so a database that
// drizzle's migrator brought up to date is recognized and nothing runs twice. Each migration runs in its own
// transaction, statement by statement (split on `--> statement-breakpoint`).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

export interface Migration {
  /** The file's name without `.sql`, or the folder's name. */
  name: string;
  statements: string[];
  /** sha256 (hex) of the SQL text, as drizzle's migrator computes it. */
  hash: string;
  /** The journal's `when` or the folder's time stamp (ms); null for a flat file the journal does not list. */
  createdAt: number | null;
}

const FLAT = /^(\d{4})_.+\.sql$/;
const FOLDER = /^(\d{14})_.+$/;
const BREAKPOINT = '--> statement-breakpoint';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `20250102030405` (UTC, drizzle-kit 1.x folder names) → ms since the epoch. */
export function folderMillis(stamp: string): number {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((at, i) => Number(stamp.slice(at, at + (i ? 2 : 4))));
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

function journalTimes(folder: string): Map<string, number> {
  const file = join(folder, 'meta', '_journal.json');
  if (!existsSync(file)) return new Map();
  const journal = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<{ tag: string; when: number }> };
  return new Map(journal.entries.map((e) => [e.tag, e.when]));
}

function migration(name: string, text: string, createdAt: number | null): Migration {
  const statements = text.split(BREAKPOINT).filter((s) => s.trim() !== '');
  return { name, statements, hash: sha256(text), createdAt };
}

/** The migrations of `folder` in the order they apply (flat files first, then folders). */
export function readMigrations(folder: string): Migration[] {
  const entries = readdirSync(folder).sort();
  const when = journalTimes(folder);
  const flat = entries
    .filter((f) => FLAT.test(f))
    .map((f) => {
      const name = f.slice(0, -'.sql'.length);
      return migration(name, readFileSync(join(folder, f), 'utf8'), when.get(name) ?? null);
    });
  const folders = entries
    .filter((f) => FOLDER.test(f) && existsSync(join(folder, f, 'migration.sql')))
    .filter((f) => statSync(join(folder, f)).isDirectory())
    .map((f) =>
      migration(f, readFileSync(join(folder, f, 'migration.sql'), 'utf8'), folderMillis(f.slice(0, 14))),
    );
  const prefixes = flat.map((m) => m.name.slice(0, 4));
  const twice = prefixes.find((p, i) => prefixes.indexOf(p) !== i);
  if (twice) throw new Error(`Two migrations in ${folder} are numbered ${twice}: renumber one.`);
  return [...flat, ...folders];
}

/** Whether `folder` holds migrations in either layout. */
export function isMigrationsFolder(folder: string): boolean {
  return existsSync(folder) && statSync(folder).isDirectory() && readMigrations(folder).length > 0;
}

type AnyDb = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** Rows of `db.execute`: postgres.js answers an array, PGlite an object with `rows`. */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Applies what `folder` holds and `db` has not recorded; returns the names applied. */
export async function migrate(db: AnyDb, folder: string, now: () => number = Date.now): Promise<string[]> {
  const migrations = readMigrations(folder);
  await db.execute(sql`create schema if not exists drizzle`);
  // drizzle's own definition of the table, so that either migrator can read what the other wrote.
  await db.execute(sql`create table if not exists drizzle.__drizzle_migrations (
    id serial primary key,
    hash text not null,
    created_at bigint
  )`);
  const recorded = rowsOf<{ hash: string; created_at: string | number | null }>(
    await db.execute(sql`select hash, created_at from drizzle.__drizzle_migrations`),
  );
  const done = new Set(recorded.map((r) => r.hash));
  let last = Math.max(0, ...recorded.map((r) => Number(r.created_at ?? 0)));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.hash)) continue;
    // A flat file without a journal entry: a time after every recorded one, as a journal's `when` would be.
    const createdAt = m.createdAt ?? Math.max(now(), last + 1);
    await db.transaction(async (tx) => {
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(
        sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${m.hash}, ${createdAt})`,
      );
    });
    last = Math.max(last, createdAt);
    done.add(m.hash);
    applied.push(m.name);
  }
  return applied;
}
