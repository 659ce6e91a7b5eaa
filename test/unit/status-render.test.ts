import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderStatus } from '../../commands/status.ts';
import { embedSize, fitMessage, LIMITS } from '../../src/notify/format.ts';
import type { BotStatus, ServerStatus } from '../../src/services/status.ts';

const server = (i: number, problem: boolean): ServerStatus => ({
  name: `${'x'.repeat(90)}-${i}`,
  platform: 'jellyfin',
  push: problem
    ? { state: 'waiting', detail: 'the server refused the token (HTTP 401)', lastEventAt: null }
    : { state: 'connected', detail: null, lastEventAt: new Date('2026-11-18T20:00:00Z') },
  health: problem ? 'down' : 'up',
  healthReason: problem ? 'y'.repeat(300) : null,
  lastReadAt: null,
});

const status = (servers: ServerStatus[]): BotStatus => ({
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
