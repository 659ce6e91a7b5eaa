import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createEmbyServer } from '../../src/media/emby/client.ts';
import { createJellyfinServer } from '../../src/media/jellyfin/client.ts';
import type { MediaErrorKind, MediaServer, MediaServerConfig } from '../../src/media/types.ts';
import { MediaServerError, PartialDownloadsError } from '../../src/media/types.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import {
  type Fault,
  type MediaBrowserDouble,
  type SessionSpec,
  startJellyfinDouble,
} from '../doubles/jellyfin.ts';
import { mediaBrowser4kTranscode, mediaBrowserHdTranscode } from '../helpers/transcodes.ts';

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

    it('identify reads System/Info, the real version included', async () => {
      const identity = await server.identify();
      assert.equal(identity.serverId, double.serverId);
      assert.equal(identity.name, 'Basement');
      assert.equal(identity.version, flavor.platform === 'jellyfin' ? '12.0.0' : '4.8.11.0');
      const older = await flavor.start({ version: flavor.platform === 'jellyfin' ? '10.10.7' : '4.7.14.0' });
      try {
        const old = flavor.create({ ...config(), url: older.url, token: older.token });
        assert.equal((await old.identify()).version, flavor.platform === 'jellyfin' ? '10.10.7' : '4.7.14.0');
      } finally {
        await older.stop();
      }
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
        delivery: { method: 'direct-play', videoTranscode: false, sourceHeight: 1080 },
      });
      assert.equal(byKey.get('sess-movie')?.state, 'paused');
      assert.equal(byKey.get('sess-idle')?.state, null);
    });

    it('listStreams reads how each stream is delivered and the original height, not the converted one', async () => {
      const base = SESSIONS[1] as SessionSpec;
      const session = (id: string, over: Partial<SessionSpec>): SessionSpec => ({
        ...base,
        id,
        deviceId: `dev-${id}`,
        paused: false,
        transcoding: false,
        ...over,
      });
      double.setSessions([
        mediaBrowser4kTranscode(session('uhd-transcode', {})),
        mediaBrowserHdTranscode(session('hd-transcode', {})),
        session('uhd-direct', { item: { name: 'Baraka', type: 'Movie', height: 2160 } }),
        session('remux', { delivery: { method: 'DirectStream' } }),
        session('audio-only', {
          item: { name: 'Heat', type: 'Movie', height: 2160 },
          delivery: { method: 'Transcode', videoDirect: true },
        }),
        session('not-reported-yet', { delivery: { method: 'Transcode', noTranscodingInfo: true } }),
      ]);
      const before = double.requests.length;
      const streams = await server.listStreams();
      assert.deepEqual(
        streams.map((s) => [s.key, s.delivery]),
        [
          ['uhd-transcode', { method: 'transcode', videoTranscode: true, sourceHeight: 2160 }],
          ['hd-transcode', { method: 'transcode', videoTranscode: true, sourceHeight: 1080 }],
          ['uhd-direct', { method: 'direct-play', videoTranscode: false, sourceHeight: 2160 }],
          ['remux', { method: 'direct-stream', videoTranscode: false, sourceHeight: 1080 }],
          ['audio-only', { method: 'transcode', videoTranscode: false, sourceHeight: 2160 }],
          ['not-reported-yet', { method: 'transcode', videoTranscode: false, sourceHeight: 1080 }],
        ],
      );
      // The session carries the file's streams: one request, no item look-up.
      assert.equal(double.requests.length - before, 1);
    });

    it('stopStream sends the message, then Stop; the next read shows the session idle', async () => {
      const stream = (await server.listStreams()).find((s) => s.key === 'sess-movie');
      assert.ok(stream);
      const result = await server.stopStream(stream, {
        title: 'Stream limit',
        text: 'You are over your 2 streams.',
      });
      assert.deepEqual(result, { ok: true, message: { ok: true } });
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
      assert.equal(result.ok, true);
      // The message's 400 is a capability failure (a route that refuses what it is sent), reported beside the stop.
      assert.equal(result.message?.ok, false);
      assert.match(result.message?.ok === false ? result.message.reason : '', /HTTP 400/);
      assert.equal(double.messages.length, 0);
      assert.equal(double.playstateCommands.length, 1);
    });

    it('Stop on a session that has just ended (404) is "already ended", not a failure', async () => {
      const [stream] = await server.listStreams();
      assert.ok(stream);
      double.setSessions([]);
      const result = await server.stopStream(stream, { title: 't', text: 'x' });
      assert.deepEqual(result, { ok: true, alreadyEnded: true });
      const stop = double.requests.find((r) => r.path.endsWith('/Playing/Stop'));
      assert.ok(stop, 'the stop was sent');
      assert.equal(double.playstateCommands.length, 0);
    });

    it('a stop the server refuses answers ok:false with a reason, without throwing', async () => {
      const [stream] = await server.listStreams();
      assert.ok(stream);
      double.fault = 'server-error';
      const failed = await server.stopStream(stream, { title: 't', text: 'x' });
      assert.equal(failed.ok, false);
      assert.match(failed.reason ?? '', /HTTP 500/);
      assert.equal(failed.serverRefuses, false, 'a 500 is the health of the server, not a refusal to stop');
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
      const usersPath = flavor.platform === 'jellyfin' ? /\/Users$/ : /\/Users\/Query$/;
      assert.equal(double.requests.filter((r) => usersPath.test(r.path)).length, 1);
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
        server.setDownloadsAllowed({ id: 'dead0000dead0000dead0000dead0000', name: 'ghost' }, false),
        expectError('not-found'),
      );
      assert.equal(double.policyUpdates.length, 0);
    });

    it('a full policy round-trip keeps fields we do not use, unknown ones and the provider ids', async () => {
      const extraPolicy = { EnableFutureFeature: true, FutureLimit: 7 };
      const carol = { id: 'c4401000c4401000c4401000c4401000', name: 'carol' };
      double.setUsers([alice, bob, { ...carol, extraPolicy }]);
      const original = double.user(carol.id)?.Policy as Record<string, unknown>;
      await server.setDownloadsAllowed(carol, false);
      const sent = double.policyUpdates[0]?.policy ?? {};
      assert.equal(sent.EnableContentDownloading, false);
      assert.equal(sent.EnableFutureFeature, true);
      assert.equal(sent.FutureLimit, 7);
      assert.equal(sent.AuthenticationProviderId, original.AuthenticationProviderId);
      if (flavor.platform === 'jellyfin') {
        assert.equal(sent.PasswordResetProviderId, original.PasswordResetProviderId);
      }
      await server.setDownloadsAllowed(carol, true);
      assert.deepEqual(double.user(carol.id)?.Policy, original);
    });

    it('the double treats a partial policy the way the server does', async () => {
      const headers: Record<string, string> =
        flavor.platform === 'jellyfin'
          ? { Authorization: `MediaBrowser Token="${double.token}"` }
          : { 'X-Emby-Token': double.token };
      const before = double.user(alice.id)?.Policy as Record<string, unknown>;
      const res = await fetch(`${double.url}/Users/${alice.id}/Policy`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ EnableContentDownloading: false }),
      });
      if (flavor.platform === 'jellyfin') {
        // [Required] AuthenticationProviderId / PasswordResetProviderId → ASP.NET Core validation problem.
        assert.equal(res.status, 400);
        assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
        const problem = (await res.json()) as { errors: Record<string, string[]> };
        assert.ok(Object.keys(problem.errors).some((k) => k.endsWith('ProviderId')));
        assert.deepEqual(double.user(alice.id)?.Policy, before);
      } else {
        // Accepted, and everything left out is reset: why the adapter always sends the whole policy.
        assert.equal(res.status, 200);
        const after = double.user(alice.id)?.Policy as Record<string, unknown>;
        assert.equal(after.EnableContentDownloading, false);
        assert.equal(after.EnableMediaPlayback, false);
        assert.deepEqual(after.EnabledFolders, []);
      }
    });

    it('a policy the server accepts but does not apply is not-applied', async () => {
      double.faultOn = { path: /\/Policy$/i, status: 204 };
      await assert.rejects(server.setDownloadsAllowed(alice, false), expectError('not-applied'));
    });

    it('a redirect is never followed: redirect on every read', async () => {
      double.fault = 'redirect';
      await assert.rejects(server.identify(), expectError('redirect', double.token));
      await assert.rejects(server.listStreams(), expectError('redirect', double.token));
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
      message: { ok: true },
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

  it('Jellyfin 12: the double honours only Authorization: MediaBrowser and ApiKey; 10.x also the legacy ones', async () => {
    double = await startJellyfinDouble();
    const status = async (d: MediaBrowserDouble, path: string, headers: Record<string, string> = {}) =>
      (await fetch(`${d.url}${path}`, { headers })).status;
    const t = double.token;
    assert.equal(await status(double, '/System/Info', { Authorization: `MediaBrowser Token="${t}"` }), 200);
    assert.equal(await status(double, `/System/Info?ApiKey=${t}`), 200);
    assert.equal(await status(double, '/System/Info', { 'X-Emby-Token': t }), 401);
    assert.equal(await status(double, `/System/Info?api_key=${t}`), 401);
    assert.equal(await status(double, '/System/Info', { Authorization: `Emby Token="${t}"` }), 401);
    const legacy = await startJellyfinDouble({ version: '10.10.7' });
    try {
      assert.equal(await status(legacy, '/System/Info', { 'X-Emby-Token': legacy.token }), 200);
      assert.equal(await status(legacy, `/System/Info?api_key=${legacy.token}`), 200);
    } finally {
      await legacy.stop();
    }
  });

  it('Jellyfin 12: every adapter call works with the Authorization header alone', async () => {
    double = await startJellyfinDouble({ users: [alice, bob], sessions: SESSIONS });
    double.addActivity({ user: alice, item: matrix, date: ago(HOUR) });
    const server = createJellyfinServer({ platform: 'jellyfin', url: double.url, token: double.token });
    await server.identify();
    const streams = await server.listStreams();
    assert.equal(streams.length, 3);
    assert.equal((await server.listDownloads()).length, 1);
    assert.equal((await server.listAccounts()).length, 2);
    await server.setDownloadsAllowed(alice, false);
    const [stream] = streams;
    assert.ok(stream);
    assert.deepEqual(await server.stopStream(stream, { title: 'Limit', text: 'Too many' }), {
      ok: true,
      message: { ok: true },
    });
    for (const r of double.requests) {
      assert.match(r.headers.authorization ?? '', /^MediaBrowser .*Token="/, `${r.method} ${r.path}`);
      assert.equal(r.headers['x-emby-token'], undefined);
      assert.equal(r.query.api_key, undefined);
    }
  });

  it('titles come from structured fields: episodes and music', async () => {
    double = await startJellyfinDouble({
      sessions: [
        {
          id: 's-music',
          user: alice,
          device: 'Web',
          client: 'Jellyfin Web',
          deviceId: 'web-1',
          ip: '203.0.113.9',
          item: { name: 'Teardrop', type: 'Audio', artists: ['Massive Attack'], album: 'Mezzanine' },
        },
        ...SESSIONS,
      ],
    });
    const server = createJellyfinServer({ platform: 'jellyfin', url: double.url, token: double.token });
    const titles = new Map((await server.listStreams()).map((s) => [s.key, s.title]));
    assert.equal(titles.get('s-music'), 'Massive Attack — Mezzanine — Teardrop');
    assert.equal(titles.get('sess-episode'), 'Some Show — S01E05 — Chapter 5');
  });

  it('the double can play a player that ignores Stop', async () => {
    double = await startJellyfinDouble({
      sessions: [{ ...(SESSIONS[1] as SessionSpec), ignoresStop: true }],
    });
    const server = createJellyfinServer({ platform: 'jellyfin', url: double.url, token: double.token });
    const [stream] = await server.listStreams();
    assert.ok(stream);
    assert.deepEqual(await server.stopStream(stream, { title: 't', text: 'x' }), {
      ok: true,
      message: { ok: true },
    });
    assert.equal((await server.listStreams())[0]?.state, 'paused');
  });

  const embySync = (carol: { id: string; name: string }) => [
    {
      user: bob,
      targetId: 'px-1',
      targetName: 'Pixel 8',
      name: 'Heat',
      dateCreated: ago(2 * HOUR),
      items: [
        { itemId: '5501', name: 'Heat', status: 'Synced' as const },
        { itemId: '5502', name: 'Ronin', status: 'Transferring' as const, progress: 40 },
      ],
    },
    {
      user: alice,
      targetId: 'ios-1',
      targetName: 'iPad',
      name: 'Old',
      dateCreated: ago(30 * 24 * HOUR),
      items: [{ itemId: '1', name: 'Old', status: 'Synced' as const }],
    },
    {
      user: carol,
      targetId: 'shared-tablet',
      targetName: 'Family tablet',
      name: 'Alien',
      dateCreated: ago(3 * HOUR),
      items: [{ itemId: '6601', name: 'Alien', status: 'Queued' as const }],
    },
    {
      user: carol,
      targetId: 'carol-phone',
      targetName: "Carol's phone",
      name: 'Aliens',
      dateCreated: ago(3 * HOUR),
      items: [{ itemId: '6602', name: 'Aliens', status: 'Synced' as const }],
    },
    {
      user: bob,
      targetId: 'shared-tablet',
      targetName: 'Family tablet',
      name: 'Thief',
      dateCreated: ago(HOUR),
      items: [{ itemId: '7701', name: 'Thief', status: 'Synced' as const }],
    },
  ];

  it("Emby: sync job items (numeric ids) are attributed through the users' sync targets", async () => {
    const carol = { id: 'c4401000c4401000c4401000c4401000', name: 'carol' };
    double = await startEmbyDouble({ users: [alice, bob, carol] });
    const [logged] = double.addActivity({
      user: alice,
      item: matrix,
      date: ago(HOUR),
      client: 'Emby for Android',
    });
    double.setSyncJobs(embySync(carol));
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    const downloads = await server.listDownloads();
    assert.deepEqual(
      downloads.map((d) => [d.id, d.accountId, d.accountName, d.title, d.progress, d.complete]).sort(),
      [
        [String(logged?.Id), alice.id, 'alice', 'The Matrix', null, true],
        ['sync:100', bob.id, 'bob', 'Heat', 100, true],
        ['sync:101', bob.id, 'bob', 'Ronin', 40, false],
        // The family tablet is a sync target of both carol and bob: its jobs are settled by the internal UserId
        // learnt from each one's own device.
        ['sync:300', carol.id, 'carol', 'Alien', 0, false],
        ['sync:500', bob.id, 'bob', 'Thief', 100, true],
        ['sync:400', carol.id, 'carol', 'Aliens', 100, true],
      ].sort(),
    );
    const jobItemReads = double.requests.filter((r) => r.path === '/emby/Sync/JobItems');
    assert.deepEqual(jobItemReads.map((r) => r.query.TargetId).sort(), [
      'carol-phone',
      'ios-1',
      'px-1',
      'shared-tablet',
    ]);
    const targetReads = double.requests.filter((r) => r.path === '/emby/Sync/Targets');
    assert.deepEqual(targetReads.map((r) => r.query.UserId).sort(), [alice.id, bob.id, carol.id].sort());
  });

  it('Emby: the double answers /Sync/JobItems without TargetId with 400, as the server does', async () => {
    double = await startEmbyDouble({ users: [alice] });
    const headers = { 'X-Emby-Token': double.token };
    assert.equal((await fetch(`${double.url}/emby/Sync/JobItems`, { headers })).status, 400);
    assert.equal((await fetch(`${double.url}/emby/Sync/Targets`, { headers })).status, 400);
    assert.equal((await fetch(`${double.url}/emby/Users`, { headers })).status, 404);
    assert.equal((await fetch(`${double.url}/emby/Sync/JobItems?TargetId=x`, { headers })).status, 200);
  });

  it('Emby: a failing JobItems read keeps the activity-log downloads (PartialDownloadsError.found)', async () => {
    const carol = { id: 'c4401000c4401000c4401000c4401000', name: 'carol' };
    double = await startEmbyDouble({ users: [alice, bob, carol] });
    const [logged] = double.addActivity({ user: alice, item: matrix, date: ago(HOUR) });
    double.setSyncJobs(embySync(carol));
    double.faultOn = { path: /^\/Sync\/JobItems$/i, status: 400 };
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    await assert.rejects(server.listDownloads(), (err: unknown) => {
      assert.ok(err instanceof PartialDownloadsError, String(err));
      assert.equal(err.kind, 'server-error');
      assert.deepEqual(
        err.found.map((d) => [d.id, d.accountName]),
        [[String(logged?.Id), 'alice']],
      );
      return true;
    });
  });

  it('Emby: a failing activity log keeps the sync downloads, and still throws', async () => {
    double = await startEmbyDouble({ users: [alice, bob] });
    double.setSyncJobs(embySync({ id: alice.id, name: 'alice' }).slice(0, 1));
    double.faultOn = { path: /ActivityLog/i, status: 500 };
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    await assert.rejects(server.listDownloads(), (err: unknown) => {
      assert.ok(err instanceof PartialDownloadsError);
      assert.deepEqual(
        err.found.map((d) => d.id),
        ['sync:100', 'sync:101'],
      );
      return true;
    });
    double.faultOn = null;
    double.setSyncJobs([]);
    double.faultOn = { path: /ActivityLog/i, status: 500 };
    await assert.rejects(server.listDownloads(), (err: unknown) => {
      assert.ok(!(err instanceof PartialDownloadsError), 'nothing found: a plain error');
      return expectError('server-error')(err);
    });
  });

  it('Emby: no Sync API (404) means no sync downloads, not an error', async () => {
    double = await startEmbyDouble({ users: [alice], sync: false });
    const server = createEmbyServer({ platform: 'emby', url: double.url, token: double.token });
    assert.deepEqual(await server.listDownloads(), []);
    assert.ok(double.requests.some((r) => r.path === '/emby/Sync/Jobs'));
  });
  // Entries are written in the server's language (the double uses jellyfin's Localization/Core de.json and fr.json);
  // the title comes from the item, batched in one `GET /Items?ids=` per read, and falls back to the sentence.
  for (const [language, sentence] of [
    ['de', 'alice lädt Pilot herunter'],
    ['fr', 'alice est en train de télécharger Pilot'],
  ] as const) {
    it(`Jellyfin in ${language}: download titles come from the items, not the localized sentence`, async () => {
      double = await startJellyfinDouble({ users: [alice, bob], language });
      const server = createJellyfinServer({ platform: 'jellyfin', url: double.url, token: double.token });
      const pilot = {
        id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
        name: 'Pilot',
        type: 'Episode' as const,
        seriesName: 'Some Show',
        season: 1,
        episode: 1,
      };
      const gone = { id: 'dead0000dead0000dead0000dead0000', name: 'Heat' };
      const [entry] = double.addActivity(
        { user: alice, item: pilot, date: ago(2 * HOUR) },
        { user: bob, item: matrix, date: ago(3 * HOUR) },
        { user: bob, item: gone, date: ago(4 * HOUR) },
      );
      assert.equal(entry?.Name, sentence);
      double.forgetItem(gone.id);
      const downloads = await server.listDownloads();
      assert.deepEqual(
        downloads.map((d) => [d.accountName, d.title]),
        [
          ['bob', language === 'de' ? 'bob lädt Heat herunter' : 'bob est en train de télécharger Heat'],
          ['bob', 'The Matrix'],
          ['alice', 'Some Show — S01E01 — Pilot'],
        ],
      );
      const reads = double.requests.filter((r) => /\/Items$/.test(r.path));
      assert.equal(reads.length, 1, 'one batched read');
      assert.deepEqual(new Set(reads[0]?.query.ids?.split(',')), new Set([pilot.id, matrix.id, gone.id]));
    });
  }

  it('Jellyfin: a failing item read keeps the downloads with the English sentence cut', async () => {
    double = await startJellyfinDouble({ users: [alice] });
    const server = createJellyfinServer({ platform: 'jellyfin', url: double.url, token: double.token });
    double.addActivity({ user: alice, item: matrix, date: ago(HOUR) });
    double.faultOn = { path: /^\/Items$/i, status: 500 };
    assert.deepEqual(
      (await server.listDownloads()).map((d) => d.title),
      ['The Matrix'],
    );
  });
});
