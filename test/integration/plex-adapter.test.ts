// The Plex adapter against loopback doubles of PMS and plex.tv (test/doubles/plex.ts, plex-tv.ts).

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createPlexServer } from '../../src/media/plex/client.ts';
import type { ActiveStream, MediaErrorKind, MediaServer } from '../../src/media/types.ts';
import { MediaServerError, PartialAccountsError } from '../../src/media/types.ts';
import { type PlexDoubleOptions, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { type FriendSpec, type InviteSpec, RETIRED_ROUTES, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { plex4kDirectPlay, plex4kTranscode, plexHdTranscode } from '../helpers/transcodes.ts';

const OTHER_MACHINE = 'ffffffffffffffffffffffffffffffffffffffff';

const SESSIONS: PlexSessionSpec[] = [
  {
    user: { id: 24601, title: 'jvaljean' },
    player: {
      state: 'playing',
      product: 'Plex for iOS',
      title: 'Jean’s iPhone',
      address: '::ffff:192.168.1.20',
    },
    type: 'episode',
    title: 'Negotiating with Tigers',
    grandparentTitle: 'Slow Horses',
    sessionKey: '2',
  },
  {
    user: { id: 1, title: 'owner' },
    player: { state: 'paused', product: 'Plex Web', title: 'Chrome' },
    type: 'movie',
    title: 'Heat',
    sessionKey: '3',
  },
  {
    user: { id: 77, title: 'louise' },
    player: { state: 'playing', product: 'Plexamp', title: 'Pixel 8' },
    session: null,
    type: 'track',
    title: 'Reckoner',
    grandparentTitle: 'Radiohead',
    sessionKey: '31',
  },
  {
    user: { id: 24601, title: 'jvaljean' },
    type: 'track',
    title: 'Theme',
    sessionKey: '40',
    guid: 'library://9a1c/item/%2Flibrary%2Fmetadata%2F777',
  },
];

async function setup(
  options: {
    pms?: PlexDoubleOptions;
    friends?: (machine: string) => FriendSpec[];
    invites?: (machine: string) => InviteSpec[];
    timeoutMs?: number;
  } = {},
) {
  const pms = await startPlexDouble(options.pms);
  const tv = await startPlexTvDouble({
    token: pms.token,
    friends: options.friends?.(pms.machineIdentifier) ?? [],
    invites: options.invites?.(pms.machineIdentifier) ?? [],
  });
  after(async () => {
    await pms.stop();
    await tv.stop();
  });
  const server: MediaServer = createPlexServer({
    platform: 'plex',
    url: pms.url,
    token: pms.token,
    plexTvUrl: tv.url,
    timeoutMs: options.timeoutMs,
  });
  return { pms, tv, server };
}

function findStream(streams: ActiveStream[], key: string): ActiveStream {
  const stream = streams.find((s) => s.key === key);
  assert.ok(stream, `stream ${key}`);
  return stream;
}

async function expectError(
  promise: Promise<unknown>,
  kind: MediaErrorKind,
  token: string,
): Promise<MediaServerError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof MediaServerError, String(err));
    assert.equal(err.kind, kind, err.message);
    assert.ok(!err.message.includes(token), `token leaked: ${err.message}`);
    return err;
  }
  assert.fail(`expected MediaServerError('${kind}')`);
}

describe('identify', () => {
  it('with Plex Pass: can stop streams, sends the Plex client headers', async () => {
    const { pms, server } = await setup();
    const identity = await server.identify();
    assert.deepEqual(identity, {
      serverId: pms.machineIdentifier,
      name: 'Basement PMS',
      version: '1.40.2.8395-c67dce28e',
      premium: true,
      canStopStreams: true,
      stopUnavailableReason: null,
    });
    const request = pms.requests[0];
    assert.equal(request?.clientIdentifier, 'streamwarden');
    assert.equal(request?.product, 'Streamwarden');
    assert.equal(request?.accept, 'application/json');
    assert.ok(!('X-Plex-Token' in (request?.query ?? {})), 'token goes in a header, not the URL');
  });

  it('without Plex Pass: canStopStreams false with a reason naming Plex Pass', async () => {
    const { server } = await setup({ pms: { premium: false, format: 'xml-only' } });
    const identity = await server.identify();
    assert.equal(identity.premium, false);
    assert.equal(identity.canStopStreams, false);
    assert.match(identity.stopUnavailableReason ?? '', /Plex Pass/);
    assert.equal(server.supports('stop-stream'), true);
    assert.equal(server.supports('on-screen-message'), false);
    assert.equal(server.supports('download-activity'), true);
    assert.equal(server.supports('toggle-downloads'), true);
  });
});

