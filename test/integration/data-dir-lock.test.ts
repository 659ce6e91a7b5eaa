// One process at a time on the embedded database, with real processes: a second bot on the same DATA_DIR is
// refused and names the first; the database tools refuse to run under a running bot and say how to back it up;
// a bot killed with kill -9 leaves a lock the next start takes over; a clean stop removes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type ChildRun, runEntry } from '../helpers/process.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };

type Child = ChildRun;

let discord: DiscordDouble;
let dir: string;
const dataDir = () => join(dir, 'data');
const lockFile = () => join(dataDir(), LOCK_FILE_NAME);

/** The real entry point or a database tool, on the embedded database (DATABASE_URL unset on purpose). */
function run(script: string, args: string[] = []): Child {
  return runEntry(script, args, dir, {
    DISCORD_TOKEN: discord.token,
    DISCORD_GUILD_ID: discord.guildId,
    DISCORD_API_URL: discord.apiUrl,
    DATA_DIR: dataDir(),
    POLL_SCHEDULE: '0 0 1 1 *',
    LOG_LEVEL: 'info',
  });
}

async function running(bot: Child): Promise<void> {
  // Generous: start-up is slow on a loaded machine. Nothing here measures time.
  const deadline = Date.now() + 120_000;
  while (
    !/Streamwarden is running/.test(bot.output()) &&
    Date.now() < deadline &&
    bot.child.exitCode === null
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.match(bot.output(), /Streamwarden is running/);
}

before(async () => {
  discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
  dir = mkdtempSync(join(tmpdir(), 'sw-lock-'));
});

after(async () => {
  await discord?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a second bot and the database tools are refused while a bot runs; kill -9 leaves a lock the next start takes over', async () => {
  const first = run('src/main.ts');
  const others: Child[] = [];
  try {
    await running(first);
    const holder = JSON.parse(readFileSync(lockFile(), 'utf8'));
    assert.equal(holder.pid, first.child.pid);
    assert.equal(holder.host, hostname());
    assert.equal(holder.purpose, 'bot');

    const second = run('src/main.ts');
    others.push(second);
    assert.equal(await second.exited, 1, second.output());
    assert.match(
      second.output(),
      new RegExp(`in use by a running Streamwarden bot \\(pid ${first.child.pid} on `),
    );
    assert.match(second.output(), /stop the other one first/);
    assert.doesNotMatch(second.output(), /Streamwarden is running/);

    for (const tool of [
      ['backup'],
      ['restore', join(dir, 'nothing.tar.gz')],
      ['copy', '--to', 'postgres://u@127.0.0.1:9/x'],
    ]) {
      const cli = run('src/db/db-cli.ts', tool);
      others.push(cli);
      assert.equal(await cli.exited, 1, cli.output());
      assert.match(cli.output(), new RegExp(`pid ${first.child.pid}`), tool[0]);
      assert.match(cli.output(), /Stop the bot first.*docker compose stop/s, tool[0]);
    }
    assert.equal(existsSync(join(dataDir(), 'backups')), false, 'no backup was started');
    assert.equal(first.child.exitCode, null, 'the first bot is still running');

    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    assert.ok(existsSync(lockFile()), 'kill -9 leaves the lock behind');

    const third = run('src/main.ts');
    others.push(third);
    await running(third);
    assert.equal(
      JSON.parse(readFileSync(lockFile(), 'utf8')).pid,
      third.child.pid,
      'the dead pid’s lock was taken over',
    );
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0, third.output());
    assert.equal(existsSync(lockFile()), false, 'a clean stop removes the lock');
  } finally {
    for (const c of [first, ...others])
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
  }
});

test('within one process: a second lock is refused, a released lock can be taken again', () => {
  const lockDir = join(dir, 'in-process');
  const lock = lockDataDir(lockDir, 'backup', () => 'wait');
  assert.throws(
    () => lockDataDir(lockDir, 'bot', () => 'wait'),
    (err: Error) => err instanceof DataDirLockedError && /db:backup.*pid \d+/.test(err.message),
  );
  lock.release();
  lockDataDir(lockDir, 'bot', () => 'wait').release();
  assert.equal(existsSync(join(lockDir, LOCK_FILE_NAME)), false);
});

test('a lock from another host (or container) is taken over only once its holder stopped refreshing it', () => {
  const lockDir = join(dir, 'foreign');
  mkdirSync(lockDir, { recursive: true });
  const file = join(lockDir, LOCK_FILE_NAME);
  const foreign = {
    pid: process.pid,
    host: 'another-host',
    startedAt: '2026-12-01T00:00:00.000Z',
    purpose: 'bot',
  };
  writeFileSync(file, JSON.stringify(foreign));
  assert.throws(
    () => lockDataDir(lockDir, 'backup', () => 'wait'),
    (err: Error) => err instanceof DataDirLockedError && /pid \d+ on another-host/.test(err.message),
  );
  const longAgo = new Date(Date.now() - 10 * 60_000);
  utimesSync(file, longAgo, longAgo);
  const lock = lockDataDir(lockDir, 'backup', () => 'wait');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).host, hostname());
  lock.release();
});
