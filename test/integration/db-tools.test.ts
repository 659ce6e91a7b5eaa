// The embedded database's tools: backup and restore (refusing a non-empty database without --force), and the
// copy to PostgreSQL (counts equal on both sides, sequences continue, a non-empty target refused). Backups are
// the owner's only and travel with their key or with a warning; a missing or empty source is refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { backupEmbedded, restoreEmbedded, ToolError } from '../../src/db/backup.ts';
import { openDatabase } from '../../src/db/client.ts';
import { copyToPostgres } from '../../src/db/copy.ts';
import { auditLog, breachEpisodes, mediaServers, members, plans, settings } from '../../src/db/schema.ts';
import { countRows, type RowCounts } from '../../src/db/tables.ts';
import { loadKey } from '../../src/secrets.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { runEntry } from '../helpers/process.ts';

const NOW = new Date('2026-11-18T20:00:00Z');

/** `npm run db:<command>` as a child process on `dataDir`: its exit code and everything it printed. */
async function cli(
  args: string[],
  dataDir: string,
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const run = runEntry('src/db/db-cli.ts', args, cwd, { DATA_DIR: dataDir });
  const code = await run.exited;
  return { code, output: run.output() };
}

const mode = (path: string) => statSync(path).mode & 0o777;

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
    const { code, output } = await cli(['restore', file()], source, dir);
    assert.equal(code, 1, output);
    assert.match(output, /is not empty\. Nothing was changed\. .*--force/);
  });

  test('backups are readable by the owner only; without --with-key every backup warns where the key is', async () => {
    const key = loadKey({ encryptionKey: null, dataDir: source });
    const plain = await cli(['backup'], source, dir);
    assert.equal(plain.code, 0, plain.output);
    const written = plain.output.match(/Wrote (\S+\.tar\.gz)/)?.[1] as string;
    assert.equal(mode(join(source, 'backups')), 0o700);
    assert.equal(mode(written), 0o600);
    assert.match(plain.output, /WARNING: .* does not contain the encryption key/);
    assert.ok(plain.output.includes(`The key is in ${join(source, 'encryption.key')}`), plain.output);
    assert.equal(existsSync(`${written}.key`), false);
    assert.ok(!plain.output.includes(key.toString('base64')), 'the key is never printed');

    const out = join(dir, 'with-key.tar.gz');
    const keyed = await cli(['backup', '--out', out, '--with-key'], source, dir);
    assert.equal(keyed.code, 0, keyed.output);
    assert.doesNotMatch(keyed.output, /WARNING/);
    assert.equal(mode(out), 0o600);
    assert.equal(mode(`${out}.key`), 0o600);
    assert.equal(readFileSync(`${out}.key`, 'utf8').trim(), key.toString('base64'));
    assert.ok(!keyed.output.includes(key.toString('base64')), 'the key is never printed');

    // Restored elsewhere, the backup's key comes along (the tokens need it).
    const elsewhere = join(dir, 'elsewhere');
    const restored = await cli(['restore', out], elsewhere, dir);
    assert.equal(restored.code, 0, restored.output);
    assert.match(restored.output, /Installed the backup's key/);
    assert.equal(readFileSync(join(elsewhere, 'encryption.key'), 'utf8').trim(), key.toString('base64'));
    assert.equal(mode(join(elsewhere, 'encryption.key')), 0o600);
  });

  test('restore refuses a missing or empty file and backup a missing database, creating nothing', async () => {
    const target = join(dir, 'untouched');
    writeFileSync(join(dir, 'empty.tar.gz'), '');
    await assert.rejects(
      restoreEmbedded(target, join(dir, 'missing.tar.gz'), { force: false, now: NOW }),
      (err: Error) => err instanceof ToolError && /does not exist/.test(err.message),
    );
    await assert.rejects(
      restoreEmbedded(target, join(dir, 'empty.tar.gz'), { force: false, now: NOW }),
      (err: Error) => err instanceof ToolError && /is empty: it is not a backup/.test(err.message),
    );
    assert.equal(existsSync(target), false);
    const backup = await cli(['backup'], join(dir, 'wrong-dir'), dir);
    assert.equal(backup.code, 1, backup.output);
    assert.match(backup.output, /There is no embedded database in .*wrong-dir.*check DATA_DIR/);
    assert.equal(existsSync(join(dir, 'wrong-dir')), false);
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
    // A wrong DATA_DIR (nothing there, or an empty database) is refused, and nothing is created.
    const wrong = join(dir, 'wrong');
    await assert.rejects(
      copyToPostgres({ dataDir: wrong, targetUrl: target.url }),
      (err: Error) => err instanceof ToolError && /no embedded database.*check DATA_DIR/.test(err.message),
    );
    assert.equal(existsSync(wrong), false);
    const blank = join(dir, 'blank');
    await (await openDatabase({ databaseUrl: null, dataDir: blank })).close();
    await assert.rejects(
      copyToPostgres({ dataDir: blank, targetUrl: target.url }),
      (err: Error) => err instanceof ToolError && /holds no data.*Nothing was copied/.test(err.message),
    );

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
