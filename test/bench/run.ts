// `npm run bench`: runs each bench in a process of its own and prints every figure in one table, with
// its target beside it and MISSED where it was not met. It never fails on a missed target (benches inform).
// The database is the run's: PGlite, or PostgreSQL when DATABASE_URL is set (the push-events bench then runs on
// both). Each bench also prints its own table as it ends. BENCH_MARKDOWN=1 prints the combined table once more as
// Markdown, with the machine it ran on, to paste into README.md's performance section.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, markdown, type Row, table } from './table.ts';

const BENCHES = [
  'startup.bench.ts',
  'scale.bench.ts',
  'latency.bench.ts',
  'push-events.bench.ts',
  'cycles.bench.ts',
  'instances.bench.ts',
];

const dir = mkdtempSync(join(tmpdir(), 'sw-bench-rows-'));
const rowsFile = join(dir, 'rows.jsonl');
const here = fileURLToPath(new URL('.', import.meta.url));
const wall = performance.now();
const failed: string[] = [];
try {
  for (const bench of BENCHES) {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, bench)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_ROWS: rowsFile },
    });
    if (run.status !== 0) failed.push(bench);
  }
  let rows: Row[] = [];
  try {
    rows = readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Row);
  } catch {
    // No bench reported a row.
  }
  const database = process.env.DATABASE_URL ? 'PGlite and PostgreSQL (DATABASE_URL)' : 'PGlite';
  const summary =
    `${new Date().toISOString().slice(0, 10)}, ${machine()}; ${database}; ` +
    `${((performance.now() - wall) / 60_000).toFixed(1)} min in all` +
    (failed.length ? `; did not finish: ${failed.join(', ')}` : '');
  console.log(`\nAll figures (${summary})\n${table(rows)}`);
  if (process.env.BENCH_MARKDOWN === '1') console.log(`\nMarkdown:\n\n${summary}\n\n${markdown(rows)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
