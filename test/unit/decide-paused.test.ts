// The pure paused-stream rule: which streams are paused past their plan's limit, what happens to them (`stop`: a
// stop, or a note in dry run or on a server that cannot stop; `uncount`: left out of the count), and the effect key
// that makes each pause one episode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decidePaused, type PausedDecisionInput, pausedStopKey } from '../../src/decide/paused.ts';
import type { ActiveStream, StreamState } from '../../src/media/types.ts';
import {
  describePausedRule,
  type PausedRule,
  pausedTooLong,
  withoutUncountedPauses,
} from '../../src/policy/paused.ts';
import type { MemberStream } from '../../src/policy/streams.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const ms = (key: string, state: StreamState | null, serverId = 1, memberId = 1): MemberStream => ({
  memberId,
  linkId: memberId,
  serverId,
  serverName: `S${serverId}`,
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
    state,
    startedAt: null,
  } satisfies ActiveStream,
});

const STOP20: PausedRule = { limitMinutes: 20, action: 'stop' };
const UNCOUNT20: PausedRule = { limitMinutes: 20, action: 'uncount' };

const input = (over: Partial<PausedDecisionInput> = {}): PausedDecisionInput => ({
  streams: [],
  ruleOf: () => STOP20,
  pausedSince: new Map(),
  servers: new Map([
    [1, { canStop: true, reason: null }],
    [2, { canStop: false, reason: 'Plex Pass is needed to stop streams' }],
  ]),
  dryRun: false,
  now: NOW,
  ...over,
});

describe('pausedTooLong', () => {
  const cases: Array<[string, MemberStream, PausedRule, Map<string, Date>, boolean]> = [
    ['paused 21 min, limit 20', ms('a', 'paused'), STOP20, new Map([['1:a', minutesAgo(21)]]), true],
    [
      'paused exactly 20 min: not longer',
      ms('a', 'paused'),
      STOP20,
      new Map([['1:a', minutesAgo(20)]]),
      false,
    ],
    ['paused 5 min', ms('a', 'paused'), STOP20, new Map([['1:a', minutesAgo(5)]]), false],
    [
      'playing now, an old pause start',
      ms('a', 'playing'),
      STOP20,
      new Map([['1:a', minutesAgo(60)]]),
      false,
    ],
    ['paused, no pause start known', ms('a', 'paused'), STOP20, new Map(), false],
    [
      'no limit (0)',
      ms('a', 'paused'),
      { limitMinutes: 0, action: 'stop' },
      new Map([['1:a', minutesAgo(600)]]),
      false,
    ],
    [
      'the start of another server’s session',
      ms('a', 'paused', 2),
      STOP20,
      new Map([['1:a', minutesAgo(60)]]),
      false,
    ],
  ];
  for (const [name, stream, rule, since, expected] of cases)
    test(name, () => assert.equal(pausedTooLong(stream, rule, since, NOW), expected));
});

describe('decidePaused', () => {
  const since = new Map([
    ['1:long', minutesAgo(30)],
    ['1:short', minutesAgo(10)],
    ['2:long', minutesAgo(30)],
  ]);
  test('a stream paused past the limit is stopped, with its pause start and the limit', () => {
    const intents = decidePaused(
      input({ streams: [ms('long', 'paused'), ms('short', 'paused')], pausedSince: since }),
    );
    assert.equal(intents.length, 1);
    assert.deepEqual(
      { ...intents[0], stream: intents[0]?.stream.key },
      {
        type: 'paused-stop',
        ref: '1:long',
        memberId: 1,
        serverId: 1,
        stream: 'long',
        pausedSince: minutesAgo(30),
        limitMinutes: 20,
      },
    );
  });
  const table: Array<[string, Partial<PausedDecisionInput>, Array<[string, string | null]>]> = [
    ['dry run: a note, no stop', { dryRun: true }, [['paused-note', 'would be stopped (dry run)']]],
    [
      'a server that cannot stop: a note saying why',
      { streams: [ms('long', 'paused', 2)] },
      [['paused-note', 'not stopped: Plex Pass is needed to stop streams']],
    ],
    ['uncount plans are never stopped', { ruleOf: () => UNCOUNT20 }, []],
    ['no limit: nothing', { ruleOf: () => ({ limitMinutes: 0, action: 'stop' }) }, []],
    ['playing again: nothing', { streams: [ms('long', 'playing')] }, []],
    [
      'each member by their own plan',
      {
        streams: [ms('long', 'paused', 1, 1), ms('long', 'paused', 1, 2)],
        ruleOf: (id) => (id === 1 ? STOP20 : UNCOUNT20),
      },
      [['paused-stop', null]],
    ],
  ];
  for (const [name, over, expected] of table)
    test(name, () => {
      const intents = decidePaused(input({ streams: [ms('long', 'paused')], pausedSince: since, ...over }));
      assert.deepEqual(
        intents.map((i) => [i.type, i.type === 'paused-note' ? i.why : null]),
        expected,
      );
    });
  test('one key per pause: the same pause twice is one key, a later pause of the session another', () => {
    assert.equal(pausedStopKey(1, 'a', minutesAgo(30)), pausedStopKey(1, 'a', minutesAgo(30)));
    assert.notEqual(pausedStopKey(1, 'a', minutesAgo(30)), pausedStopKey(1, 'a', minutesAgo(5)));
    assert.equal(pausedStopKey(3, 'k', new Date(1000)), 'paused-stop:3:k:1000');
  });
});

describe('withoutUncountedPauses', () => {
  const since = new Map([
    ['1:long', minutesAgo(30)],
    ['1:short', minutesAgo(10)],
  ]);
  const streams = [ms('long', 'paused'), ms('short', 'paused'), ms('play', 'playing')];
  const keys = (rule: PausedRule) =>
    withoutUncountedPauses(streams, () => rule, since, NOW).map((s) => s.stream.key);
  test('uncount leaves out only the streams paused past the limit', () =>
    assert.deepEqual(keys(UNCOUNT20), ['short', 'play']));
  test('stop counts every stream until it is stopped', () =>
    assert.deepEqual(keys(STOP20), ['long', 'short', 'play']));
  test('no limit counts every stream', () =>
    assert.deepEqual(keys({ limitMinutes: 0, action: 'uncount' }), ['long', 'short', 'play']));
});

test('the rule in words', () => {
  assert.equal(describePausedRule(STOP20), 'stopped after 20 min');
  assert.equal(describePausedRule(UNCOUNT20), 'no longer counted after 20 min');
  assert.equal(describePausedRule({ limitMinutes: 0, action: 'stop' }), null);
});
