import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataDirAccessMessage } from '../../src/data-dir.ts';

test('in the image, the message names /data, the uid and gid, the host chown, the volume chown and user:', () => {
  const text = dataDirAccessMessage('/data', { code: 'EACCES', path: '/data' }, { uid: 1000, gid: 1000 });
  assert.match(text, /^the data folder \/data can't be written: permission denied on \/data \(EACCES\)\./);
  assert.ok(text.includes('The bot runs as uid 1000, gid 1000.'), text);
  assert.ok(text.includes('`sudo chown -R 1000:1000 ./data` on the host folder mounted as /data'), text);
  assert.ok(
    text.includes('`docker compose run --rm --user root streamwarden chown -R 1000:1000 /data`'),
    text,
  );
  assert.ok(text.includes('`user: "<uid>:<gid>"`'), text);
});

test('outside the image, the chown names DATA_DIR itself; a read-only mount says so', () => {
  const text = dataDirAccessMessage(
    '/srv/sw',
    { code: 'EPERM', path: '/srv/sw/pglite' },
    { uid: 501, gid: 20 },
  );
  assert.ok(text.includes('permission denied on /srv/sw/pglite (EPERM)'), text);
  assert.ok(text.includes('`sudo chown -R 501:20 /srv/sw`'), text);
  assert.doesNotMatch(text, /mounted as/);
  const ro = dataDirAccessMessage('/data', { code: 'EROFS', path: '/data' }, { uid: 1000, gid: 1000 });
  assert.match(ro, /\/data is mounted read-only: mount it read-write/);
});