describe('listStreams', () => {
  for (const format of ['negotiate', 'xml-only'] as const) {
    it(`reads sessions (${format})`, async () => {
      const { pms, server } = await setup({ pms: { format } });
      pms.setSessions(SESSIONS);
      const streams = await server.listStreams();
      const read = pms.requests.find((r) => r.path === '/status/sessions');
      assert.equal(read?.answeredAs, format === 'negotiate' ? 'json' : 'xml');
      assert.deepEqual(
        streams.map((s) => s.key),
        ['2', '3', '31'],
        'theme music is not a stream',
      );
      const episode = findStream(streams, '2');
      assert.equal(episode.accountId, '24601');
      assert.equal(episode.ipAddress, '192.168.1.20');
      assert.equal(episode.title, 'Slow Horses S01E01 – Negotiating with Tigers');
      assert.equal(episode.state, 'playing');
      assert.ok(episode.sessionId);
      const owned = findStream(streams, '3');
      assert.equal(owned.isOwner, true);
      assert.equal(owned.state, 'paused');
      const plexamp = findStream(streams, '31');
      assert.equal(plexamp.sessionId, null);
      assert.equal(plexamp.product, 'Plexamp');
    });
  }
});

describe('listStreams: delivery', () => {
  const jean = { id: 24601, title: 'jvaljean' };
  const movie = (sessionKey: string, title: string): PlexSessionSpec => ({
    user: jean,
    player: { machineIdentifier: `player-${sessionKey}` },
    type: 'movie',
    title,
    sessionKey,
  });
  const metadataReads = (pms: { requests: { path: string }[] }) =>
    pms.requests.filter((r) => r.path.startsWith('/library/metadata/')).map((r) => r.path);

  for (const format of ['negotiate', 'xml-only'] as const) {
    it(`reads how each stream is delivered and a converted 4K file's own height (${format})`, async () => {
      const { pms, server } = await setup({ pms: { format } });
      pms.setSessions([
        plex4kTranscode(movie('11', 'Dune: Part Two')),
        plexHdTranscode(movie('12', 'Heat')),
        plex4kDirectPlay(movie('13', 'Baraka')),
        movie('14', 'Alien'),
      ]);
      const streams = await server.listStreams();
      assert.deepEqual(
        streams.map((s) => [s.title, s.delivery]),
        [
          ['Dune: Part Two', { method: 'transcode', videoTranscode: true, sourceHeight: 2160 }],
          ['Heat', { method: 'transcode', videoTranscode: true, sourceHeight: 1080 }],
          ['Baraka', { method: 'direct-play', videoTranscode: false, sourceHeight: 2160 }],
          ['Alien', { method: 'direct-play', videoTranscode: false, sourceHeight: 1080 }],
        ],
      );
      // Only the converted videos cost a library read: the session itself describes a file played as it is.
      assert.deepEqual(metadataReads(pms).sort(), ['/library/metadata/40000', '/library/metadata/40001']);
    });
  }

  it('asks the library once per converted version, not once per read', async () => {
    const { pms, server } = await setup();
    pms.setSessions([movie('0', 'a'), movie('1', 'b'), plex4kTranscode(movie('21', 'Dune'))]);
    for (let read = 0; read < 3; read += 1) {
      const dune = (await server.listStreams()).find((s) => s.key === '21');
      assert.equal(dune?.delivery?.sourceHeight, 2160);
    }
    assert.deepEqual(metadataReads(pms), ['/library/metadata/40002']);
  });

  it('a library item that cannot be read leaves the height unknown and the stream still listed', async () => {
    const { pms, server } = await setup();
    pms.setSessions([plex4kTranscode(movie('31', 'Dune'))]);
    // The item was removed from the library while it plays: PMS answers 404 for it.
    pms.forgetLibrary();
    const [dune] = await server.listStreams();
    assert.deepEqual(dune?.delivery, { method: 'transcode', videoTranscode: true, sourceHeight: null });
    assert.deepEqual(metadataReads(pms), ['/library/metadata/40000']);
    // Not remembered: the next read asks again.
    await server.listStreams();
    assert.equal(metadataReads(pms).length, 2);
  });
});

