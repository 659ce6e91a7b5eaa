// The health and metrics listener of the real bot: /healthz, /readyz (ready, each not-ready cause, a degraded media
// server) and /metrics (parsed; the expected series present; no tokens, member names or addresses).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice_member' };
const ALERTS = { id: '310000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-token-health-5f4e3d2c';
const DEAD_TOKEN = 'plex-token-dead-9a8b7c6d';

interface Answer {
  status: number;
  body: string;
  type: string | null;
}

async function get(bot: TestBot, path: string): Promise<Answer> {
  const port = bot.bot.http?.port;
  assert.ok(port, 'the listener is on');
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** Waits (bounded) until `check` holds; the bot's gateway state changes on a socket event, not synchronously. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format (version 0.0.4): every non-comment line must parse. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    assert.ok(!Number.isNaN(value), `not a number: ${line}`);
    samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('health and metrics listener', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: PlexDouble;
  let dead: PlexDouble;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    dead = await startPlexDouble({ token: DEAD_TOKEN, friendlyName: 'PlexAttic' });
    bot = await startTestBot({ discord, config: { httpPort: 0 } });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('server', 'add', { platform: 'plex', name: 'PlexAttic', url: dead.url, token: DEAD_TOKEN });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.closeDms(ALICE.id); // so that a failed notice shows in the metrics
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await dead?.stop();
  });

  test('/healthz says the process is alive', async () => {
    const r = await get(bot, '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'alive' });
    assert.equal((await get(bot, '/nothing-here')).status, 404);
  });

  test('/readyz is 200 with the servers listed; a server failing for over three poll intervals is degraded, not unready', async () => {
    const session = (n: number) => ({
      user: { id: 7001, title: 'alice_plex' },
      player: {
        state: 'playing' as const,
        device: `Phone ${n}`,
        product: 'Plex for Android',
        address: `203.0.113.${n}`,
        machineIdentifier: `dev-${n}`,
        title: `Phone ${n}`,
      },
      type: 'movie' as const,
      title: `Movie ${n}`,
      sessionKey: String(40 + n),
    });
    plex.setSessions([session(1), session(2)]);
    dead.fault = 'server-error';
    await bot.bot.ctx.runCycleNow();
    let ready = await get(bot, '/readyz');
    assert.equal(ready.status, 200);
    let body = JSON.parse(ready.body);
    assert.equal(body.ready, true);
    assert.deepEqual(body.failing, []);
    assert.deepEqual(
      body.servers.map((s: { name: string; status: string }) => [s.name, s.status]),
      [
        ['PlexAttic', 'down'],
        ['PlexMain', 'up'],
      ],
    );
    const main = body.servers.find((s: { name: string }) => s.name === 'PlexMain');
    assert.equal(main.lastSuccessfulRead, bot.clock.now().toISOString());

    // Exactly three 5-minute intervals later it is still only down; past that, degraded, and the bot stays ready.
    const failingSince = bot.clock.now().toISOString();
    bot.clock.advance(15 * 60_000);
    await bot.bot.ctx.runCycleNow();
    body = JSON.parse((await get(bot, '/readyz')).body);
    assert.equal(body.servers[0].status, 'down');
    bot.clock.advance(60_000);
    await bot.bot.ctx.runCycleNow();
    ready = await get(bot, '/readyz');
    assert.equal(ready.status, 200, 'a media server outage never makes the bot unready');
    body = JSON.parse(ready.body);
    assert.equal(body.servers[0].status, 'degraded');
    assert.equal(body.servers[0].failingSince, failingSince);
    assert.equal(body.servers[0].lastSuccessfulRead, null);
    assert.doesNotMatch(ready.body, new RegExp(`${PLEX_TOKEN}|${DEAD_TOKEN}`));
  });

  test('/metrics parses and has the expected series, with no tokens, member names or addresses', async () => {
    plex.setSessions([
      {
        user: { id: 7001, title: 'alice_plex' },
        player: {
          state: 'playing',
          device: 'TV',
          address: '203.0.113.9',
          machineIdentifier: 'tv-1',
          title: 'TV',
        },
        type: 'episode',
        title: 'Episode',
        sessionKey: '77',
      },
    ]);
    await bot.bot.ctx.runCycleNow();
    const r = await get(bot, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(r.body);
    const one = (name: string, labels: Record<string, string> = {}) => {
      const found = find(samples, name, labels);
      assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
      return (found[0] as Sample).value;
    };
    assert.equal(one('streamwarden_cycles_total', { result: 'completed' }), 4);
    assert.equal(one('streamwarden_streams_seen', { server: 'PlexMain' }), 1);
    assert.equal(one('streamwarden_streams_seen', { server: 'PlexAttic' }), 0);
    assert.equal(
      one('streamwarden_breaches_total', { dry_run: 'false' }),
      1,
      'one episode, not one per cycle',
    );
    assert.ok(plex.terminations.length >= 1);
    assert.equal(
      one('streamwarden_stream_stops_total', { platform: 'plex', result: 'stopped' }),
      plex.terminations.length,
    );
    assert.equal(one('streamwarden_notices_total', { channel: 'dm', result: 'failed' }), 1);
    assert.equal(
      find(samples, 'streamwarden_notices_total', { channel: 'dm', result: 'delivered' }).length,
      0,
    );
    assert.ok(one('streamwarden_notices_total', { channel: 'alert', result: 'delivered' }) >= 2);
    assert.equal(one('streamwarden_server_up', { server: 'PlexMain', platform: 'plex' }), 1);
    assert.equal(one('streamwarden_server_up', { server: 'PlexAttic', platform: 'plex' }), 0);
    assert.equal(one('streamwarden_server_degraded', { server: 'PlexAttic' }), 1);
    assert.equal(one('streamwarden_server_degraded', { server: 'PlexMain' }), 0);
    assert.equal(one('streamwarden_server_push_connected', { server: 'PlexMain' }), 0);
    assert.equal(
      one('streamwarden_server_last_success_timestamp_seconds', { server: 'PlexMain' }),
      bot.clock.now().getTime() / 1000,
    );
    for (const state of ['disabled', 'disable-failed', 'enable-failed'])
      assert.equal(one('streamwarden_download_switches', { state }), 0);
    assert.equal(one('streamwarden_downloads_counted_this_week'), 0);
    const reads = find(samples, 'streamwarden_media_read_duration_seconds_count', {
      platform: 'plex',
      operation: 'listStreams',
    });
    assert.deepEqual(reads.map((s) => s.labels.result).sort(), ['error', 'ok']);
    assert.ok(find(samples, 'streamwarden_media_read_duration_seconds_bucket').length > 0);
    assert.ok(find(samples, 'process_cpu_user_seconds_total').length === 1, 'process metrics');
    assert.ok(find(samples, 'nodejs_heap_size_used_bytes').length === 1, 'Node.js metrics');

    const labelText = samples.flatMap((s) => Object.values(s.labels)).join('\n');
    for (const secret of [PLEX_TOKEN, DEAD_TOKEN, discord.token]) assert.ok(!r.body.includes(secret));
    assert.doesNotMatch(labelText, /alice|203\.0\.113|127\.0\.0\.1/);
  });

  test('/readyz is 503 naming the gateway when the Discord connection is gone', async () => {
    discord.disconnectGateway(4004); // "Authentication failed": discord.js does not reconnect after this code.
    const r = await eventually(
      () => get(bot, '/readyz'),
      (a) => a.status === 503,
    );
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body);
    assert.deepEqual(body.failing, ['gateway']);
    assert.equal(body.checks.gateway.ok, false);
    assert.equal(body.checks.database.ok, true);
  });
});

test('/readyz is 503 naming the database when it does not answer', async () => {
  const discord = await DiscordDouble.start();
  const bot = await startTestBot({ discord, config: { httpPort: 0 } });
  try {
    assert.equal((await get(bot, '/readyz')).status, 200);
    await bot.bot.database.close();
    const r = await get(bot, '/readyz');
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body);
    assert.deepEqual(body.failing, ['database']);
    assert.equal(body.checks.gateway.ok, true);
    assert.deepEqual(body.servers, []);
    assert.equal((await get(bot, '/healthz')).status, 200, 'alive all the same');
  } finally {
    await bot.stop().catch(() => {});
    await discord.stop();
  }
});
