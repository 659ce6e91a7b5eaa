import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

function start(env: Record<string, string>) {
  // A clean environment (no inherited DISCORD_* or DATABASE_URL), run from an empty directory so no .env is read.
  const cwd = mkdtempSync(join(tmpdir(), 'sw-start-'));
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/main.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('without a Discord token the bot exits at once, naming DISCORD_TOKEN', () => {
  const result = start({ DISCORD_GUILD_ID: '123456789012345678' });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /DISCORD_TOKEN is not set: set it to your bot token/);
  assert.match(result.stderr, /\.env/);
});

test('every bad variable is listed in one message, secrets are not echoed', () => {
  const result = start({
    DISCORD_TOKEN: 'MTIz.very-secret-token-value',
    DISCORD_GUILD_ID: 'abc',
    TIMEZONE: 'Nowhere/Special',
    DATABASE_URL: 'mysql://u:topsecretpw@h/db',
  });
  assert.notEqual(result.status, 0);
  for (const key of ['DISCORD_GUILD_ID', 'TIMEZONE', 'DATABASE_URL'])
    assert.match(result.stderr, new RegExp(key));
  assert.doesNotMatch(result.stderr + result.stdout, /very-secret-token-value|topsecretpw/);
});

test('with a token and guild, `npm start`’s entry point connects, migrates the embedded database, registers the commands', async () => {
  const { DiscordDouble } = await import('../doubles/discord/index.ts');
  const { spawn } = await import('node:child_process');
  const discord = await DiscordDouble.start();
  const cwd = mkdtempSync(join(tmpdir(), 'sw-start-'));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/main.ts')], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      DISCORD_TOKEN: discord.token,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_API_URL: discord.apiUrl,
      DATA_DIR: join(cwd, 'data'),
      LOG_LEVEL: 'info',
    },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  try {
    const deadline = Date.now() + 30_000;
    while (!/Streamwarden is running/.test(output) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(output, /Streamwarden is running/, output);
    assert.equal(discord.guildCommands()?.length, 7);
    assert.doesNotMatch(
      output,
      new RegExp(discord.token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
      'the token is never logged',
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await discord.stop();
  }
});

test('`npm run commands:deploy` registers the commands even when unchanged', async () => {
  const { DiscordDouble } = await import('../doubles/discord/index.ts');
  const discord = await DiscordDouble.start();
  const cwd = mkdtempSync(join(tmpdir(), 'sw-deploy-'));
  try {
    const { spawn } = await import('node:child_process');
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['--import', import.meta.resolve('tsx'), join(root, 'src/discord/deploy-cli.ts')],
          {
            cwd,
            env: {
              PATH: process.env.PATH ?? '',
              DISCORD_TOKEN: discord.token,
              DISCORD_GUILD_ID: discord.guildId,
              DISCORD_API_URL: discord.apiUrl,
              DATA_DIR: join(cwd, 'data'),
            },
          },
        );
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          out += d;
        });
        child.on('exit', (code) => resolve({ code, out }));
      });
    const first = await run();
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /Registered 7 slash commands/);
    const second = await run();
    assert.equal(second.code, 0, second.out);
    assert.equal(discord.commandWrites, 2);
  } finally {
    await discord.stop();
  }
});
