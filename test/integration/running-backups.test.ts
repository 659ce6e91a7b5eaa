// Backups made by the running bot (embedded database only): fired through the real croner job, in the format
// `npm run db:restore` reads (restored here into a fresh DATA_DIR by the real CLI), readable by the owner only,
// the newest BACKUP_KEEP kept, a /status line, and one alert when backups start failing and one when they work again.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../../src/db/client.ts';
import { plans } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';
import { runEntry } from '../helpers/process.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ALERTS = { id: '350000000000000002', name: 'media-alerts' };
const embedded = !process.env.DATABASE_URL;

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let discord: DiscordDouble;
let bot: TestBot;
let backupDir: string;
const scratch = mkdtempSync(join(tmpdir(), 'sw-running-backups-'));

before(async () => {
  discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN], channels: [ALERTS] });
  backupDir = join(scratch, 'backups');
  bot = await startTestBot({ discord, schedule: 'paused', config: { backupDir, backupKeep: 2 } });
  await discord.invoke({
    user: ADMIN.id,
    command: 'enforcement',
    subcommand: 'alerts-channel',
    options: { channel: ALERTS.id },
    admin: true,
  });
});

after(async () => {
  await bot?.stop();
  await discord?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const files = () =>
  readdirSync(backupDir)
    .filter((f) => f.endsWith('.tar.gz'))
    .sort();
const statusText = async () => text(await discord.invoke({ user: ADMIN.id, command: 'status', admin: true }));
const alerts = () => discord.messagesIn(ALERTS.id).map(text);

test('the running bot writes a backup that db:restore reads into a fresh DATA_DIR', {
  skip: !embedded,
}, async () => {
  await bot.bot.ctx.db.insert(plans).values({ name: 'Backed up', streamCap: 3, downloadsAllowed: false });
  assert.match(await statusText(), /Backups[\s\S]*none yet/);
  await bot.bot.schedule!.fire('backup');
  await until('a backup file', () => bot.bot.ctx.backups.status().last !== null);
  const [file] = files();
  assert.ok(file, 'a backup was written');
  assert.equal(statSync(join(backupDir, file)).mode & 0o777, 0o600);
  assert.equal(statSync(backupDir).mode & 0o777, 0o700);
  const status = await statusText();
  assert.match(status, /Backups[\s\S]*last <t:\d+:R> · \d+(\.\d)? (kB|MB)/);

  const fresh = join(scratch, 'fresh-data');
  const run = runEntry('src/db/db-cli.ts', ['restore', join(backupDir, file)], process.cwd(), {
    DATA_DIR: fresh,
  });
  assert.equal(await run.exited, 0, run.output());
  const restored = await openDatabase({ databaseUrl: null, dataDir: fresh });
  try {
    const names = (await restored.db.select().from(plans)).map((p) => p.name);
    assert.deepEqual(names, ['Backed up']);
  } finally {
    await restored.close();
  }
});

test('only the newest BACKUP_KEEP backups are kept', { skip: !embedded }, async () => {
  const before = files();
  for (let i = 0; i < 3; i++) {
    bot.clock.advance(60_000);
    await bot.bot.ctx.backups.run();
  }
  const kept = files();
  assert.equal(kept.length, 2);
  for (const f of before) assert.ok(!kept.includes(f), `${f}, the oldest, was removed`);
  assert.equal(kept.at(-1), bot.bot.ctx.backups.status().last?.file.split('/').at(-1));
  // Files the bot did not name are left alone.
  writeFileSync(join(backupDir, 'my-notes.txt'), 'keep me');
  await bot.bot.ctx.backups.run();
  assert.ok(readdirSync(backupDir).includes('my-notes.txt'));
});

test('a failing backup folder alerts once (a restart included), and once more when backups work again', {
  skip: !embedded,
}, async () => {
  const start = alerts().length;
  // A file where the folder should be: every write fails (root ignores permissions, so not chmod).
  rmSync(backupDir, { recursive: true, force: true });
  writeFileSync(backupDir, 'not a folder');
  for (let i = 0; i < 3; i++) {
    bot.clock.advance(60_000);
    const s = await bot.bot.ctx.backups.run();
    assert.ok(s.failing, 'the failure is in the status');
  }
  await until('the failure alert', () => alerts().length > start);
  assert.match(await statusText(), /Backups[\s\S]*failing since/);
  await new Promise((r) => setTimeout(r, 1500));
  const failingAlerts = alerts().slice(start);
  assert.equal(failingAlerts.length, 1, failingAlerts.join('\n---\n'));
  assert.match(failingAlerts[0]!, /Backups are failing/);

  // Restarted while failing: still the same failure, not alerted again.
  await bot.restart();
  bot.clock.advance(60_000);
  assert.ok((await bot.bot.ctx.backups.run()).failing);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(alerts().slice(start).length, 1, alerts().slice(start).join('\n---\n'));

  rmSync(backupDir, { force: true });
  bot.clock.advance(60_000);
  const ok = await bot.bot.ctx.backups.run();
  assert.equal(ok.failing, null);
  await until('the recovery alert', () => alerts().length > start + 1);
  bot.clock.advance(60_000);
  await bot.bot.ctx.backups.run();
  await new Promise((r) => setTimeout(r, 1500));
  const later = alerts().slice(start);
  assert.equal(later.length, 2, later.join('\n---\n'));
  assert.match(later[1]!, /Backups work again/);
  assert.doesNotMatch(await statusText(), /failing since/);
});

test('on PostgreSQL the bot makes no backups and /status shows no backup line', {
  skip: embedded,
}, async () => {
  assert.equal(bot.bot.ctx.backups.status().schedule, null);
  await bot.bot.ctx.backups.run();
  assert.doesNotMatch(await statusText(), /Backups/);
});
