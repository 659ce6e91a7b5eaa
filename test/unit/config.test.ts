import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config.ts';

const base = { DISCORD_TOKEN: 'MTAx.secret-token-value', DISCORD_GUILD_ID: '123456789012345678' };

test('defaults', () => {
  const c = loadConfig(base);
  assert.equal(c.timezone, 'UTC');
  assert.equal(c.pollSchedule, '*/5 * * * *');
  assert.equal(c.dataDir, './data');
  assert.equal(c.databaseUrl, null);
  assert.equal(c.smtpUrl, null);
});

test('every problem is listed at once, and no secret value is echoed', () => {
  try {
    loadConfig({
      DISCORD_GUILD_ID: 'not-an-id',
      TIMEZONE: 'Mars/Olympus',
      POLL_SCHEDULE: 'every five minutes',
      DATABASE_URL: 'mysql://root:hunter22secret@db/x',
      SMTP_URL: 'smtp://u:p@h',
      LOG_LEVEL: 'loud',
    });
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.message;
    for (const key of [
      'DISCORD_TOKEN',
      'DISCORD_GUILD_ID',
      'TIMEZONE',
      'POLL_SCHEDULE',
      'DATABASE_URL',
      'MAIL_FROM',
      'LOG_LEVEL',
    ]) {
      assert.match(text, new RegExp(key), `${key} missing from: ${text}`);
    }
    assert.doesNotMatch(text, /hunter22secret/);
  }
});

test('a missing token says exactly what to set', () => {
  assert.throws(
    () => loadConfig({ DISCORD_GUILD_ID: base.DISCORD_GUILD_ID }),
    /DISCORD_TOKEN is not set: set it to your bot token/,
  );
});

test('accepts 6-field schedules, real zones and postgres URLs', () => {
  const c = loadConfig({
    ...base,
    POLL_SCHEDULE: '*/30 * * * * *',
    TIMEZONE: 'America/New_York',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
    SMTP_URL: 'smtp://user:pass@127.0.0.1:2525',
    MAIL_FROM: 'Bot <bot@example.org>',
  });
  assert.equal(c.pollSchedule, '*/30 * * * * *');
  assert.equal(c.timezone, 'America/New_York');
  assert.equal(c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/x');
});

test('empty strings count as unset', () => {
  const c = loadConfig({ ...base, DATABASE_URL: '', TIMEZONE: '  ', DISCORD_APPLICATION_ID: '' });
  assert.equal(c.databaseUrl, null);
  assert.equal(c.timezone, 'UTC');
  assert.equal(c.applicationId, null);
});

test('the health listener is off by default and bound to loopback; log format follows the terminal unless set', () => {
  const c = loadConfig(base);
  assert.equal(c.httpPort, null);
  assert.equal(c.httpHost, '127.0.0.1');
  assert.equal(c.logFormat, 'auto');
  const set = loadConfig({ ...base, HTTP_PORT: '9464', HTTP_HOST: '0.0.0.0', LOG_FORMAT: 'pretty' });
  assert.deepEqual([set.httpPort, set.httpHost, set.logFormat], [9464, '0.0.0.0', 'pretty']);
});

test('a bad HTTP_PORT and LOG_FORMAT are reported together with the other problems', () => {
  assert.throws(
    () => loadConfig({ ...base, HTTP_PORT: 'eighty', LOG_FORMAT: 'colour', TIMEZONE: 'Mars/Olympus' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /HTTP_PORT must be a port number/.test(err.message) &&
      /LOG_FORMAT must be json or pretty/.test(err.message) &&
      /TIMEZONE/.test(err.message),
  );
  assert.throws(() => loadConfig({ ...base, HTTP_PORT: '70000' }), /HTTP_PORT must be a port number/);
});

test('backups: every day at 04:30 into DATA_DIR/backups, 7 kept; off turns them off; mistakes named', () => {
  const c = loadConfig({ ...base, DATA_DIR: '/srv/sw' });
  assert.equal(c.backupSchedule, '30 4 * * *');
  assert.equal(c.backupKeep, 7);
  assert.equal(c.backupDir, '/srv/sw/backups');
  const set = loadConfig({ ...base, BACKUP_SCHEDULE: '0 3 * * 1', BACKUP_KEEP: '3', BACKUP_DIR: '/backups' });
  assert.deepEqual([set.backupSchedule, set.backupKeep, set.backupDir], ['0 3 * * 1', 3, '/backups']);
  assert.equal(loadConfig({ ...base, BACKUP_SCHEDULE: 'off' }).backupSchedule, null);
  assert.throws(
    () => loadConfig({ ...base, BACKUP_SCHEDULE: 'daily', BACKUP_KEEP: '0' }),
    (err: Error) =>
      /BACKUP_SCHEDULE must be a cron pattern/.test(err.message) && /BACKUP_KEEP/.test(err.message),
  );
});

test('TZ sets the time zone; TIMEZONE, the older name, wins when both are set', () => {
  assert.equal(loadConfig({ ...base, TZ: 'Europe/Paris' }).timezone, 'Europe/Paris');
  assert.equal(loadConfig({ ...base, TZ: ':Asia/Tokyo' }).timezone, 'Asia/Tokyo', 'POSIX leading colon');
  assert.equal(
    loadConfig({ ...base, TZ: 'Europe/Paris', TIMEZONE: 'America/New_York' }).timezone,
    'America/New_York',
  );
  assert.equal(loadConfig({ ...base, TZ: 'Europe/Paris', TIMEZONE: ' ' }).timezone, 'Europe/Paris');
  // TZ is not ours to judge when TIMEZONE is set: a POSIX rule there is for other programs.
  assert.equal(loadConfig({ ...base, TZ: 'CET-1CEST', TIMEZONE: 'Europe/Berlin' }).timezone, 'Europe/Berlin');
});

test('a bad TZ is named among the other problems', () => {
  assert.throws(
    () => loadConfig({ ...base, TZ: 'Mars/Olympus', LOG_LEVEL: 'loud' }),
    (err: Error) =>
      err instanceof ConfigError &&
      /TZ must be an IANA time zone/.test(err.message) &&
      /LOG_LEVEL/.test(err.message),
  );
});

test('STREAMWARDEN_CONTAINER (set by the image) or a container runtime file says the bot runs in a container', () => {
  assert.equal(loadConfig(base, []).inContainer, false);
  assert.equal(loadConfig({ ...base, STREAMWARDEN_CONTAINER: '1' }, []).inContainer, true);
  assert.equal(loadConfig({ ...base, STREAMWARDEN_CONTAINER: '0' }, []).inContainer, false);
  // Any file that exists stands in for /.dockerenv.
  assert.equal(loadConfig(base, [fileURLToPath(import.meta.url)]).inContainer, true);
  assert.equal(loadConfig(base, ['/nonexistent/.dockerenv']).inContainer, false);
});
