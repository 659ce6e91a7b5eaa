// A bench part that must run in a process of its own (croner's job names are global to a process; RSS and the
// event-loop delay must be the bot's alone): the parent spawns this same file with arguments, and the child prints
// one line `BENCH-RESULT <json>` that the parent reads back. Everything else the child prints goes to stderr.
import { spawn } from 'node:child_process';

const PREFIX = 'BENCH-RESULT ';

export function sendResult(value: unknown): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(value)}\n`);
}

export function runChild<T>(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      // The child's rows are reported by the parent, once.
      env: { ...env, BENCH_ROWS: '' },
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(PREFIX.length)) as T);
      else reject(new Error(`${file} ${args.join(' ')} ended with code ${code}`));
    });
  });
}
