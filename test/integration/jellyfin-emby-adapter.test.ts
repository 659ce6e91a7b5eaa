import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createEmbyServer } from '../../src/media/emby/client.ts';
import { createJellyfinServer } from '../../src/media/jellyfin/client.ts';
import type { MediaErrorKind, MediaServer, MediaServerConfig } from '../../src/media/types.ts';
import { MediaServerError } from '../../src/media/types.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import {
  type Fault,
  type MediaBrowserDouble,
  type SessionSpec,
  startJellyfinDouble,
} from '../doubles/jellyfin.ts';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const alice = { id: 'a11ce000a11ce000a11ce000a11ce000', name: 'alice' };
const bob = { id: 'b0b00000b0b00000b0b00000b0b00000', name: 'bob' };
const matrix = { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'The Matrix' };

const SESSIONS: SessionSpec[] = [
  {
    id: 'sess-episode',
    user: alice,
    device: "Alice's iPhone",
    client: 'Jellyfin iOS',
    deviceId: 'ios-1',
    ip: '::ffff:203.0.113.7',
    item: { name: 'Chapter 5', type: 'Episode', seriesName: 'Some Show', season: 1, episode: 5 },
  },
  {
    id: 'sess-movie',
    user: bob,
    device: 'Living room TV',
    client: 'Jellyfin Android TV',
    deviceId: 'tv-1',
    ip: '198.51.100.4',
    item: { name: 'Heat', type: 'Movie' },
    paused: true,
    transcoding: true,
  },
  {
    id: 'sess-idle',
    user: bob,
    device: 'Pixel 8',
    client: 'Jellyfin Android',
    deviceId: 'px-1',
    ip: '198.51.100.9',
  },
];

