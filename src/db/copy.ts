// `npm run db:copy -- --to <postgres-url>`: everything in the embedded database into an empty PostgreSQL
// database, migrated first, in one transaction; the target's sequences continue after the copied ids.
import { sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { requireEmbeddedDatabase, ToolError } from './backup.ts';
import { openDatabase } from './client.ts';
import { countRows, holdsData, type RowCounts, tableName, tablesInDependencyOrder } from './tables.ts';

const SERIAL_TYPES = new Set(['PgSerial', 'PgBigSerial53', 'PgBigSerial64']);
/** PostgreSQL accepts at most 65535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/** Tables in the target's public schema, with whether each holds rows; checked before anything is written. */
async function refuseNonEmpty(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await client<Array<{ name: string }>>`
      select tablename as name from pg_tables where schemaname = 'public'`;
    const ours = new Set(tablesInDependencyOrder().map(tableName));
    const foreign = tables.filter((t) => !ours.has(t.name)).map((t) => t.name);
    if (foreign.length > 0) {
      throw new ToolError(
        `The target database has tables that are not Streamwarden's (${foreign.slice(0, 5).join(', ')}). Nothing was copied: create an empty database for Streamwarden.`,
      );
    }
    const counts: RowCounts = {};
    for (const { name } of tables) {
      const [row] = await client<Array<{ n: number }>>`select count(*)::int as n from ${client(name)}`;
      counts[name] = row?.n ?? 0;
    }
    if (holdsData(counts)) {
      throw new ToolError('The target database is not empty. Nothing was copied: use a new, empty database.');
    }
  } finally {
    await client.end();
  }
}

export async function copyToPostgres(options: {
  dataDir: string;
  targetUrl: string;
}): Promise<{ source: RowCounts; target: RowCounts }> {
  // Checked before opening: opening a missing database would create an empty one (and copy nothing).
  const sourceDir = requireEmbeddedDatabase(options.dataDir);
  await refuseNonEmpty(options.targetUrl);
  // Both sides migrated to this version's schema, so every column exists on both.
  const source = await openDatabase({ databaseUrl: null, dataDir: options.dataDir });
  try {
    if (!holdsData(await countRows(source.db))) {
      throw new ToolError(
        `The embedded database in ${sourceDir} holds no data (check DATA_DIR). Nothing was copied.`,
      );
    }
    const target = await openDatabase({ databaseUrl: options.targetUrl, dataDir: options.dataDir });
    try {
      await target.db.transaction(async (tx) => {
        for (const table of tablesInDependencyOrder()) {
          const rows = await source.db.select().from(table as PgTable);
          const name = tableName(table);
          // The target's start-up created its own settings row; the source's replaces it.
          if (name === 'settings') await tx.execute(sql`delete from ${table}`);
          const batch = Math.max(1, Math.floor(MAX_PARAMETERS / getTableConfig(table).columns.length));
          for (let i = 0; i < rows.length; i += batch) {
            await tx.insert(table).values(rows.slice(i, i + batch) as never);
          }
          for (const column of getTableConfig(table).columns) {
            if (!SERIAL_TYPES.has(column.columnType)) continue;
            await tx.execute(
              sql`select setval(pg_get_serial_sequence(${name}, ${column.name}), coalesce((select max(${sql.identifier(column.name)}) from ${table}), 0) + 1, false)`,
            );
          }
        }
      });
      return { source: await countRows(source.db), target: await countRows(target.db) };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
