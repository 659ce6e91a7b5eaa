// The pure server-limit rule: which streams a server over its own caps (`/server limits`) stops, newest first, never
// the owner's, one device counting once, transcodes first, a member's plan grace waited for, a note instead of a
// stop in dry run or on a server that cannot stop, and the key that makes each stop happen once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideServerLimits,
  isTranscode,
  type LimitDecisionInput,
  type LimitStream,
  limitStopKey,
  type ServerLimits,
} from '../../src/decide/server-limits.ts';
import type { ActiveStream, StreamDelivery } from '../../src/media/types.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const TRANSCODE: StreamDelivery = { method: 'transcode', videoTranscode: true, sourceHeight: 2160 };
const DIRECT: StreamDelivery = { method: 'direct-play', videoTranscode: false, sourceHeight: 1080 };

function ls(
  key: string,
  startedMinutesAgo: number | null,
  over: Partial<ActiveStream> & { memberId?: number | null; serverId?: number; graceSeconds?: number } = {},
): LimitStream {
  const { memberId = 1, serverId = 1, graceSeconds = 0, ...stream } = over;
  return {
    serverId,
    memberId,
    graceSeconds,
    stream: {
      sessionId: `s-${key}`,
      key,
      accountId: '7',
      accountName: 'alice',
      isOwner: false,
      deviceId: `d-${key}`,
      device: `Device ${key}`,
      product: 'Plex Web',
      ipAddress: '203.0.113.1',
      title: `Title ${key}`,
      state: 'playing',
      startedAt: startedMinutesAgo === null ? null : minutesAgo(startedMinutesAgo),
      delivery: null,
      ...stream,
    },
  };
}

const LIMIT = (over: Partial<ServerLimits> = {}): ServerLimits => ({
  serverId: 1,
  serverName: 'Home',
  maxStreams: null,
  maxTranscodes: null,
  ...over,
});

const input = (over: Partial<LimitDecisionInput> = {}): LimitDecisionInput => ({
  limits: [LIMIT({ maxStreams: 2 })],
  streams: [],
  firstSeen: new Map(),
  servers: new Map([
    [1, { canStop: true, reason: null }],
    [2, { canStop: false, reason: 'Plex Pass is needed to stop streams' }],
  ]),
  dryRun: false,
  now: NOW,
  ...over,
});

const stopped = (i: LimitDecisionInput) =>
  decideServerLimits(i).map(
    (x) => `${x.type}:${x.stream.key}${x.type === 'limit-note' ? ` (${x.why})` : ''}`,
  );

describe('server limits: streams at once', () => {
  test('within the cap (or no cap): nothing', () => {
    const streams = [ls('a', 30), ls('b', 20)];
    assert.deepEqual(stopped(input({ streams })), []);
    assert.deepEqual(stopped(input({ streams: [...streams, ls('c', 5)], limits: [LIMIT()] })), []);
  });

  test('over the cap: the newest are stopped, as many as it takes', () => {
    const streams = [ls('a', 30), ls('c', 5), ls('b', 20), ls('d', 1)];
    assert.deepEqual(stopped(input({ streams })), ['limit-stop:d', 'limit-stop:c']);
    const [first] = decideServerLimits(input({ streams }));
    assert.deepEqual(first?.limit, { kind: 'streams', max: 2, count: 4 });
    assert.equal(first?.serverName, 'Home');
  });

  test("the owner's stream counts but is never stopped: the newest member's is", () => {
    const streams = [ls('a', 30), ls('b', 20), ls('owner', 1, { isOwner: true, memberId: null })];
    assert.deepEqual(stopped(input({ streams })), ['limit-stop:b']);
  });

  test('one device on one server counts once (an autoplay lists two sessions for a moment)', () => {
    const streams = [ls('a', 30), ls('b1', 20, { deviceId: 'tv' }), ls('b2', 0, { deviceId: 'tv' })];
    assert.deepEqual(stopped(input({ streams })), []);
    // Over: both sessions of the newest device go.
    assert.deepEqual(stopped(input({ streams: [...streams, ls('c', 25)] })), [
      'limit-stop:b1',
      'limit-stop:b2',
    ]);
  });

  test('idle apps do not count; other servers and their streams are not touched', () => {
    const streams = [
      ls('a', 30),
      ls('b', 20),
      ls('idle', 1, { state: null }),
      ls('x', 1, { serverId: 2 }),
      ls('y', 1, { serverId: 2 }),
      ls('z', 1, { serverId: 2 }),
    ];
    assert.deepEqual(stopped(input({ streams })), []);
  });

  test('a start the platform does not give comes from the first sighting; none at all waits a cycle', () => {
    const streams = [ls('a', 30), ls('b', null), ls('c', null)];
    const firstSeen = new Map([['1:b', minutesAgo(10)]]);
    // c was never seen before: it counts as the newest, but its stop waits for its first sighting.
    assert.deepEqual(stopped(input({ streams, firstSeen })), []);
    firstSeen.set('1:c', minutesAgo(1));
    assert.deepEqual(stopped(input({ streams, firstSeen })), ['limit-stop:c']);
  });

  test("the member's plan grace is waited for, counted from the stream's start", () => {
    const streams = [ls('a', 30), ls('b', 20), ls('c', 1, { graceSeconds: 120 })];
    assert.deepEqual(stopped(input({ streams })), []);
    assert.deepEqual(stopped(input({ streams, now: new Date(NOW.getTime() + 60_000) })), ['limit-stop:c']);
  });

  test('dry run and a server that cannot stop: a note that says why', () => {
    const streams = [ls('a', 30), ls('b', 20), ls('c', 1)];
    assert.deepEqual(stopped(input({ streams, dryRun: true })), [
      'limit-note:c (would be stopped (dry run))',
    ]);
    const two = streams.map((s) => ({ ...s, serverId: 2 }));
    assert.deepEqual(stopped(input({ streams: two, limits: [LIMIT({ serverId: 2, maxStreams: 2 })] })), [
      'limit-note:c (not stopped: Plex Pass is needed to stop streams)',
    ]);
  });

  test('a cap of 1 keeps the oldest', () => {
    const streams = [ls('a', 30), ls('b', 20)];
    assert.deepEqual(stopped(input({ streams, limits: [LIMIT({ maxStreams: 1 })] })), ['limit-stop:b']);
  });
});