function expectError(kind: MediaErrorKind, token?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof MediaServerError, `expected MediaServerError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (token) assert.ok(!err.message.includes(token), 'error message leaks the token');
    return true;
  };
}

const flavors = [
  { platform: 'jellyfin', start: startJellyfinDouble, create: createJellyfinServer },
  { platform: 'emby', start: startEmbyDouble, create: createEmbyServer },
] as const;

for (const flavor of flavors) {
  describe(`${flavor.platform} adapter against its double`, () => {
    let double: MediaBrowserDouble;
    let server: MediaServer;
    const config = (over: Partial<MediaServerConfig> = {}): MediaServerConfig => ({
      platform: flavor.platform,
      url: double.url,
      token: double.token,
      timeoutMs: 2000,
      ...over,
    });

    beforeEach(async () => {
      double = await flavor.start({ users: [alice, bob], sessions: SESSIONS });
      server = flavor.create(config());
    });
    afterEach(() => double.stop());

    it('identify reads System/Info', async () => {
      const identity = await server.identify();
      assert.equal(identity.serverId, double.serverId);
      assert.equal(identity.name, 'Basement');
      assert.match(identity.version, flavor.platform === 'jellyfin' ? /^10\./ : /^4\./);
      assert.deepEqual(
        { premium: identity.premium, canStop: identity.canStopStreams, why: identity.stopUnavailableReason },
        { premium: null, canStop: true, why: null },
      );
    });

    it('a wrong token is unauthorized and never echoed', async () => {
      const wrong = flavor.create(config({ token: 'wrong-token-0123456789' }));
      await assert.rejects(wrong.identify(), expectError('unauthorized', 'wrong-token-0123456789'));
    });

    it('supports every capability', () => {
      for (const c of [
        'stop-stream',
        'on-screen-message',
        'download-activity',
        'toggle-downloads',
      ] as const) {
        assert.equal(server.supports(c), true, c);
      }
    });

    it('listStreams maps sessions, idle ones with state null', async () => {
      const streams = await server.listStreams();
      const byKey = new Map(streams.map((s) => [s.key, s]));
      assert.equal(streams.length, 3);
      assert.deepEqual(byKey.get('sess-episode'), {
        sessionId: 'sess-episode',
        key: 'sess-episode',
        accountId: alice.id,
        accountName: 'alice',
        isOwner: false,
        deviceId: 'ios-1',
        device: "Alice's iPhone",
        product: 'Jellyfin iOS',
        ipAddress: '203.0.113.7',
        title: 'Some Show — S01E05 — Chapter 5',
        state: 'playing',
        startedAt: null,
      });
      assert.equal(byKey.get('sess-movie')?.state, 'paused');
      assert.equal(byKey.get('sess-idle')?.state, null);
    });

    it('stopStream sends the message, then Stop; the next read shows the session idle', async () => {
      const stream = (await server.listStreams()).find((s) => s.key === 'sess-movie');
      assert.ok(stream);
      const result = await server.stopStream(stream, {
        title: 'Stream limit',
        text: 'You are over your 2 streams.',
      });
      assert.deepEqual(result, { ok: true });
      assert.deepEqual(
        double.messages.map(({ sessionId, header, text, timeoutMs }) => ({
          sessionId,
          header,
          text,
          timeoutMs,
        })),
        [
          {
            sessionId: 'sess-movie',
            header: 'Stream limit',
            text: 'You are over your 2 streams.',
            timeoutMs: 10000,
          },
        ],
      );
      assert.deepEqual(double.playstateCommands, [{ sessionId: 'sess-movie', command: 'Stop' }]);
      const order = double.requests
        .filter((r) => r.method === 'POST')
        .map((r) => r.path.replace(/^\/emby/, ''));
      assert.deepEqual(order, ['/Sessions/sess-movie/Message', '/Sessions/sess-movie/Playing/Stop']);
      const after = (await server.listStreams()).find((s) => s.key === 'sess-movie');
      assert.equal(after?.state, null);
    });

    it('a failed message does not prevent the stop', async () => {
      const [stream] = await server.listStreams();
      assert.ok(stream);
      const result = await server.stopStream(stream, { title: '', text: '' }); // empty Text → 400 on the message
      assert.deepEqual(result, { ok: true });
      assert.equal(double.messages.length, 0);
      assert.equal(double.playstateCommands.length, 1);
    });

    it('stopping a session the server no longer knows answers ok:false, without throwing', async () => {
      const [stream] = await server.listStreams();
      assert.ok(stream);
      double.setSessions([]);
      const result = await server.stopStream(stream, { title: 't', text: 'x' });
      assert.deepEqual(result, {
        ok: false,
        reason: 'The server no longer knows this session (it may have just ended).',
      });
      double.fault = 'server-error';
      const failed = await server.stopStream(stream, { title: 't', text: 'x' });
      assert.equal(failed.ok, false);
      assert.match(failed.reason ?? '', /HTTP 500/);
      assert.ok(!failed.reason?.includes(double.token));
    });

    it('listDownloads collapses duplicate entries, ignores other types and names the accounts', async () => {
      const android = [50, 49, 48, 47].map((min) => ({ user: alice, item: matrix, date: ago(min * 60_000) }));
      const [first] = double.addActivity(...android);
      const [bobs] = double.addActivity({
        user: bob,
        item: { id: 'ffff0000', name: 'Heat' },
        date: ago(72 * HOUR),
      });
      double.addActivity(
        { user: alice, item: { id: 'eeee0000', name: 'Ronin' }, date: ago(10 * 24 * HOUR) }, // older than the window
        { type: 'VideoPlayback', user: bob, item: matrix, date: ago(HOUR) },
        { type: 'AuthenticationSucceeded', user: alice, date: ago(HOUR) },
      );
      double.setSyncJobs([]);
      const downloads = await server.listDownloads();
      assert.deepEqual(
        downloads.map((d) => [d.id, d.accountName, d.title, d.complete]),
        [
          [String(bobs?.Id), 'bob', 'Heat', true],
          [String(first?.Id), 'alice', 'The Matrix', true],
        ],
      );
      const logRead = double.requests.find((r) => /ActivityLog\/Entries$/i.test(r.path));
      assert.equal(logRead?.query.limit, '1000');
      assert.equal(logRead?.query.hasUserId, 'true');
      const minDate = new Date(logRead?.query.minDate ?? '');
      assert.ok(Math.abs(Date.now() - 8 * 24 * HOUR - minDate.getTime()) < 60_000);
      assert.equal(double.requests.filter((r) => /\/Users$/.test(r.path)).length, 1);
    });

    it('listDownloads pages through a long activity log', async () => {
      const [old] = double.addActivity({ user: alice, item: matrix, date: ago(48 * HOUR) });
      const noise = Array.from({ length: 1500 }, (_, i) => ({
        type: 'VideoPlayback',
        user: bob,
        item: matrix,
        date: ago(i * 1000),
      }));
      double.addActivity(...noise);
      const downloads = await server.listDownloads();
      assert.deepEqual(
        downloads.map((d) => d.id),
        [String(old?.Id)],
      );
      assert.equal(double.requests.filter((r) => /ActivityLog/i.test(r.path)).length, 2);
    });

    it('listAccounts lists users', async () => {
      assert.deepEqual(await server.listAccounts(), [alice, bob]);
    });

    it('setDownloadsAllowed false then true keeps every other policy field identical', async () => {
      const original = double.user(alice.id)?.Policy as Record<string, unknown>;
      const bobsPolicy = double.user(bob.id)?.Policy;
      await server.setDownloadsAllowed(alice, false);
      assert.deepEqual(double.user(alice.id)?.Policy, { ...original, EnableContentDownloading: false });
      await server.setDownloadsAllowed({ id: null, name: 'Alice' }, true); // resolved by name
      assert.deepEqual(double.user(alice.id)?.Policy, original);
      assert.deepEqual(
        double.policyUpdates.map((u) => u.userId),
        [alice.id, alice.id],
      );
      assert.deepEqual(double.user(bob.id)?.Policy, bobsPolicy);
    });

    it('an unknown user is not-found', async () => {
      await assert.rejects(
        server.setDownloadsAllowed({ id: null, name: 'mallory' }, false),
        (err: unknown) => {
          expectError('not-found')(err);
          assert.equal((err as Error).message, 'No user named mallory on this server');
          return true;
        },
      );
      await assert.rejects(
        server.setDownloadsAllowed({ id: 'deadbeef', name: 'ghost' }, false),
        expectError('not-found'),
      );
      assert.equal(double.policyUpdates.length, 0);
    });

    it('the double refuses a partial policy, like a careful server would', async () => {
      const headers: Record<string, string> =
        flavor.platform === 'jellyfin'
          ? { Authorization: `MediaBrowser Token="${double.token}"` }
          : { 'X-Emby-Token': double.token };
      const res = await fetch(`${double.url}/Users/${alice.id}/Policy`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ EnableContentDownloading: false }),
      });
      assert.equal(res.status, 400);
    });

    const faults: [Fault, MediaErrorKind][] = [
      ['unauthorized', 'unauthorized'],
      ['server-error', 'server-error'],
      ['garbage', 'bad-response'],
      ['hang', 'timeout'],
    ];
    for (const [fault, kind] of faults) {
      it(`fault '${fault}' → ${kind} on every read, token never in the message`, async () => {
        double.fault = fault;
        const quick = flavor.create(config({ timeoutMs: 150 }));
        await assert.rejects(quick.identify(), expectError(kind, double.token));
        await assert.rejects(quick.listStreams(), expectError(kind, double.token));
        await assert.rejects(quick.listDownloads(), expectError(kind, double.token));
        await assert.rejects(quick.listAccounts(), expectError(kind, double.token));
        await assert.rejects(quick.setDownloadsAllowed(alice, false), expectError(kind, double.token));
      });
    }
  });
}

describe('platform differences', () => {
  let double: MediaBrowserDouble;
  afterEach(() => double.stop());

  it('Jellyfin: only the MediaBrowser Authorization header, message as a JSON body', async () => {
    double = await startJellyfinDouble({ users: [alice], sessions: SESSIONS });
    const server = createJellyfinServer({ platform: 'jellyfin', url: `${double.url}/`, token: double.token });
    const [stream] = await server.listStreams();
    assert.ok(stream);
    await server.stopStream(stream, { title: 'Limit', text: 'Too many streams' });
    const message = double.requests.find((r) => r.path.endsWith('/Message'));
    assert.equal(
      message?.headers.authorization,
      `MediaBrowser Client="Streamwarden", Device="Streamwarden", DeviceId="streamwarden", Version="1", Token="${double.token}"`,
    );
    assert.equal(message?.headers['x-emby-token'], undefined);
    assert.deepEqual(message?.query, {});
    assert.deepEqual(JSON.parse(message?.body ?? ''), {
      Header: 'Limit',
      Text: 'Too many streams',
      TimeoutMs: 10000,
    });
  });

  it('Emby: X-Emby-Token, paths under /emby, message as query parameters', async () => {
    double = await startEmbyDouble({ users: [alice], sessions: SESSIONS });
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    const [stream] = await server.listStreams();
    assert.ok(stream);
    assert.deepEqual(await server.stopStream(stream, { title: 'Limit', text: 'Too many streams' }), {
      ok: true,
    });
    assert.ok(
      double.requests.every((r) => r.path.startsWith('/emby/') && r.headers['x-emby-token'] === double.token),
    );
    const message = double.requests.find((r) => r.path.endsWith('/Message'));
    assert.deepEqual(message?.query, { Header: 'Limit', Text: 'Too many streams', TimeoutMs: '10000' });
    assert.equal(message?.body, '');
    assert.equal(double.messages[0]?.via, 'query');
  });

  it('Emby: a URL that already ends in /emby is not doubled', async () => {
    double = await startEmbyDouble();
    const server = createEmbyServer({ platform: 'emby', url: `${double.url}/emby/`, token: double.token });
    await server.identify();
    assert.deepEqual(
      double.requests.map((r) => r.path),
      ['/emby/System/Info'],
    );
  });

  it('Emby: sync job items are downloads alongside the activity log', async () => {
    double = await startEmbyDouble({ users: [alice, bob] });
    const [logged] = double.addActivity({
      user: alice,
      item: matrix,
      date: ago(HOUR),
      client: 'Emby for Android',
    });
    double.setSyncJobs([
      {
        user: bob,
        targetId: 'px-1',
        targetName: 'Pixel 8',
        name: 'Heat',
        dateCreated: ago(2 * HOUR),
        items: [
          { itemId: '5501', name: 'Heat', status: 'Synced' },
          { itemId: '5502', name: 'Ronin', status: 'Transferring', progress: 40 },
        ],
      },
      {
        user: alice,
        targetId: 'ios-1',
        targetName: 'iPad',
        name: 'Old',
        dateCreated: ago(30 * 24 * HOUR),
        items: [{ itemId: '1', name: 'Old', status: 'Synced' }],
      },
    ]);
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    const downloads = await server.listDownloads();
    assert.deepEqual(
      downloads.map((d) => [d.id, d.accountName, d.title, d.progress, d.complete]),
      [
        [String(logged?.Id), 'alice', 'The Matrix', null, true],
        ['sync:100', 'bob', 'Heat', 100, true],
        ['sync:101', 'bob', 'Ronin', 40, false],
      ],
    );
  });

  it('Emby: no Sync API (404) means no sync downloads, not an error', async () => {
    double = await startEmbyDouble({ users: [alice], sync: false });
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    assert.deepEqual(await server.listDownloads(), []);
    assert.ok(double.requests.some((r) => r.path === '/emby/Sync/Jobs'));
  });
});
