// Start → ready: the built bot (`npm run build`, then `node dist/main.js` as the image runs it) as a child process,
// timed from the spawn to the first 200 from /readyz (the database answers and the Discord gateway is connected, src/http/readiness.ts).
// Three cases: a fresh PGlite data directory (the migrations run), the same directory started again, and PostgreSQL
// (a database migrated by a first start, then started again) when DATABASE_URL is set. Each is started RUNS times;
// the figure is the median. The time to the first log line (Node loading the code) is in the notes.
// Run: npm run bench:startup
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { createTestDatabase, databaseKind } from '../helpers/db.ts';
import { freePort } from '../helpers/private-postgres.ts';
import { quantile, type Row, report, seconds } from './table.ts';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const ROOT = join(import.meta.dirname, '..', '..');
const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

interface Start {
  ready: number;
  firstLine: number;
}

/** One start of the bot with `env` from `cwd`: milliseconds to the first log line and to ready, then SIGTERM. */
async function start(discord: DiscordDouble, cwd: string, env: Record<string, string>): Promise<Start> {
  const port = await freePort();
  const begin = performance.now();
  const child = spawn(process.execPath, ['--enable-source-maps', join(ROOT, 'dist', 'main.js')], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_API_URL: discord.apiUrl,
      DATA_DIR: join(cwd, 'data'),
      HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let firstLine: number | null = null;
  child.stdout.on('data', (d) => {
    firstLine ??= performance.now() - begin;
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the bot exited before it was ready:\n${output}`);
      if (performance.now() - begin > 120_000) throw new Error(`not ready after 2 minutes:\n${output}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) return { ready: performance.now() - begin, firstLine: firstLine ?? Number.NaN };
      await sleep(10);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function row(kind: string, what: string, starts: Start[], limit: number, note: string): Row {
  const ready = starts.map((s) => s.ready);
  const median = quantile(ready, 0.5);
  return {
    measurement: `[${kind}] start → ready (gateway and database), ${what}`,
    figure: seconds(median),
    target: `≤ ${seconds(limit)}`,
    met: median <= limit,
    notes:
      `median of ${starts.length} (${ready.map(seconds).join(', ')}); first log line after ` +
      `${seconds(
        quantile(
          starts.map((s) => s.firstLine),
          0.5,
        ),
      )} (Node loading the code)${note}`,
  };
}

async function main(): Promise<void> {
  const wall = performance.now();
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const discord = await DiscordDouble.start();
  const rows: Row[] = [];
  try {
    const fresh: Start[] = [];
    const again: Start[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cwd = mkdtempSync(join(tmpdir(), 'sw-bench-start-'));
      try {
        fresh.push(await start(discord, cwd, {}));
        again.push(await start(discord, cwd, {}));
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }
    rows.push(row('pglite', 'fresh data directory', fresh, 3000, '; migrations run'));
    rows.push(row('pglite', 'existing data directory', again, 3000, '; the fresh-PGlite target applied'));
    if (process.env.DATABASE_URL) {
      const pg: Start[] = [];
      for (let i = 0; i < RUNS; i++) {
        const database = await createTestDatabase();
        const cwd = mkdtempSync(join(tmpdir(), 'sw-bench-start-'));
        try {
          await start(discord, cwd, { DATABASE_URL: database.url! });
          pg.push(await start(discord, cwd, { DATABASE_URL: database.url! }));
        } finally {
          rmSync(cwd, { recursive: true, force: true });
          await database.drop();
        }
      }
      rows.push(row('postgres', 'migrated database', pg, 2000, ''));
    }
  } finally {
    await discord.stop();
    report(
      `Start-up bench (${databaseKind()} run), ${((performance.now() - wall) / 1000).toFixed(0)} s in all`,
      rows,
    );
  }
}

await main();
