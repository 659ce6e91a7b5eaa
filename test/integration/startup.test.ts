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
