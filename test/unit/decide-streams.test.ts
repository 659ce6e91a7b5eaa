// The pure decision about one member's streams, and when an episode's notices may go out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EpisodeLine } from '../../src/db/schema.ts';
import {
  decideMember,
  decideNotices,
  type EpisodeView,
  lineAction,
  type MemberDecisionInput,
  type StopOutcome,
  sameSessionAsLine,
} from '../../src/decide/streams.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import type { MemberStream } from '../../src/policy/streams.ts';

const stream = (key: string, deviceId: string | null, extra: Partial<ActiveStream> = {}): ActiveStream => ({
  sessionId: `s-${key}`,
  key,
  accountId: '7',
  accountName: 'alice',
  isOwner: false,
  deviceId,
  device: `Device ${key}`,
  product: 'Plex Web',
  ipAddress: '203.0.113.1',
  title: `Title ${key}`,
  state: 'playing',
  startedAt: null,
  ...extra,
});

const ms = (serverId: number, s: ActiveStream, memberId = 1): MemberStream => ({
  memberId,
  linkId: 1,
  serverId,
  serverName: `S${serverId}`,
  stream: s,
});

const input = (over: Partial<MemberDecisionInput> = {}): MemberDecisionInput => ({
  memberId: 1,
  cap: 1,
  planName: 'Solo',
  streams: [],
  readComplete: true,
  episode: null,
  servers: new Map([
    [1, { canStop: true, reason: null }],
    [2, { canStop: false, reason: 'Plex Pass is needed to stop streams' }],
  ]),
  dryRun: false,
  firstSeen: new Map(),
  ...over,
});

const episode = (over: Partial<EpisodeView> = {}): EpisodeView => ({
  id: 9,
  state: 'enforced',
  stopAttempts: [],
  ...over,
});

