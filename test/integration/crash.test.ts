// What an error nothing caught does to the running bot (`npm start`, src/main.ts in a child process): it is logged
// with an error id, and the process exits 70 so that a supervisor starts a clean one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT_CRASHED } from '../../src/crash.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';

const root = join(import.meta.dirname, '..', '..');

for (const kind of ['exception', 'rejection'] as const) {
  test(`an unhandled ${kind} is logged with an error id, and the bot exits ${EXIT_CRASHED}`, async () => {
    const discord = await DiscordDouble.start();
    const cwd = mkdtempSync(join(tmpdir(), 'sw-crash-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        '--import',
        import.meta.resolve('../helpers/fail-on-signal.ts'),
        join(root, 'src/main.ts'),
      ],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          DATA_DIR: join(cwd, 'data'),
          DISCORD_TOKEN: discord.token,
          DISCORD_GUILD_ID: discord.guildId,
          DISCORD_API_URL: discord.apiUrl,
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
          FAIL_KIND: kind,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!/Streamwarden is running/.test(stdout) && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(stdout, /Streamwarden is running/, stderr);
      child.kill('SIGUSR2');
      assert.equal(await exited, EXIT_CRASHED, `${stdout}\n${stderr}`);
      const fatal = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) => JSON.parse(l) as { level: number; errorId?: string; msg: string; err?: { message: string } },
        )
        .find((l) => l.level === 60);
      assert.ok(fatal, `a fatal line was logged:\n${stdout}`);
      assert.match(fatal.errorId ?? '', /^[0-9a-f]{8}$/);
      assert.match(fatal.msg, kind === 'exception' ? /uncaught exception/ : /unhandled rejection/);
      assert.match(fatal.err?.message ?? '', /nothing caught|nobody awaited/);
      assert.match(stderr, new RegExp(`error id ${fatal.errorId}`));
      assert.ok(!`${stdout}${stderr}`.includes(discord.token), 'the token is never logged');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await discord.stop();
    }
  });
}
