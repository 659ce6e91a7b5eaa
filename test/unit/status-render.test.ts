import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { backupText, renderStatus } from '../../commands/status.ts';
import { embedSize, fitMessage, LIMITS } from '../../src/notify/format.ts';
import type { BotStatus, InstanceStatus, ServerStatus } from '../../src/services/status.ts';

const server = (i: number, problem: boolean): ServerStatus => ({
  name: `${'x'.repeat(90)}-${i}`,
  platform: 'jellyfin',
  push: problem
    ? { state: 'waiting', detail: 'the server refused the token (HTTP 401)', lastEventAt: null, silent: null }
    : { state: 'connected', detail: null, lastEventAt: new Date('2026-11-18T20:00:00Z'), silent: null },
  capabilities: new Map(
    problem
      ? [
          ['read-sessions', { state: 'works', since: null, reason: null, fix: null, lostAlerted: false }],
          [
            'push-events',
            { state: 'failed', since: null, reason: 'z'.repeat(300), fix: 'f', lostAlerted: true },
          ],
          ['self-link', { state: 'unknown', since: null, reason: null, fix: null, lostAlerted: false }],
        ]
      : [],
  ),
  health: problem ? 'down' : 'up',
  healthReason: problem ? 'y'.repeat(300) : null,
  lastReadAt: null,
});

const instance = (i: number, servers: number): InstanceStatus => ({
  id: `${'h'.repeat(250)}-${i}`,
  self: i === 0,
  gateway: i === 1,
  servers: Array.from({ length: servers }, (_, j) => `${'n'.repeat(90)}-${j}`),
});

const status = (servers: ServerStatus[], instances = [instance(0, 1)]): BotStatus => ({
  clusterMode: 'shared',
  instances,
  pushEnabled: true,
  servers,
  outbox: { pending: 2, failed: 1 },
  failingSwitches: Array.from({ length: 40 }, (_, i) => ({
    server: 's'.repeat(90),
    account: `account-${i}`,
    state: 'enable-failed' as const,
  })),
});

test('/status fits Discord limits however many servers, and says how many it summarised', () => {
  for (const n of [0, 1, 19, 20, 21, 200]) {
    const servers = Array.from({ length: n }, (_, i) => server(i, i % 3 === 0));
    const fitted = fitMessage({ embeds: [renderStatus(status(servers)).toJSON()] });
    const [e] = fitted.embeds;
    assert.ok(e && embedSize(e) <= LIMITS.total, `${n} servers: ${e && embedSize(e)}`);
    if (n > 20) assert.match(e.description ?? '', /more server\(s\)/);
    if (n === 0) assert.match(e.description ?? '', /\/server add/);
  }
});

test('/status lists only the servers with a problem past 20, and counts the healthy ones', () => {
  const servers = Array.from({ length: 30 }, (_, i) => server(i, i === 4));
  const e = renderStatus(status(servers)).toJSON();
  assert.match(e.description ?? '', /x-4\*\*/);
  assert.doesNotMatch(e.description ?? '', /x-5\*\*/);
  assert.match(e.description ?? '', /29 more server\(s\) up, push connected/);
  assert.match(e.description ?? '', /refused the token/);
});

test('/status lists each instance with its leases, within one field however many instances and servers', () => {
  for (const n of [1, 2, 4, 5, 50]) {
    const instances = Array.from({ length: n }, (_, i) => instance(i, 200));
    const e = renderStatus(status([], instances)).toJSON();
    const field = e.fields?.find((f) => f.name === 'Instances');
    assert.ok(field && field.value.length <= LIMITS.fieldValue, `${n} instances: ${field?.value.length}`);
    assert.match(field.value, /\(this one\): standby · 200 server\(s\)/);
    if (n > 1) assert.match(field.value, /: gateway · 200 server\(s\)/);
    if (n > 4) assert.match(field.value, new RegExp(`and ${n - 4} more instance`));
    assert.match(field.value, /…\+197/);
  }
  const single = renderStatus({ ...status([]), clusterMode: 'single' }).toJSON();
  assert.match(single.fields?.find((f) => f.name === 'Instances')?.value ?? '', /Single instance/);
});

test('the backup line: none yet, the last one with its size, a failure with its reason, nothing when off', () => {
  const at = new Date('2026-11-18T04:30:00Z');
  const last = { at, bytes: 2_345_678, file: '/data/backups/x.tar.gz' };
  assert.equal(backupText(undefined), null);
  assert.equal(backupText({ schedule: null, last: null, failing: null }), null);
  assert.equal(backupText({ schedule: '30 4 * * *', last: null, failing: null }), 'none yet');
  assert.equal(
    backupText({ schedule: '30 4 * * *', last, failing: null }),
    `last <t:${at.getTime() / 1000}:R> · 2.3 MB`,
  );
  const failing = backupText({
    schedule: '30 4 * * *',
    last: { ...last, bytes: 900 },
    failing: { since: at, error: 'ENOSPC: no space left on device' },
  });
  assert.match(
    failing ?? '',
    /failing since <t:\d+:R>: ENOSPC: no space left on device\nlast <t:\d+:R> · 1 kB/,
  );
});

test('/status names the running version, the one in package.json', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.match(version, /^\d+\.\d+\.\d+/);
  const e = renderStatus(status([])).toJSON();
  assert.ok(e.footer?.text.startsWith(`Streamwarden ${version} · `), e.footer?.text);
});
