// One member per media account: the unique index on (server, account id), the "already linked" check in the
// writing transaction, and the migration that clears duplicate links made before the index.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER } from '../../src/db/client.ts';
import { auditLog, mediaAccounts, mediaServers, members } from '../../src/db/schema.ts';
import { AccountTakenError, saveLink } from '../../src/services/members.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { withTestDatabase } from '../helpers/db.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice', displayName: 'alice' };
const BOB = { id: '240000000000000003', username: 'bob', displayName: 'bob' };

describe('one member per account id', () => {
  let discord: DiscordDouble;
  let bot: TestBot;

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE, BOB] });
    bot = await startTestBot({ discord });
  });
  after(async () => {
    await bot?.stop();
    await discord?.stop();
  });

  test('two members linking one account id at the same moment: one link is stored, the other is refused', async () => {
    const ctx = bot.bot.ctx;
    const [server] = await ctx.db
      .insert(mediaServers)
      .values({ name: 'Main', platform: 'plex', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    assert.ok(server);
    // Two names for one plex.tv account id (a renamed account): the name index alone would let both in.
    const results = await Promise.allSettled([
      saveLink(
        ctx,
        ALICE.id,
        ALICE,
        server,
        { accountName: 'shared', accountId: '9001' },
        { action: 'user.link' },
      ),
      saveLink(
        ctx,
        BOB.id,
        BOB,
        server,
        { accountName: 'shared_renamed', accountId: '9001' },
        { action: 'user.link' },
      ),
    ]);
    const kept = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(kept.length, 1);
    assert.equal(refused.length, 1);
    assert.ok(refused[0]?.status === 'rejected' && refused[0].reason instanceof AccountTakenError);
    const links = await ctx.db.select().from(mediaAccounts).where(eq(mediaAccounts.accountId, '9001'));
    assert.equal(links.length, 1);
    const audits = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'user.link'));
    assert.equal(audits.length, 1, 'only the stored link is audited');
  });
});

test('the migration clears duplicate account ids, keeps the newest link, and audits what it cleared', async () => {
  // Found by name, whatever number the migration gets.
  const name = readdirSync(MIGRATIONS_FOLDER).find((f) => f.endsWith('_links_unique_account_id.sql'));
  assert.ok(name, 'the migration exists');
  const file = readFileSync(join(MIGRATIONS_FOLDER, name), 'utf8');
  await withTestDatabase('sw-link-dedupe-', async ({ db }) => {
    // A database from before the index: drop it, then store what the old code allowed.
    await db.execute(sql`drop index media_accounts_server_account_id_unique`);
    const [server] = await db
      .insert(mediaServers)
      .values({ name: 'Main', platform: 'plex', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    assert.ok(server);
    const people = await db
      .insert(members)
      .values([
        { discordUserId: '1001', displayName: 'old' },
        { discordUserId: '1002', displayName: 'newer' },
        { discordUserId: '1003', displayName: 'other' },
        { discordUserId: '1004', displayName: 'unmatched' },
      ])
      .returning();
    const [old, newer, other, unmatched] = people;
    assert.ok(old && newer && other && unmatched);
    await db.insert(mediaAccounts).values([
      {
        memberId: old.id,
        serverId: server.id,
        accountName: 'a_old',
        accountId: '42',
        createdAt: new Date('2026-01-01T00:00:00Z'),
      },
      {
        memberId: newer.id,
        serverId: server.id,
        accountName: 'a_new',
        accountId: '42',
        createdAt: new Date('2026-03-01T00:00:00Z'),
      },
      {
        memberId: other.id,
        serverId: server.id,
        accountName: 'b',
        accountId: '43',
        createdAt: new Date('2026-01-01T00:00:00Z'),
      },
      { memberId: unmatched.id, serverId: server.id, accountName: 'c', accountId: null },
    ]);

    for (const statement of file.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));

    const left = await db
      .select({ member: mediaAccounts.memberId, account: mediaAccounts.accountName })
      .from(mediaAccounts)
      .orderBy(mediaAccounts.memberId);
    assert.deepEqual(left, [
      { member: newer.id, account: 'a_new' },
      { member: other.id, account: 'b' },
      { member: unmatched.id, account: 'c' },
    ]);
    const cleared = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.unlink-duplicate'), eq(auditLog.actorDiscordId, 'migration')));
    assert.equal(cleared.length, 1);
    assert.equal(cleared[0]?.target, 'member:1001');
    assert.deepEqual(cleared[0]?.before, { server: 'Main', account: 'a_old', accountId: '42' });
    // The index is back and holds.
    await assert.rejects(
      db
        .insert(mediaAccounts)
        .values({ memberId: old.id, serverId: server.id, accountName: 'again', accountId: '42' }),
    );
  });
});