describe('stopStream', () => {
  const message = { title: 'Stream limit', text: 'Your plan allows 1 stream at a time.' };

  it('terminates with the text as the on-screen reason and the session is gone on the next read', async () => {
    const { pms, server } = await setup();
    pms.setSessions(SESSIONS);
    const episode = findStream(await server.listStreams(), '2');
    assert.deepEqual(await server.stopStream(episode, message), { ok: true });
    assert.deepEqual(pms.terminations, [
      { sessionId: episode.sessionId, reason: message.text, method: 'GET' },
    ]);
    assert.ok(!(await server.listStreams()).some((s) => s.key === '2'));
  });

  it('a terminated session lingers for lingerReads reads, as real Plex does', async () => {
    const { pms, server } = await setup({ pms: { lingerReads: 2 } });
    pms.setSessions(SESSIONS);
    const episode = findStream(await server.listStreams(), '2');
    assert.equal((await server.stopStream(episode, message)).ok, true);
    assert.ok((await server.listStreams()).some((s) => s.key === '2'));
    assert.ok((await server.listStreams()).some((s) => s.key === '2'));
    assert.ok(!(await server.listStreams()).some((s) => s.key === '2'));
  });

  it('falls back to POST when GET is refused with 405', async () => {
    const { pms, server } = await setup({ pms: { terminateMethods: ['POST'] } });
    pms.setSessions(SESSIONS);
    const episode = findStream(await server.listStreams(), '2');
    assert.deepEqual(await server.stopStream(episode, message), { ok: true });
    assert.equal(pms.terminations[0]?.method, 'POST');
  });

  it('a session without Session id is refused without calling Plex', async () => {
    const { pms, server } = await setup();
    pms.setSessions(SESSIONS);
    const plexamp = findStream(await server.listStreams(), '31');
    const result = await server.stopStream(plexamp, message);
    assert.equal(result.ok, false);
    assert.match(result.reason ?? '', /no Session id/);
    assert.ok(!pms.requests.some((r) => r.path === '/status/sessions/terminate'));
  });

  it('a session Plex no longer knows (404) → ok false', async () => {
    const { pms, server } = await setup();
    pms.setSessions(SESSIONS);
    const episode = findStream(await server.listStreams(), '2');
    pms.setSessions([]);
    const result = await server.stopStream(episode, message);
    assert.equal(result.ok, false);
    assert.match(result.reason ?? '', /no longer knows/);
  });

  it('without Plex Pass (401) → ok false with a reason naming Plex Pass', async () => {
    const { pms, server } = await setup({ pms: { premium: false } });
    pms.setSessions(SESSIONS);
    const episode = findStream(await server.listStreams(), '2');
    const result = await server.stopStream(episode, message);
    assert.equal(result.ok, false);
    assert.match(result.reason ?? '', /Plex Pass/);
    assert.equal(pms.terminations.length, 0);
  });

  for (const fault of ['server-error', 'hang', 'garbage'] as const) {
    it(`never throws when the server fails (${fault})`, async () => {
      const { pms, server } = await setup({ timeoutMs: 300 });
      pms.setSessions(SESSIONS);
      const episode = findStream(await server.listStreams(), '2');
      pms.fault = fault;
      const result = await server.stopStream(episode, message);
      // garbage: terminate answers no body, so a 200 with any body is a success.
      assert.equal(result.ok, fault === 'garbage');
      assert.ok(!(result.reason ?? '').includes(pms.token));
    });
  }
});

