// The logger removes secrets by itself: objects that carry tokens, headers, passwords and keys are logged as they
// are, and the captured output must not contain any of them. None of these secrets is registered with the
// redactor (registerSecret), so each case depends on the logger's own redaction.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createPlexServer } from '../../src/media/plex/client.ts';
import { type MediaServerConfig, MediaServerError } from '../../src/media/types.ts';

const SECRETS = {
  discord: 'MTAxNDk2ODk3NjQ0NTI0.discord-bot-token-value',
  key: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c=',
  dbPassword: 'db-pass-7f3a9c',
  smtpPassword: 'smtp-pass-2b8e4d',
  plex: 'plex-token-9a8b7c6d5e',
  jellyfin: 'jellyfin-key-1f2e3d4c5b6a',
  bearer: 'bearer-value-0a9b8c7d',
  cookie: 'session-cookie-5e6f7a8b',
  queryToken: 'query-token-3c4d5e6f',
};

function capture() {
  const lines: string[] = [];
  const log = createLogger('debug', { destination: { write: (s: string) => void lines.push(s) } });
  return { log, output: () => lines.join('') };
}

function assertNoSecret(output: string) {
  assert.ok(output.length > 0, 'something was logged');
  for (const [name, secret] of Object.entries(SECRETS))
    assert.ok(!output.includes(secret), `${name} leaked into the log: ${output}`);
}

const config: Config = {
  push: false,
  backupSchedule: null,
  backupKeep: 7,
  backupDir: '/data/backups',
  inContainer: false,
  discordToken: SECRETS.discord,
  guildId: '100000000000000001',
  applicationId: null,
  discordApiUrl: null,
  databaseUrl: `postgres://bot:${SECRETS.dbPassword}@db.internal:5432/streamwarden`,
  dataDir: './data',
  timezone: 'UTC',
  pollSchedule: '*/5 * * * *',
  smtpUrl: `smtp://mailer:${SECRETS.smtpPassword}@mail.example.org:587`,
  mailFrom: 'bot@example.org',
  plexTvUrl: 'https://clients.plex.tv',
  logLevel: 'info',
  logFormat: 'json',
  httpPort: null,
  httpHost: '127.0.0.1',
  encryptionKey: SECRETS.key,
  confirmDelaySeconds: 10,
  verifyStopSeconds: 5,
  mediaTimeoutMs: 10_000,
};

describe('logger redaction', () => {
  test('the Config object, at the top level and nested', () => {
    const { log, output } = capture();
    log.info(config, 'config');
    log.info({ config }, 'nested config');
    log.info({ startup: { env: { config } } }, 'deeper');
    assertNoSecret(output());
    assert.match(output(), /db\.internal/, 'URLs keep their host');
    assert.match(output(), /mail\.example\.org/);
  });

  test('a MediaServerConfig and a live adapter with its HTTP client and headers', () => {
    const { log, output } = capture();
    const media: MediaServerConfig = { platform: 'plex', url: 'http://10.0.0.2:32400', token: SECRETS.plex };
    log.warn({ media }, 'media config');
    log.warn({ server: createPlexServer(media) }, 'adapter');
    assertNoSecret(output());
  });

  test('request-shaped objects: headers of any spelling, query strings, cookies', () => {
    const { log, output } = capture();
    log.error(
      {
        request: {
          url: `http://jf.local/Sessions?api_key=${SECRETS.queryToken}`,
          headers: {
            'X-Emby-Token': SECRETS.jellyfin,
            authorization: `Bearer ${SECRETS.bearer}`,
            Cookie: SECRETS.cookie,
          },
        },
        list: [{ headers: { 'X-Plex-Token': SECRETS.plex } }],
      },
      'request failed',
    );
    assertNoSecret(output());
    assert.match(output(), /jf\.local\/Sessions/);
  });

  test('error messages and stacks that quote a URL with a token', () => {
    const { log, output } = capture();
    const err = new MediaServerError(
      'server-error',
      `GET http://plex.local/library?X-Plex-Token=${SECRETS.queryToken}: HTTP 500`,
    );
    log.error({ err }, `failed: ?X-Plex-Token=${SECRETS.queryToken}`);
    assertNoSecret(output());
    assert.match(output(), /"kind":"server-error"/);
  });
});
