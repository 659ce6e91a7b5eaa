// The schema's tables in an order that respects foreign keys, and row counts per table: shared by the backup,
// restore and copy tools.
import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';
import * as schema from './schema.ts';

/** Every table of schema.ts, parents before children (a table comes after every table it references). */
export function tablesInDependencyOrder(): PgTable[] {
  const tables: PgTable[] = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable =>
    is(v, PgTable),
  );
  const ordered: PgTable[] = [];
  const visit = (table: PgTable, path: Set<PgTable>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const fk of getTableConfig(table).foreignKeys) {
      const parent = fk.reference().foreignTable;
      if (parent !== table) visit(parent, path);
    }
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

export const tableName = (table: PgTable): string => getTableConfig(table).name;

export type RowCounts = Record<string, number>;

function rowsOf(result: unknown): Array<Record<string, unknown>> {
  return Array.isArray(result) ? result : (result as { rows: Array<Record<string, unknown>> }).rows;
}

export async function countRows(db: Db): Promise<RowCounts> {
  const counts: RowCounts = {};
  for (const table of tablesInDependencyOrder()) {
    const name = tableName(table);
    // A backup from an older version may lack a newer table: it counts as empty (the bot migrates at start).
    const exists = rowsOf(await db.execute(sql`select to_regclass(${name}) is not null as present`))[0];
    if (!exists?.present) {
      counts[name] = 0;
      continue;
    }
    const result = await db.execute(sql`select count(*)::int as n from ${table}`);
    counts[name] = Number(rowsOf(result)[0]?.n ?? 0);
  }
  return counts;
}

/** True when the database holds anything but the one settings row every start creates. */
export function holdsData(counts: RowCounts): boolean {
  return Object.entries(counts).some(([name, n]) => n > (name === 'settings' ? 1 : 0));
}

/** The two sides' counts as a small table for the terminal. */
export function formatCounts(left: string, a: RowCounts, right?: string, b?: RowCounts): string {
  const names = Object.keys(a);
  const width = Math.max(...names.map((n) => n.length), 5);
  const header = `${'table'.padEnd(width)}  ${left.padStart(10)}${right ? `  ${right.padStart(10)}` : ''}`;
  const lines = names.map(
    (n) =>
      `${n.padEnd(width)}  ${String(a[n]).padStart(10)}${b ? `  ${String(b[n] ?? '-').padStart(10)}` : ''}`,
  );
  return [header, ...lines].join('\n');
}
