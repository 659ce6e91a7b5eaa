// A PostgreSQL restart under a running bot (one instance): the gateway stays connected
// (a lease is lost only when its deadline passes without a renewal; failed renewals are retried), and a command
// sent while the database is down is answered "The database is unavailable, try again in a moment" (ephemeral).
// Runs on a private cluster (initdb/pg_ctl) whatever DATABASE_URL says; skipped when the binaries are absent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';
import { type PrivatePostgres, postgresBinaries, startPrivatePostgres } from '../helpers/private-postgres.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const bin = postgresBinaries();
const skip = bin
  ? false
  : 'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin: install postgresql to run it';

let discord: DiscordDouble;
let pg: PrivatePostgres;
let bot: TestBot;
let dataDir: string;

async function until(what: string, condition: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition(), what);
}

const admin = (command: string, subcommand?: string) =>
  discord.invoke({
    user: ADMIN.id,
    command,
    ...(subcommand ? { subcommand } : {}),
    options: {},
    admin: true,
    timeoutMs: 60_000,
  });

before(async () => {
  if (!bin) return;
  pg = await startPrivatePostgres(bin);
  dataDir = mkdtempSync(join(tmpdir(), 'sw-db-restart-'));
  discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
  // Leases renewed every second, so that renewals surely fall while the database is down; a TTL long enough that
  // a slow cluster restart (pg_ctl waits for it, which took over 20 s once in CI) stays well inside it. The rule
  // under test does not depend on the figures.
  bot = await startTestBot({
    discord,
    existing: { databaseUrl: pg.url, dataDir },
    cluster: { ttlMs: 120_000, renewMs: 1_000, standbyMs: 1_000, marginMs: 2_000 },
  });
  await until('the bot holds the gateway', () => bot.bot.ctx.cluster.isGatewayHolder());
  await until('one gateway session', () => discord.gatewaySessions === 1);
});

after(async () => {
  await bot?.stop();
  await discord?.stop();
  pg?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('pg_ctl restart, then down a few seconds: the gateway stays connected, and commands work again at once', {
  skip,
}, async () => {
  const identifies = discord.gatewayIdentifies;
  let dropped = false;
  const watch = setInterval(() => {
    if (!bot.bot.ctx.cluster.isGatewayHolder() || discord.gatewaySessions !== 1) dropped = true;
  }, 20);
  try {
    pg.restart();
    // Down for a few renewals more.
    pg.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    pg.start();
    // Renewed since: several renewal rounds on the database that came back.
    await new Promise((r) => setTimeout(r, 3_000));
  } finally {
    clearInterval(watch);
  }
  assert.equal(dropped, false, 'the gateway lease was never given up');
  assert.equal(discord.gatewaySessions, 1);
  assert.equal(discord.gatewayIdentifies, identifies, 'no new gateway session');
  // The database answers again: the next commands work (a loaded machine may take a moment to reconnect).
  let answer = '';
  for (let i = 0; i < 20 && !/plan/i.test(answer); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 500));
    answer = text(await admin('plan', 'list'));
  }
  assert.match(answer, /plan/i);
});

test('a command while the database is down: "The database is unavailable", ephemeral; the gateway stays', {
  skip,
}, async () => {
  const identifies = discord.gatewayIdentifies;
  pg.stop();
  // Renewals fail meanwhile: the lease holds until its deadline.
  await new Promise((r) => setTimeout(r, 2_000));
  let reply: Awaited<ReturnType<typeof admin>>;
  try {
    reply = await admin('plan', 'list');
  } finally {
    pg.start();
  }
  assert.match(text(reply), /The database is unavailable, try again in a moment/);
  assert.equal(reply.ephemeral, true);
  let answer = '';
  for (let i = 0; i < 20 && !/plan/i.test(answer); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 500));
    answer = text(await admin('plan', 'list'));
  }
  assert.doesNotMatch(answer, /unavailable|went wrong/);
  assert.equal(discord.gatewaySessions, 1);
  assert.equal(discord.gatewayIdentifies, identifies, 'no new gateway session');
  assert.equal(bot.bot.ctx.cluster.isGatewayHolder(), true);
});
