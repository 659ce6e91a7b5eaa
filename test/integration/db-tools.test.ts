// The embedded database's tools: backup and restore (refusing a non-empty database without --force), and the
// copy to PostgreSQL (counts equal on both sides, sequences continue, a non-empty target refused).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backupEmbedded, restoreEmbedded, ToolError } from '../../src/db/backup.ts';
import { openDatabase } from '../../src/db/client.ts';
import { copyToPostgres } from '../../src/db/copy.ts';
import { auditLog, breachEpisodes, mediaServers, members, plans, settings } from '../../src/db/schema.ts';
import { countRows, type RowCounts } from '../../src/db/tables.ts';
import { createTestDatabase } from '../helpers/db.ts';

const root = join(import.meta.dirname, '..', '..');
const NOW = new Date('2026-11-18T20:00:00Z');

/** A small but complete community in an embedded database: rows in parent and child tables, jsonb, serials. */
async function seed(dataDir: string): Promise<RowCounts> {
  const database = await openDatabase({ databaseUrl: null, dataDir });
  try {
    const { db } = database;
    await db.update(settings).set({ alertsChannelId: '310000000000000002', dryRun: true });
    const [plan] = await db
      .insert(plans)
      .values([
        { name: 'Solo', streamCap: 1, downloadsAllowed: false },
        { name: 'Family', streamCap: 4, downloadsAllowed: true, weeklyDownloads: 20 },
      ])
      .returning();
    const [member] = await db
      .insert(members)
      .values({ discordUserId: '210000000000000002', displayName: 'alice', planId: plan?.id })
      .returning();
    await db.insert(mediaServers).values({
      name: 'PlexMain',
      platform: 'plex',
      url: 'http://127.0.0.1:32400',
      tokenEncrypted: 'v1:not-a-real-ciphertext',
      status: 'up',
      lastPollAt: NOW,
    });
    await db
      .insert(breachEpisodes)
      .values({ memberId: member?.id as number, openedAt: NOW, stopAttempts: ['1:100', '1:101'] });
    await db.insert(auditLog).values({
      actorDiscordId: '210000000000000001',
      action: 'plan.create',
      target: 'Solo',
      after: { streamCap: 1 },
    });
    return await countRows(db);
  } finally {
    await database.close();
  }
}

describe('backup and restore of the embedded database', () => {
  let dir: string;
  let source: string;
  let seeded: RowCounts;
  const file = () => join(dir, 'backup.tar.gz');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sw-backup-'));
    source = join(dir, 'source');
    seeded = await seed(source);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a backup restored into an empty DATA_DIR has the same rows', async () => {
    const backup = await backupEmbedded(source, file());
    assert.deepEqual(backup.counts, seeded);
    assert.ok(backup.bytes > 0);
    const restored = await restoreEmbedded(join(dir, 'fresh'), file(), { force: false, now: NOW });
    assert.deepEqual(restored.counts, seeded);
    assert.equal(restored.movedAside, null);
    assert.equal(seeded.plans, 2);
    // And it is a working database the bot opens (migrations up to date, data readable).
    const reopened = await openDatabase({ databaseUrl: null, dataDir: join(dir, 'fresh') });
    try {
      const episode = (await reopened.db.select().from(breachEpisodes))[0];
      assert.deepEqual(episode?.stopAttempts, ['1:100', '1:101']);
    } finally {
      await reopened.close();
    }
  });

  test('restore refuses a non-empty database without --force and changes nothing; --force keeps the old one aside', async () => {
    const target = join(dir, 'busy');
    const database = await openDatabase({ databaseUrl: null, dataDir: target });
    await database.db.insert(plans).values({ name: 'Other', streamCap: 2, downloadsAllowed: false });
    await database.close();

    await assert.rejects(
      restoreEmbedded(target, file(), { force: false, now: NOW }),
      (err: Error) => err instanceof ToolError && /not empty.*--force/s.test(err.message),
    );
    const unchanged = await openDatabase({ databaseUrl: null, dataDir: target });
    assert.deepEqual(
      (await unchanged.db.select().from(plans)).map((p) => p.name),
      ['Other'],
    );
    await unchanged.close();

    const forced = await restoreEmbedded(target, file(), { force: true, now: NOW });
    assert.deepEqual(forced.counts, seeded);
    assert.ok(forced.movedAside && existsSync(forced.movedAside), 'the replaced database is kept');
  });

  test('`npm run db:restore` says how to proceed and exits 1 when it refuses', async () => {
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(root, 'src/db/db-cli.ts'), 'restore', file()],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', DATA_DIR: source } },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, output);
    assert.match(output, /is not empty\. Nothing was changed\. .*--force/);
  });
});

test('copy to PostgreSQL: every row in one transaction, counts equal, sequences continue; a non-empty target is refused', async (t) => {
  const target = await createTestDatabase();
  if (!target.url) {
    t.skip('needs PostgreSQL: run with DATABASE_URL set (CI does)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sw-copy-'));
  try {
    const seeded = await seed(dir);
    const { source, target: copied } = await copyToPostgres({ dataDir: dir, targetUrl: target.url });
    assert.deepEqual(source, seeded);
    assert.deepEqual(copied, source);

    const pg = await openDatabase({ databaseUrl: target.url, dataDir: dir });
    try {
      const [s] = await pg.db.select().from(settings);
      assert.equal(s?.alertsChannelId, '310000000000000002');
      assert.equal(s?.dryRun, true);
      // New rows get fresh ids after the copied ones instead of colliding with them.
      const [added] = await pg.db
        .insert(plans)
        .values({ name: 'Trio', streamCap: 3, downloadsAllowed: false })
        .returning();
      assert.equal(added?.id, 3);
    } finally {
      await pg.close();
    }

    await assert.rejects(
      copyToPostgres({ dataDir: dir, targetUrl: target.url }),
      (err: Error) => err instanceof ToolError && /not empty/.test(err.message),
    );
  } finally {
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
