// The benches' shared table: one row per figure with its target beside it and whether it was met. A bench prints
// its own table; with BENCH_ROWS set (test/bench/run.ts) it also appends its rows to that file as JSON lines, so
// `npm run bench` prints every figure of every bench in one table. Benches never fail on a missed target.
import { appendFileSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface Row {
  measurement: string;
  figure: string;
  target: string;
  /** true: met, false: MISSED, null: no target to meet (a baseline or a context figure). */
  met: boolean | null;
  notes: string;
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const seconds = (n: number) => `${(n / 1000).toFixed(2)} s`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const verdict = (met: boolean | null) => (met === null ? '' : met ? 'ok' : 'MISSED');

export function table(rows: Row[]): string {
  const header = ['measurement', 'figure', 'target', 'met', 'notes'];
  const lines = [header, ...rows.map((r) => [r.measurement, r.figure, r.target, verdict(r.met), r.notes])];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const line = (l: string[]) => `| ${l.map((v, c) => v.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.slice(1).map(line),
  ].join('\n');
}

/** Prints the bench's table and hands its rows to the combined run, if there is one. */
export function report(title: string, rows: Row[]): void {
  console.log(`\n${title}\n${table(rows)}`);
  const file = process.env.BENCH_ROWS;
  if (file) for (const row of rows) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** The same table for a Markdown page (README's performance section): no padding, pipes in cells escaped. */
export function markdown(rows: Row[]): string {
  const cell = (v: string) => v.replaceAll('|', '\\|');
  const line = (l: string[]) => `| ${l.map(cell).join(' | ')} |`;
  return [
    line(['measurement', 'figure', 'target', 'met', 'notes']),
    '|---|---|---|---|---|',
    ...rows.map((r) => line([r.measurement, r.figure, r.target, verdict(r.met), r.notes])),
  ].join('\n');
}

/** The machine a run measured: cores, CPU model (/proc/cpuinfo), memory, Node version. */
export function machine(): string {
  let cpu = 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux: the model stays unknown.
  }
  return `${availableParallelism()} cores (nproc), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}