describe('server limits: transcodes at once', () => {
  test('a transcode is `delivery.method === transcode` (audio only too); direct play and unknown are not', () => {
    assert.equal(isTranscode(ls('a', 1, { delivery: TRANSCODE }).stream), true);
    assert.equal(
      isTranscode(
        ls('a', 1, { delivery: { method: 'transcode', videoTranscode: false, sourceHeight: null } }).stream,
      ),
      true,
    );
    assert.equal(isTranscode(ls('a', 1, { delivery: DIRECT }).stream), false);
    assert.equal(isTranscode(ls('a', 1, { delivery: null }).stream), false);
    assert.equal(isTranscode(ls('a', 1).stream), false);
  });

  test('over the transcode cap: the newest transcodes are stopped, direct plays never for it', () => {
    const streams = [
      ls('t1', 30, { delivery: TRANSCODE }),
      ls('d1', 2, { delivery: DIRECT }),
      ls('t2', 20, { delivery: TRANSCODE }),
      ls('t3', 10, { delivery: TRANSCODE }),
    ];
    const limits = [LIMIT({ maxTranscodes: 1 })];
    assert.deepEqual(stopped(input({ streams, limits })), ['limit-stop:t3', 'limit-stop:t2']);
    assert.deepEqual(decideServerLimits(input({ streams, limits }))[0]?.limit, {
      kind: 'transcodes',
      max: 1,
      count: 3,
    });
  });

  test('both caps: a transcode stopped for its cap leaves room under the stream cap', () => {
    const streams = [
      ls('a', 30, { delivery: DIRECT }),
      ls('t1', 25, { delivery: TRANSCODE }),
      ls('t2', 10, { delivery: TRANSCODE }),
      ls('c', 5, { delivery: DIRECT }),
    ];
    const limits = [LIMIT({ maxStreams: 3, maxTranscodes: 1 })];
    // t2 goes for the transcode cap; then 3 are left: within the stream cap.
    assert.deepEqual(stopped(input({ streams, limits })), ['limit-stop:t2']);
    const tighter = [LIMIT({ maxStreams: 2, maxTranscodes: 1 })];
    assert.deepEqual(
      decideServerLimits(input({ streams, limits: tighter })).map((i) => `${i.stream.key}:${i.limit.kind}`),
      ['t2:transcodes', 'c:streams'],
    );
  });

  test("the owner's transcode counts but is never stopped", () => {
    const streams = [
      ls('owner', 1, { delivery: TRANSCODE, isOwner: true, memberId: null }),
      ls('t', 20, { delivery: TRANSCODE }),
    ];
    assert.deepEqual(stopped(input({ streams, limits: [LIMIT({ maxTranscodes: 1 })] })), ['limit-stop:t']);
  });
});

test('the stop key names the server, the session and its start: a reused session id is a new stop', () => {
  assert.equal(limitStopKey(1, 'abc', minutesAgo(0)), `limit-stop:1:abc:${NOW.getTime()}`);
  assert.notEqual(limitStopKey(1, 'abc', minutesAgo(0)), limitStopKey(1, 'abc', minutesAgo(5)));
});