describe('listDownloads', () => {
  it('keeps media.download activities and resolves names with one /accounts call', async () => {
    const { pms, server } = await setup({ pms: { format: 'xml-only' } });
    pms.setAccounts([
      { id: 1, name: 'owner' },
      { id: 24601, name: 'jvaljean' },
    ]);
    pms.setActivities([
      { uuid: 'd-1', type: 'media.download', userID: 24601, subtitle: 'Slow Horses S03E04', progress: 37 },
      {
        uuid: 'r-1',
        type: 'library.refresh.items',
        userID: 1,
        subtitle: 'Augmenting metadata',
        progress: 0,
        context: { key: '/library/metadata/16417/children' },
      },
      { uuid: 'd-2', type: 'media.download', userID: 99, subtitle: 'Arrival', progress: 100 },
    ]);
    assert.deepEqual(await server.listDownloads(), [
      {
        id: 'd-1',
        accountId: '24601',
        accountName: 'jvaljean',
        title: 'Slow Horses S03E04',
        startedAt: null,
        progress: 37,
        complete: false,
      },
      {
        id: 'd-2',
        accountId: '99',
        accountName: null,
        title: 'Arrival',
        startedAt: null,
        progress: 100,
        complete: true,
      },
    ]);
    assert.equal(pms.requests.filter((r) => r.path === '/accounts').length, 1);
  });

  it('no downloads → no /accounts call (JSON)', async () => {
    const { pms, server } = await setup();
    pms.setActivities([
      { uuid: 'r-1', type: 'library.refresh.items', userID: 1, subtitle: 'x', progress: 3 },
    ]);
    assert.deepEqual(await server.listDownloads(), []);
    assert.ok(!pms.requests.some((r) => r.path === '/accounts'));
  });
});

const friendsFor = (machine: string): FriendSpec[] => [
  {
    id: 24601,
    username: 'jvaljean',
    title: 'Jean Valjean',
    email: 'jean@example.com',
    servers: [{ machineIdentifier: machine }],
  },
  // Accepted, never played anything: plex.tv knows her, the server's /accounts does not.
  {
    id: 31337,
    username: 'Cosette',
    servers: [{ machineIdentifier: machine, allLibraries: false, libraryIds: [118813151] }],
  },
  // A share of this server that is not accepted yet, for a friend who already shares another server.
  {
    id: 4242,
    username: 'marius',
    servers: [{ machineIdentifier: OTHER_MACHINE }, { machineIdentifier: machine, pending: true }],
  },
  { id: 42, username: 'elsewhere', servers: [{ machineIdentifier: OTHER_MACHINE }] },
];

const invitesFor = (machine: string): InviteSpec[] => [
  { id: 777001, username: 'eponine', servers: [{ machineIdentifier: machine }] },
  { id: 777002, username: 'javert', servers: [{ machineIdentifier: OTHER_MACHINE, name: 'Elsewhere' }] },
];

