// The entry points as a user runs them: `npm start` (src/main.ts) and `npm run commands:deploy`.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commands } from '../../commands/index.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type ChildRun, runEntry } from '../helpers/process.ts';

type Run = ChildRun;

/**
 * Runs an entry point in a clean environment (no inherited DISCORD_* or DATABASE_URL) from an empty directory, so
 * no .env is read and the embedded database lands in a fresh DATA_DIR.
 */
function run(script: string, env: Record<string, string>): Run {
  const cwd = mkdtempSync(join(tmpdir(), 'sw-start-'));
  return runEntry(script, [], cwd, { DATA_DIR: join(cwd, 'data'), ...env });
}

const discordEnv = (discord: DiscordDouble) => ({
  DISCORD_TOKEN: discord.token,
  DISCORD_GUILD_ID: discord.guildId,
  DISCORD_API_URL: discord.apiUrl,
});

test('without a Discord token the bot exits at once, naming DISCORD_TOKEN', async () => {
  const r = run('src/main.ts', { DISCORD_GUILD_ID: '123456789012345678' });
  assert.notEqual(await r.exited, 0);
  assert.match(r.output(), /DISCORD_TOKEN is not set: set it to your bot token/);
  assert.match(r.output(), /\.env/);
});

test('every bad variable is listed in one message, secrets are not echoed', async () => {
  const r = run('src/main.ts', {
    DISCORD_TOKEN: 'MTIz.very-secret-token-value',
    DISCORD_GUILD_ID: 'abc',
    TIMEZONE: 'Nowhere/Special',
    DATABASE_URL: 'mysql://u:topsecretpw@h/db',
  });
  assert.notEqual(await r.exited, 0);
  for (const key of ['DISCORD_GUILD_ID', 'TIMEZONE', 'DATABASE_URL'])
    assert.match(r.output(), new RegExp(key));
  assert.doesNotMatch(r.output(), /very-secret-token-value|topsecretpw/);
});

test('with a token and guild, `npm start` connects, migrates the embedded database and registers the commands', async () => {
  const discord = await DiscordDouble.start();
  const r = run('src/main.ts', { ...discordEnv(discord), LOG_LEVEL: 'info' });
  try {
    // Generous: start-up is slow on a loaded machine (the wait ends as soon as the line appears).
    const deadline = Date.now() + 120_000;
    while (
      !/Streamwarden is running/.test(r.output()) &&
      Date.now() < deadline &&
      r.child.exitCode === null
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(r.output(), /Streamwarden is running/);
    assert.equal(discord.guildCommands()?.length, commands.length);
    assert.ok(!r.output().includes(discord.token), 'the token is never logged');
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0);
  } finally {
    if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await discord.stop();
  }
});

test('`npm run commands:deploy` registers the commands even when unchanged', async () => {
  const discord = await DiscordDouble.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'sw-deploy-'));
  try {
    for (const expectedWrites of [1, 2]) {
      // The same database both times: the stored hash matches, and the command still registers.
      const r = run('src/discord/deploy-cli.ts', { ...discordEnv(discord), DATA_DIR: dataDir });
      assert.equal(await r.exited, 0, r.output());
      assert.match(r.output(), new RegExp(`Registered ${commands.length} slash commands`));
      assert.equal(discord.commandWrites, expectedWrites);
    }
  } finally {
    await discord.stop();
  }
});

test('a data folder the bot may not write stops it at once, naming the folder, its uid and gid, and the fix', async (t) => {
  if (process.getuid === undefined || process.getgid === undefined) return t.skip('no POSIX users here');
  // Root may write anywhere: as root, the bot runs as nobody (65534), for whom the folder is read-only as well.
  const asRoot = process.getuid() === 0;
  const user = asRoot ? { uid: 65534, gid: 65534 } : { uid: process.getuid(), gid: process.getgid() };
  const cwd = mkdtempSync(join(tmpdir(), 'sw-start-'));
  chmodSync(cwd, 0o755);
  const dataDir = join(cwd, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o555);
  const r = runEntry(
    'src/main.ts',
    [],
    cwd,
    {
      DISCORD_TOKEN: 'MTIz.never-used-token-value',
      DISCORD_GUILD_ID: '123456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:9',
      DATA_DIR: dataDir,
    },
    asRoot ? user : undefined,
  );
  assert.equal(await r.exited, 1, r.output());
  const out = r.output();
  assert.match(out, /Streamwarden could not start: the data folder .* can't be written/);
  assert.ok(out.includes(`permission denied on ${dataDir} (EACCES)`), out);
  assert.ok(out.includes(`The bot runs as uid ${user.uid}, gid ${user.gid}.`), out);
  assert.ok(out.includes(`sudo chown -R ${user.uid}:${user.gid} ${dataDir}`), out);
  assert.match(out, /user: "<uid>:<gid>"/);
  assert.doesNotMatch(out, /never-used-token-value/);
});
