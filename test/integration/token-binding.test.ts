// A stored server token is bound to its row (id and address as AES-GCM additional data): a database writer who
// repoints a server's address gets no request with the token, and the server is reported as needing its token
// again; tokens stored in the older unbound format are bound at start; `npm run db:rotate-key` re-encrypts them
// all with a new key, refuses to run under a running bot, and the bot reads every server afterwards.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { mediaServers } from '../../src/db/schema.ts';
import { keyId, loadKey, PENDING_KEY_FILE_NAME } from '../../src/secrets.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { runEntry } from '../helpers/process.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ALERTS = { id: '350000000000000002', name: 'alerts' };
const ALICE = { id: '250000000000000002', username: 'alice' };
const PLEX_TOKEN = 'plex-token-binding-5e6f7a8b';

/** A token as the bot stored it before tokens were bound to their row: AES-256-GCM without additional data. */
function unboundCiphertext(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(
    ':',
  );
}

describe('server tokens bound to their row', () => {
  let discord: DiscordDouble;
  let plex: PlexDouble;
  let elsewhere: PlexDouble;
  let bot: TestBot;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const row = async () => {
    const [r] = await bot.bot.ctx.db.select().from(mediaServers).where(eq(mediaServers.name, 'PlexMain'));
    assert.ok(r);
    return r;
  };
  const setRow = (values: Partial<typeof mediaServers.$inferInsert>) =>
    bot.bot.ctx.db.update(mediaServers).set(values).where(eq(mediaServers.name, 'PlexMain'));
  const tokenSentTo = (double: PlexDouble) =>
    double.requests.filter((r) => JSON.stringify(r).includes(PLEX_TOKEN)).length;
  const dbTool = async (...args: string[]) => {
    const run = runEntry('src/db/db-cli.ts', args, bot.config.dataDir, {
      DATA_DIR: bot.config.dataDir,
      ...(bot.config.databaseUrl ? { DATABASE_URL: bot.config.databaseUrl } : {}),
    });
    return { code: await run.exited, output: run.output() };
  };

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'PlexMain' });
    // Another server that would accept the same token: the address a database writer repoints to.
    elsewhere = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'Elsewhere' });
    bot = await startTestBot({ discord, schedule: 'paused' });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await elsewhere?.stop();
  });

  test('the token is stored bound and encrypted; the server is read with it', async () => {
    const stored = (await row()).tokenEncrypted;
    assert.match(stored, /^v2:[0-9a-f]{12}:/);
    assert.ok(!stored.includes(PLEX_TOKEN));
    assert.doesNotMatch(await runNow(), /PlexMain.*(down|token)/i);
    assert.equal((await row()).status, 'up');
  });

  test('a repointed address gets nothing: no request carries the token, the server needs its token again', async () => {
    const original = await row();
    await setRow({ url: elsewhere.url });
    const report = await runNow();
    assert.equal(elsewhere.requests.length, 0, 'nothing was sent to the new address');
    assert.equal(tokenSentTo(elsewhere), 0);
    const after = await row();
    assert.equal(after.status, 'down');
    assert.match(after.statusReason ?? '', /not given for this server and address.*needs its token again/);
    assert.match(report, /PlexMain/);
    const alert = discord
      .messagesIn(ALERTS.id)
      .map((m) => JSON.stringify(m))
      .join('\n');
    assert.match(alert, /not given for this server and address/);
    assert.ok(!alert.includes(PLEX_TOKEN));
    // /server test says the same, and still contacts nobody.
    assert.match(
      text(await admin('server', 'test', { name: 'PlexMain' })),
      /Did not contact .*needs its token again/,
    );
    assert.equal(elsewhere.requests.length, 0);
    // A member's /link is sent to the admins instead of signing in through the new address.
    const link = text(
      await discord.invoke({ user: ALICE.id, command: 'link', options: { server: 'PlexMain' } }),
    );
    assert.match(link, /needs its token again/);
    assert.equal(elsewhere.requests.length, 0);

    await setRow({ url: original.url });
    await runNow();
    assert.equal((await row()).status, 'up', 'back at its own address, the token works again');

    // A token copied onto another row (same address, another id) is refused the same way: the id is bound too.
    const db = bot.bot.ctx.db;
    const [clone] = await db
      .insert(mediaServers)
      .values({ name: 'Clone', platform: 'plex', url: original.url, tokenEncrypted: original.tokenEncrypted })
      .returning();
    // On PostgreSQL a server is read by the instance holding its lease: take it now, as `/server add` does.
    await bot.bot.ctx.syncPush();
    await runNow();
    const [cloned] = await db.select().from(mediaServers).where(eq(mediaServers.name, 'Clone'));
    assert.equal(cloned?.status, 'down');
    assert.match(cloned?.statusReason ?? '', /not given for this server and address/);
    assert.equal((await row()).status, 'up');
    await db.delete(mediaServers).where(eq(mediaServers.id, clone?.id as number));
  });

  test('a token in the old unbound format is bound to its row at start', async () => {
    const key = loadKey(bot.config);
    await setRow({ tokenEncrypted: unboundCiphertext(key, PLEX_TOKEN) });
    await bot.restart();
    const stored = (await row()).tokenEncrypted;
    assert.match(stored, new RegExp(`^v2:${keyId(key)}:`));
    const reads = plex.requests.length;
    await runNow();
    assert.ok(plex.requests.length > reads);
    assert.equal((await row()).status, 'up');
  });

  test('db:rotate-key refuses to run under the bot; stopped, it re-encrypts every token with a new key', async () => {
    const oldKey = loadKey(bot.config);
    const refused = await dbTool('rotate-key');
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /running|in use by a running Streamwarden bot/);
    assert.match((await row()).tokenEncrypted, new RegExp(`^v2:${keyId(oldKey)}:`), 'nothing changed');

    let rotated = { code: null as number | null, output: '' };
    await bot.restart(async () => {
      rotated = await dbTool('rotate-key');
    });
    assert.equal(rotated.code, 0, rotated.output);
    assert.match(rotated.output, /Re-encrypted the tokens of 1 server\(s\)/);
    const keyFile = join(bot.config.dataDir, 'encryption.key');
    assert.ok(rotated.output.includes(`The new key is in ${keyFile}`), rotated.output);
    const previous = rotated.output.match(/previous key was kept in (\S+):/)?.[1] as string;
    assert.equal(readFileSync(previous, 'utf8').trim(), oldKey.toString('base64'));
    const newKey = loadKey(bot.config);
    assert.ok(!newKey.equals(oldKey));
    assert.ok(!rotated.output.includes(newKey.toString('base64')), 'the key is never printed');
    assert.match((await row()).tokenEncrypted, new RegExp(`^v2:${keyId(newKey)}:`));
    await runNow();
    assert.equal((await row()).status, 'up', 'the restarted bot reads the server with the new key');
  });

  test('an interrupted rotation stops the start until it is run again', async () => {
    await bot.bot.stop();
    const pending = join(bot.config.dataDir, PENDING_KEY_FILE_NAME);
    writeFileSync(pending, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await assert.rejects(bot.restart(), /key rotation was interrupted.*db:rotate-key/);
    const finished = await dbTool('rotate-key');
    assert.equal(finished.code, 0, finished.output);
    assert.equal(existsSync(pending), false);
    await bot.restart();
    await runNow();
    assert.equal((await row()).status, 'up');
  });
});