describe('decideMember', () => {
  test('within the cap with no episode: nothing', () => {
    assert.deepEqual(decideMember(input({ streams: [ms(1, stream('a', 'd1'))] })), []);
  });

  test('a quality change or autoplay on one device is one stream: nothing', () => {
    const streams = [ms(1, stream('a', 'tv')), ms(1, stream('b', 'tv'))];
    assert.deepEqual(decideMember(input({ streams })), []);
  });

  test('over the cap: opens an episode and stops every stream it can, saying why for the others', () => {
    const first = new Date('2026-11-29T10:00:00Z');
    const intents = decideMember(
      input({
        streams: [ms(1, stream('a', 'd1')), ms(2, stream('b', 'd2'))],
        firstSeen: new Map([['1:a', first]]),
      }),
    );
    assert.equal(intents[0]?.type, 'open-episode');
    const open = intents[0] as Extract<(typeof intents)[number], { type: 'open-episode' }>;
    assert.equal(open.count, 2);
    assert.equal(open.cap, 1);
    assert.deepEqual(
      open.lines.map((l) => [l.sessionKey, l.action, l.startedAt]),
      [
        ['a', { kind: 'stop' }, first.toISOString()],
        ['b', { kind: 'fixed', code: 'cannot-stop', reason: 'Plex Pass is needed to stop streams' }, null],
      ],
    );
    assert.deepEqual(
      intents.slice(1).map((i) => (i.type === 'stop' ? i.ref : i.type)),
      ['1:a'],
    );
  });

  test('dry run: an episode whose lines say what would happen, and no stop', () => {
    const intents = decideMember(
      input({ dryRun: true, streams: [ms(1, stream('a', 'd1')), ms(1, stream('b', 'd2'))] }),
    );
    assert.equal(intents.length, 1);
    assert.equal(intents[0]?.type, 'open-episode');
    for (const l of (intents[0] as { lines: EpisodeLine[] }).lines)
      assert.deepEqual(l.action, { kind: 'fixed', code: 'dry-run' });
  });

  test('an open episode: only sessions not stopped yet are stopped, and no new episode', () => {
    const streams = [ms(1, stream('a', 'd1')), ms(1, stream('c', 'd3'))];
    const intents = decideMember(input({ streams, episode: episode({ stopAttempts: ['1:a'] }) }));
    assert.deepEqual(
      intents.map((i) => i.type),
      ['add-lines', 'stop'],
    );
    assert.equal((intents[1] as { ref: string }).ref, '1:c');
    assert.deepEqual(
      decideMember(input({ streams, episode: episode({ stopAttempts: ['1:a', '1:c'] }) })),
      [],
    );
  });

  test('back within the cap: the episode is resolved, but never on an incomplete read', () => {
    const streams = [ms(1, stream('a', 'd1'))];
    assert.deepEqual(decideMember(input({ streams, episode: episode() })), [
      { type: 'resolve-episode', episodeId: 9, quietly: false },
    ]);
    assert.deepEqual(decideMember(input({ streams, episode: episode(), readComplete: false })), []);
    // Sorted out during a grace: resolved quietly (no notices).
    assert.deepEqual(decideMember(input({ streams, episode: episode({ state: 'grace' }) })), [
      { type: 'resolve-episode', episodeId: 9, quietly: true },
    ]);
  });

  const at = (iso: string) => new Date(iso);
  const started = (key: string, iso: string, device: string, ip = '203.0.113.1') =>
    stream(key, device, { startedAt: at(iso), ipAddress: ip });

  test('a grace period: warn first (no stop), nothing before the deadline, the rule at the deadline', () => {
    const streams = [
      ms(1, started('a', '2026-11-29T10:00:00Z', 'd1')),
      ms(1, started('b', '2026-11-29T10:05:00Z', 'd2')),
    ];
    const rules = { graceSeconds: 120, stopRule: 'newest' as const, countBy: 'streams' as const };
    const now = at('2026-11-29T10:06:00Z');
    const warned = decideMember(input({ streams, rules, now }));
    assert.equal(warned.length, 1, 'no stop intent during the grace');
    const open = warned[0] as Extract<(typeof warned)[number], { type: 'open-episode' }>;
    assert.equal(open.grace?.until.toISOString(), '2026-11-29T10:08:00.000Z');
    const graced = episode({ state: 'grace', graceUntil: open.grace?.until, stopRule: 'newest' });
    assert.deepEqual(
      decideMember(input({ streams, rules, now: at('2026-11-29T10:07:59Z'), episode: graced })),
      [],
    );
    const ended = decideMember(input({ streams, rules, now: at('2026-11-29T10:08:00Z'), episode: graced }));
    assert.deepEqual(
      ended.map((i) => (i.type === 'stop' ? `stop ${i.ref}` : i.type)),
      ['end-grace', 'stop 1:b'],
      'only the newest stream',
    );
  });

  test('`stop: newest` stops only as many of the newest devices as needed', () => {
    const streams = [
      ms(1, started('a', '2026-11-29T10:00:00Z', 'd1')),
      ms(1, started('b', '2026-11-29T10:05:00Z', 'd2')),
      ms(1, started('c', '2026-11-29T10:02:00Z', 'd3')),
      ms(1, started('c2', '2026-11-29T10:03:00Z', 'd3')),
    ];
    const rules = { graceSeconds: 0, stopRule: 'newest' as const, countBy: 'streams' as const };
    const intents = decideMember(input({ cap: 1, streams, rules }));
    assert.deepEqual(
      intents.flatMap((i) => (i.type === 'stop' ? [i.ref] : [])),
      ['1:b', '1:c', '1:c2'],
      'd2 (newest), then d3 with both its sessions; d1 kept',
    );
    const opened = intents.find((i) => i.type === 'open-episode');
    assert.equal(opened?.type === 'open-episode' && opened.stopRule, 'newest', 'the episode keeps the rule');
  });

  test('`count: locations`: streams from one address count once (IPv4-mapped IPv6 included)', () => {
    const streams = [
      ms(1, started('a', '2026-11-29T10:00:00Z', 'tv', '198.51.100.20')),
      ms(1, started('b', '2026-11-29T10:01:00Z', 'phone', '::ffff:198.51.100.20')),
    ];
    const rules = { graceSeconds: 0, stopRule: 'all' as const, countBy: 'locations' as const };
    assert.deepEqual(decideMember(input({ streams, rules })), []);
    const elsewhere = [streams[0]!, ms(1, started('c', '2026-11-29T10:01:00Z', 'phone', '192.0.2.7'))];
    assert.equal(decideMember(input({ streams: elsewhere, rules }))[0]?.type, 'open-episode');
  });

  test('no plan (cap null) is never enforced', () => {
    const streams = [ms(1, stream('a', 'd1')), ms(1, stream('b', 'd2')), ms(1, stream('c', 'd3'))];
    assert.deepEqual(decideMember(input({ cap: null, streams })), []);
  });

  test("another member's streams are not this member's", () => {
    const streams = [ms(1, stream('a', 'd1')), ms(1, stream('b', 'd2'), 2)];
    assert.deepEqual(decideMember(input({ streams })), []);
  });
});