describe('listAccounts', () => {
  it('lists plex.tv friends of this server and pending invites, then PMS accounts not already listed', async () => {
    const { pms, server } = await setup({ friends: friendsFor, invites: invitesFor });
    pms.setAccounts([
      { id: 1, name: 'owner' },
      { id: 24601, name: 'jvaljean' },
    ]);
    // The plex.tv display name and email are aliases an admin may type (the invite's from the v2 list).
    assert.deepEqual(await server.listAccounts(), [
      { id: '24601', name: 'jvaljean', aliases: ['Jean Valjean', 'jean@example.com'] },
      { id: '31337', name: 'Cosette', aliases: ['Cosette@example.com'] },
      { id: '4242', name: 'marius', pending: true, aliases: ['marius@example.com'] },
      { id: '777001', name: 'eponine', pending: true, aliases: ['eponine@example.com'] },
      { id: '1', name: 'owner' },
    ]);
  });

  it('asks plex.tv for the pending invites on the v2 list, never on the retired v1 routes (410)', async () => {
    const { tv, server } = await setup({ friends: friendsFor, invites: invitesFor });
    await server.listAccounts();
    assert.ok(
      tv.requests.some((r) => r.method === 'GET' && r.path === '/api/v2/shared_servers/owned/pending'),
    );
    assert.ok(!tv.requests.some((r) => RETIRED_ROUTES.some((route) => r.path.startsWith(route))));
  });

  it('pending invites unreadable: the users and PMS accounts come in a PartialAccountsError naming what is missing', async () => {
    const { pms, tv, server } = await setup({ friends: friendsFor, invites: invitesFor });
    pms.setAccounts([{ id: 1, name: 'owner' }]);
    tv.brokenRoutes.add('/api/v2/shared_servers/owned/pending');
    const err = await server.listAccounts().then(
      () => assert.fail('a partial list is not a complete one'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PartialAccountsError);
    assert.equal(err.kind, 'server-error');
    assert.deepEqual(err.unread, ['the pending invites on plex.tv']);
    assert.deepEqual(
      err.found.map((a) => [a.id, a.name, a.pending === true]),
      [
        ['24601', 'jvaljean', false],
        ['31337', 'Cosette', false],
        ['4242', 'marius', true],
        ['1', 'owner', false],
      ],
    );
    assert.ok(!err.message.includes(pms.token));
  });

  it('plex.tv down: the PMS accounts alone are partial; with PMS down too, a plain failure', async () => {
    const { pms, tv, server } = await setup({ friends: friendsFor });
    await server.identify();
    tv.fault = 'server-error';
    pms.setAccounts([{ id: 24601, name: 'jvaljean' }]);
    const err = await server.listAccounts().then(
      () => assert.fail('plex.tv was not read'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PartialAccountsError);
    assert.deepEqual(err.unread, ['the users on plex.tv', 'the pending invites on plex.tv']);
    assert.deepEqual(err.found, [{ id: '24601', name: 'jvaljean' }]);
    pms.fault = 'server-error';
    const none = await server.listAccounts().then(
      () => assert.fail('nothing was read'),
      (e: unknown) => e,
    );
    assert.ok(none instanceof MediaServerError && !(none instanceof PartialAccountsError));
  });
});

describe('setDownloadsAllowed', () => {
  it('switches allowSync off and on through the per-friend sharing route; the share stays "all libraries"', async () => {
    const { tv, server } = await setup({ friends: friendsFor });
    const before = structuredClone(tv.friend(24601));
    assert.equal(before?.servers[0]?.allLibraries, true);
    await server.setDownloadsAllowed({ id: '24601', name: 'jvaljean' }, false);
    assert.equal(tv.friend(24601)?.allowSync, false);
    await server.setDownloadsAllowed({ id: '24601', name: 'jvaljean' }, true);
    assert.deepEqual(tv.friend(24601), before, 'every other setting and the library share are as they were');
    assert.deepEqual(
      tv.writes.map((w) => [w.method, w.path, w.query, w.body]),
      [
        ['PUT', '/api/v2/sharings/24601', { allowSync: '0' }, ''],
        ['PUT', '/api/v2/sharings/24601', { allowSync: '1' }, ''],
      ],
    );
    assert.ok(tv.requests.every((r) => r.clientIdentifier === 'streamwarden'));
  });

  it('a fixed library list stays the same list', async () => {
    const { tv, server } = await setup({ friends: friendsFor });
    await server.setDownloadsAllowed({ id: '31337', name: 'Cosette' }, false);
    assert.deepEqual(tv.friend(31337)?.servers[0]?.libraryIds, [118813151]);
    assert.equal(tv.friend(31337)?.allowSync, false);
  });

  it('finds the friend by username, title or email, case-insensitively, when the id is unknown', async () => {
    const { tv, server } = await setup({ friends: friendsFor });
    await server.setDownloadsAllowed({ id: null, name: 'COSETTE' }, false);
    await server.setDownloadsAllowed({ id: null, name: 'jean@EXAMPLE.com' }, false);
    assert.deepEqual(
      tv.writes.map((w) => w.path),
      ['/api/v2/sharings/31337', '/api/v2/sharings/24601'],
    );
  });

  it('plex.tv accepts the write but does not apply it → not-applied, saying the change did not take effect', async () => {
    const { pms, tv, server } = await setup({ friends: friendsFor });
    tv.dropWrites = true;
    const err = await expectError(
      server.setDownloadsAllowed({ id: '24601', name: 'jvaljean' }, false),
      'not-applied',
      pms.token,
    );
    assert.match(err.message, /did not take effect/);
    assert.equal(tv.writes.length, 1);
  });

  it('an account without a share of this server → not-found, nothing written', async () => {
    const { pms, tv, server } = await setup({ friends: friendsFor });
    const err = await expectError(
      server.setDownloadsAllowed({ id: '42', name: 'elsewhere' }, false),
      'not-found',
      pms.token,
    );
    assert.equal(err.message, 'plex.tv lists no friend elsewhere with access to this server');
    assert.equal(tv.writes.length, 0);
  });
});

describe('faults', () => {
  const pmsCalls: Array<[string, (s: MediaServer) => Promise<unknown>]> = [
    ['identify', (s) => s.identify()],
    ['listStreams', (s) => s.listStreams()],
    ['listDownloads', (s) => s.listDownloads()],
    ['listAccounts', (s) => s.listAccounts()],
  ];
  const kinds: Array<
    [NonNullable<Parameters<typeof expectError>[1]>, 'unauthorized' | 'server-error' | 'hang' | 'garbage']
  > = [
    ['unauthorized', 'unauthorized'],
    ['server-error', 'server-error'],
    ['timeout', 'hang'],
    ['bad-response', 'garbage'],
  ];

  for (const [kind, fault] of kinds) {
    it(`PMS ${fault} → ${kind} from every read`, async () => {
      const { pms, server } = await setup({ timeoutMs: 300 });
      pms.fault = fault;
      for (const [, call] of pmsCalls) await expectError(call(server), kind, pms.token);
    });

    it(`plex.tv ${fault} → ${kind} from setDownloadsAllowed and listAccounts`, async () => {
      const { pms, tv, server } = await setup({ friends: friendsFor, timeoutMs: 300 });
      await server.identify();
      tv.fault = fault;
      await expectError(
        server.setDownloadsAllowed({ id: '24601', name: 'jvaljean' }, false),
        kind,
        pms.token,
      );
      await expectError(server.listAccounts(), kind, pms.token);
      assert.equal(tv.writes.length, 0);
    });
  }

  it('PMS missing fields: identify is a bad response; unattributable sessions, downloads and accounts are not reported', async () => {
    const { pms, server } = await setup({ friends: friendsFor });
    pms.setSessions(SESSIONS);
    pms.setActivities([
      { uuid: 'd-1', type: 'media.download', userID: 24601, subtitle: 'Heat', progress: 3 },
    ]);
    pms.setAccounts([{ id: 555, name: 'seen_only' }]);
    await server.identify();
    pms.fault = 'missing-fields';
    await expectError(server.identify(), 'bad-response', pms.token);
    assert.deepEqual(await server.listStreams(), []);
    assert.deepEqual(await server.listDownloads(), []);
    assert.ok(!(await server.listAccounts()).some((a) => a.name === 'seen_only'));
  });

  // A redirect is never a success: today http.ts follows it (to the web app's HTML page, or a 404 on plex.tv);
  // once it refuses redirects the kind is 'redirect'. Either way the caller learns it could not read, and the
  // token is not in the message.
  it('PMS and plex.tv redirects → an error from every call, never an answer', async () => {
    const { pms, tv, server } = await setup({ friends: friendsFor });
    await server.identify();
    pms.fault = 'redirect';
    tv.fault = 'redirect';
    for (const [, call] of pmsCalls) {
      await assert.rejects(call(server), (err: unknown) => {
        assert.ok(
          err instanceof MediaServerError && ['redirect', 'bad-response'].includes(err.kind),
          String(err),
        );
        assert.ok(!err.message.includes(pms.token));
        return true;
      });
    }
    pms.fault = null;
    await assert.rejects(
      server.setDownloadsAllowed({ id: '24601', name: 'jvaljean' }, false),
      (err: unknown) => err instanceof MediaServerError && ['redirect', 'not-found'].includes(err.kind),
    );
    assert.equal(tv.writes.length, 0);
  });

  it('a wrong token → unauthorized, and the message does not carry it', async () => {
    const pms = await startPlexDouble();
    after(() => pms.stop());
    const token = 'wrong-token-0123456789';
    const server = createPlexServer({ platform: 'plex', url: pms.url, token });
    await expectError(server.listStreams(), 'unauthorized', token);
  });

  it('an unreachable server → unreachable', async () => {
    const pms = await startPlexDouble();
    await pms.stop();
    const server = createPlexServer({ platform: 'plex', url: pms.url, token: pms.token, timeoutMs: 1000 });
    await expectError(server.identify(), 'unreachable', pms.token);
  });
});
