// Released migrations are never edited: a database records each applied migration by the sha256 of its text
// (src/db/migrations.ts), so an edited one would run again on every database that already has it. A change to the
// schema is a new migration (npx drizzle-kit generate --name <what>); add its hash here once it is released.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIGRATIONS_FOLDER } from '../../src/db/client.ts';
import { folderMillis, readMigrations } from '../../src/db/migrations.ts';

const RELEASED: Record<string, string> = {
  '0000_init': '1dab61d17fcb08c8ef20c4deb26c8f5a8535b5eb769763ef464beedd958a5758',
  '0001_outbox_and_leases': '8deb542923a9a504cce0c9fc3bf8323545e7eae95d22f7486da7d70dde40237d',
  '0002_reports_and_stopped_sessions': '7df0ddfb39ebfb86cc4d5309e558ee50afa3d92c9a3090c30d2498ff7480fb73',
  '0003_downloads_member_incomplete_index':
    '9d2cf76f3f0b225a85f9d84c05f7770306e225cfe050958a815bbe6341f48021',
  '0004_episode_states_and_live_sessions': 'f1fd4d357b9983088f57a6d634d837fe4c2ba48e7c22641de4a29db8f6ab3f94',
  '0005_notices_moved_to_outbox': '539e1b938dc045ab1f727e27133e8f890f5326982bbf642c8e00a77120acdf70',
  '0006_fairness_roles_self_link': '9f4be97c91272374cec77c350429db6cff1389d54bb90ef8e91d94d1328dec48',
};

const migrations = readMigrations(MIGRATIONS_FOLDER);

for (const [name, hash] of Object.entries(RELEASED)) {
  test(`released migration ${name} is unchanged`, () => {
    const m = migrations.find((x) => x.name === name);
    assert.ok(m, `${name} is missing from drizzle/`);
    assert.equal(m.hash, hash, `${name} was edited: put the change in a new migration instead`);
  });
}

test('released migrations keep their order and their journal times', () => {
  assert.deepEqual(
    migrations.slice(0, 7).map((m) => m.name),
    Object.keys(RELEASED),
  );
  for (const m of migrations) assert.equal(typeof m.createdAt, 'number', `${m.name} has no journal entry`);
  const times = migrations.map((m) => m.createdAt!);
  assert.deepEqual(
    [...times].sort((a, b) => a - b),
    times,
    'journal times rise with the numbers',
  );
});

test("folder time stamps are read as UTC, as drizzle-kit 1.x's folder names are", () => {
  assert.equal(folderMillis('20261206113045'), Date.UTC(2026, 11, 6, 11, 30, 45));
});