describe('decideNotices', () => {
  const line = (key: string, action: EpisodeLine['action']): EpisodeLine => ({
    serverId: 1,
    sessionKey: key,
    server: 'S1',
    device: 'TV',
    ipAddress: null,
    title: null,
    state: 'playing',
    startedAt: null,
    action,
  });
  const stop = (
    status: StopOutcome['status'],
    outcome?: string,
    lastError: string | null = null,
  ): StopOutcome => ({
    status,
    result: outcome ? { outcome, code: outcome } : null,
    lastError,
  });
  const lines = [line('a', { kind: 'stop' }), line('b', { kind: 'fixed', code: 'dry-run' })];

  test('waits until every stop had its first attempt', () => {
    assert.deepEqual(decideNotices({ state: 'open', lines, notified: false }, new Map()), { ready: false });
    assert.deepEqual(
      decideNotices({ state: 'open', lines, notified: false }, new Map([['1:a', stop('pending')]])),
      {
        ready: false,
      },
    );
  });

  test('enforced when the stops worked, stop-failed when one was refused, failed or is retrying', () => {
    assert.deepEqual(
      decideNotices({ state: 'open', lines, notified: false }, new Map([['1:a', stop('done', 'stopped')]])),
      {
        ready: true,
        state: 'enforced',
      },
    );
    for (const o of [
      stop('done', 'refused'),
      stop('failed', undefined, 'timeout'),
      stop('retrying', undefined, 'x'),
    ])
      assert.deepEqual(decideNotices({ state: 'open', lines, notified: false }, new Map([['1:a', o]])), {
        ready: true,
        state: 'stop-failed',
      });
  });

  test('notices are queued once per episode, also for one resolved before they went out', () => {
    const done = new Map([['1:a', stop('done', 'stopped')]]);
    for (const state of ['enforced', 'stop-failed', 'resolved'] as const)
      assert.deepEqual(decideNotices({ state, lines, notified: true }, done), { ready: false });
    assert.deepEqual(decideNotices({ state: 'resolved', lines, notified: false }, done), {
      ready: true,
      state: 'resolved',
    });
  });

  test('the words of a line', () => {
    const [a, b] = lines as [EpisodeLine, EpisodeLine];
    assert.equal(lineAction(a, new Map()).text, 'stop requested');
    assert.equal(
      lineAction(a, new Map([['1:a', stop('retrying', undefined, 'timeout')]])).text,
      'stop failed (timeout); retrying',
    );
    assert.equal(lineAction(a, new Map([['1:a', stop('done', 'stopped')]])).text, 'stopped');
    assert.equal(lineAction(b, new Map()).text, 'would be stopped (dry run)');
    assert.deepEqual(lineAction(b, new Map()).words, { code: 'dry-run' });
  });

  test('lines and results written by older versions, in English words, read back as codes', () => {
    const old = line('c', { kind: 'fixed', text: 'not stopped: Plex Pass is needed to stop streams' });
    assert.deepEqual(lineAction(old, new Map()).words, {
      code: 'cannot-stop',
      reason: 'Plex Pass is needed to stop streams',
    });
    const a = line('a', { kind: 'stop' });
    const oldResult: StopOutcome = {
      status: 'done',
      result: { outcome: 'already-ended', text: 'had already ended' },
      lastError: null,
    };
    assert.deepEqual(lineAction(a, new Map([['1:a', oldResult]])), {
      words: { code: 'already-ended' },
      text: 'had already ended',
      failed: false,
    });
    const refused: StopOutcome = {
      status: 'done',
      result: { outcome: 'refused', text: 'stop failed: 401' },
      lastError: null,
    };
    assert.deepEqual(lineAction(a, new Map([['1:a', refused]])).words, {
      code: 'stop-failed',
      reason: '401',
    });
    assert.equal(lineAction(a, new Map([['1:a', refused]])).failed, true);
  });
});

describe('sameSessionAsLine: a button stops only the session it was shown for', () => {
  const [written] = decideMember(
    input({ streams: [ms(1, stream('a', 'dev-a')), ms(1, stream('b', 'dev-b'))] }),
  )
    .filter((i) => i.type === 'open-episode')
    .flatMap((i) => (i.type === 'open-episode' ? i.lines : []));
  assert.ok(written);
  const cases: Array<[string, Partial<EpisodeLine>, Partial<ActiveStream>, boolean]> = [
    ['the same device and account', {}, {}, true],
    ['the key now names another device', {}, { deviceId: 'dev-z' }, false],
    ['the key now names another account (same device id)', {}, { accountId: '8', accountName: 'bob' }, false],
    [
      'another account by name when no id is known',
      { accountId: null },
      { accountId: null, accountName: 'bob' },
      false,
    ],
    ['the same account renamed (ids match)', {}, { accountName: 'alice2' }, true],
    ['a device id that went missing', {}, { deviceId: null }, false],
    [
      'a line from an older version (no identity): the key alone',
      { deviceId: undefined, accountId: undefined, accountName: undefined },
      { deviceId: 'dev-z' },
      true,
    ],
  ];
  for (const [name, line, now, expected] of cases) {
    test(name, () => {
      const l = { ...written, ...line };
      for (const k of ['deviceId', 'accountId', 'accountName'] as const)
        if (k in line && line[k] === undefined) delete l[k];
      assert.equal(sameSessionAsLine(l, stream('a', 'dev-a', now)), expected);
    });
  }
  test('the line records who played it', () => {
    assert.equal(written.deviceId, 'dev-a');
    assert.equal(written.accountId, '7');
    assert.equal(written.accountName, 'alice');
  });
});
