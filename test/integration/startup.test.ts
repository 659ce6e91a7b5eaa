// The entry points as a user runs them: `npm start` (src/main.ts) and `npm run commands:deploy`.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commands } from '../../commands/index.ts';
import type { Readiness } from '../../src/http/readiness.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { freePort } from '../helpers/private-postgres.ts';
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

/** Waits (generously: start-up is slow on a loaded machine) until the output matches or the process exits. */
async function waitForOutput(r: Run, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!pattern.test(r.output()) && Date.now() < deadline && r.child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(r.output(), pattern);
}

/** The running bot registered every command, never logged its token, and stops cleanly on SIGTERM. */
async function assertRegisteredAndStops(r: Run, discord: DiscordDouble): Promise<void> {
  assert.equal(discord.guildCommands()?.length, commands.length);
  assert.ok(!r.output().includes(discord.token), 'the token is never logged');
  r.child.kill('SIGTERM');
  assert.equal(await r.exited, 0);
}

async function readyz(port: number): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

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
    await waitForOutput(r, /Streamwarden is running/);
    await assertRegisteredAndStops(r, discord);
  } finally {
    if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await discord.stop();
  }
});

test('started before it was added to its server, the bot says how to add it and waits, then carries on', async () => {
  const discord = await DiscordDouble.start({ invited: false });
  const port = await freePort();
  const r = run('src/main.ts', { ...discordEnv(discord), LOG_LEVEL: 'info', HTTP_PORT: String(port) });
  try {
    await waitForOutput(r, /not in the Discord server/);
    // The invite link: this application, this server, both scopes and exactly the permissions the bot uses
    // (View Channels 1024 + Send Messages 2048 + Embed Links 16384 + Attach Files 32768 + Read Message History 65536).
    const link = /https:\/\/discord\.com\/oauth2\/authorize\?[^\s"]+/.exec(r.output())?.[0] ?? '';
    const query = new URL(link).searchParams;
    assert.equal(query.get('client_id'), discord.applicationId);
    assert.equal(query.get('guild_id'), discord.guildId);
    assert.equal(query.get('scope'), 'bot applications.commands');
    assert.equal(query.get('permissions'), '117760');
    // Waiting, not crashing: the process is alive, the health port answers "not ready" with the reason.
    const waiting = await readyz(port);
    assert.equal(r.child.exitCode, null);
    assert.equal(waiting.status, 503);
    assert.equal(waiting.body.checks.gateway.status, 'no access to the server');
    assert.match(waiting.body.checks.gateway.reason ?? '', /not in the Discord server .*oauth2\/authorize/);
    assert.equal(discord.guildCommands(), null);
    assert.doesNotMatch(r.output(), /Streamwarden is running/);

    discord.invite();
    await waitForOutput(r, /Streamwarden is running/);
    const ready = await readyz(port);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.checks.gateway.reason, undefined);
    await assertRegisteredAndStops(r, discord);
  } finally {
    if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await discord.stop();
  }
});

test('a stop signal while the bot waits to be added ends it cleanly', async () => {
  const discord = await DiscordDouble.start({ invited: false });
  const r = run('src/main.ts', { ...discordEnv(discord), LOG_LEVEL: 'info' });
  try {
    await waitForOutput(r, /not in the Discord server/);
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0, r.output());
    assert.match(r.output(), /stopped before the bot was added to its server/);
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
      const r = run('src/deploy-cli.ts', { ...discordEnv(discord), DATA_DIR: dataDir });
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
