// A project entry point (src/main.ts, src/db/db-cli.ts) as a real child process under tsx, its output collected.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface ChildRun {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr together. */
  output: () => string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Runs `script` (relative to the repository) with exactly `env` plus PATH, from `cwd` (so no .env is read);
 * `as` runs it as another user (the test runner must be root).
 */
export function runEntry(
  script: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  as?: { uid: number; gid: number },
): ChildRun {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(root, script), ...args],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      ...as,
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
