// The pure transcode rule: which converted streams break their plan (`no-4k` judged on the ORIGINAL height, `none`,
// the cap across servers, oldest kept), what happens to them (a stop due now or at the end of the grace, a note in
// dry run or on a server that cannot stop), and the key that makes each breach one episode.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideTranscodes,
  type TranscodeDecisionInput,
  type TranscodeIntent,
  transcodeStopKey,
} from '../../src/decide/transcodes.ts';
import type { ActiveStream, StreamDelivery } from '../../src/media/types.ts';
import type { MemberStream } from '../../src/policy/streams.ts';
import {
  describeTranscodeRule,
  ruleReason,
  type TranscodeTerms,
  transcodeOnScreen,
} from '../../src/policy/transcodes.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const direct = (h: number): StreamDelivery => ({
  method: 'direct-play',
  videoTranscode: false,
  sourceHeight: h,
});
const converted = (h: number | null): StreamDelivery => ({
  method: 'transcode',
  videoTranscode: true,
  sourceHeight: h,
});
const audioOnly = (h: number): StreamDelivery => ({
  method: 'transcode',
  videoTranscode: false,
  sourceHeight: h,
});

const ms = (key: string, delivery: StreamDelivery | null, serverId = 1, memberId = 1): MemberStream => ({
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
    state: 'playing',
    startedAt: null,
    delivery,
  } satisfies ActiveStream,
});

const input = (
  terms: TranscodeTerms,
  over: Partial<TranscodeDecisionInput> = {},
): TranscodeDecisionInput => ({
  streams: [],
  termsOf: () => terms,
  graceOf: () => 0,
  freshServers: new Set([1, 2, 3]),
  firstSeen: new Map(),
  servers: new Map([
    [1, { canStop: true, reason: null }],
    [2, { canStop: false, reason: 'Plex Pass is needed to stop streams' }],
    [3, { canStop: true, reason: null }],
  ]),
  dryRun: false,
  now: NOW,
  ...over,
});

const brief = (intents: TranscodeIntent[]) =>
  intents.map((i) => `${i.stream.key}:${i.reason}:${i.type === 'transcode-stop' ? 'stop' : i.why}`);

describe('ruleReason: the original height, not the converted one', () => {
  const cases: Array<[string, TranscodeTerms, StreamDelivery | null, string | null]> = [
    ['allow: anything goes', { rule: 'allow', cap: null }, converted(2160), null],
    ['no-4k: a converted 4K original', { rule: 'no-4k', cap: null }, converted(2160), 'no-4k'],
    ['no-4k: a 3840×1600 scope original is 4K too', { rule: 'no-4k', cap: null }, converted(1600), 'no-4k'],
    ['no-4k: a converted 1440p original is fine', { rule: 'no-4k', cap: null }, converted(1440), null],
    ['no-4k: a converted 1080p original is fine', { rule: 'no-4k', cap: null }, converted(1080), null],
    ['no-4k: unknown original height is not 4K', { rule: 'no-4k', cap: null }, converted(null), null],
    ['no-4k: a 4K direct play is fine', { rule: 'no-4k', cap: null }, direct(2160), null],
    ['none: any converted video', { rule: 'none', cap: null }, converted(720), 'none'],
    [
      'none: audio-only conversion is not a video conversion',
      { rule: 'none', cap: null },
      audioOnly(2160),
      null,
    ],
    ['none: a platform that does not say', { rule: 'none', cap: null }, null, null],
  ];
  for (const [name, terms, delivery, expected] of cases)
    test(name, () => assert.equal(ruleReason(terms, delivery), expected));
});

describe('decideTranscodes', () => {
  test('no-4k: stops the converted 4K stream only', () => {
    const intents = decideTranscodes(
      input(
        { rule: 'no-4k', cap: null },
        { streams: [ms('a', converted(2160)), ms('b', converted(1080)), ms('c', direct(2160))] },
      ),
    );
    assert.deepEqual(brief(intents), ['a:no-4k:stop']);
    const [stop] = intents;
    assert.equal(stop?.type === 'transcode-stop' && stop.dueAt.getTime(), NOW.getTime());
    assert.equal(stop?.type === 'transcode-stop' && stop.warn, false);
  });

  test('the cap counts across servers and keeps the oldest', () => {
    const streams = [
      ms('new', converted(1080), 1),
      ms('old', converted(1080), 3),
      ms('mid', converted(720), 1),
    ];
    const firstSeen = new Map([
      ['1:new', minutesAgo(1)],
      ['3:old', minutesAgo(30)],
      ['1:mid', minutesAgo(10)],
    ]);
    assert.deepEqual(brief(decideTranscodes(input({ rule: 'allow', cap: 2 }, { streams, firstSeen }))), [
      'new:cap:stop',
    ]);
    assert.deepEqual(
      brief(decideTranscodes(input({ rule: 'allow', cap: 1 }, { streams, firstSeen }))).sort(),
      ['mid:cap:stop', 'new:cap:stop'],
    );
  });

  test('a stream the rule forbids outright takes no place under the cap', () => {
    const streams = [ms('uhd', converted(2160)), ms('hd', converted(1080))];
    assert.deepEqual(brief(decideTranscodes(input({ rule: 'no-4k', cap: 1 }, { streams }))), [
      'uhd:no-4k:stop',
    ]);
  });

  test('direct plays and audio-only conversions never count against the cap', () => {
    const streams = [ms('a', converted(1080)), ms('b', direct(1080)), ms('c', audioOnly(1080))];
    assert.deepEqual(decideTranscodes(input({ rule: 'allow', cap: 1 }, { streams })), []);
  });

  test('counted on a server not read now, acted on only where it was read', () => {
    const streams = [ms('elsewhere', converted(1080), 3), ms('here', converted(1080), 1)];
    const firstSeen = new Map([
      ['3:elsewhere', minutesAgo(1)],
      ['1:here', minutesAgo(5)],
    ]);
    const intents = decideTranscodes(
      input({ rule: 'allow', cap: 1 }, { streams, firstSeen, freshServers: new Set([1]) }),
    );
    assert.deepEqual(intents, [], 'the newest is on server 3, which was not read now');
  });

  test('grace: the stop is due at its end and the member is warned', () => {
    const [stop] = decideTranscodes(
      input({ rule: 'none', cap: null }, { streams: [ms('a', converted(1080))], graceOf: () => 120 }),
    );
    assert.equal(stop?.type, 'transcode-stop');
    assert.equal(stop?.type === 'transcode-stop' && stop.dueAt.toISOString(), '2026-12-06T12:02:00.000Z');
    assert.equal(stop?.type === 'transcode-stop' && stop.warn, true);
  });

  test('dry run and a server that cannot stop: a note that says why', () => {
    const streams = [ms('a', converted(2160), 1), ms('b', converted(2160), 2)];
    assert.deepEqual(
      brief(decideTranscodes(input({ rule: 'no-4k', cap: null }, { streams, dryRun: true }))),
      ['a:no-4k:would be stopped (dry run)', 'b:no-4k:would be stopped (dry run)'],
    );
    assert.deepEqual(brief(decideTranscodes(input({ rule: 'no-4k', cap: null }, { streams }))), [
      'a:no-4k:stop',
      'b:no-4k:not stopped: Plex Pass is needed to stop streams',
    ]);
  });

  test('each breach is one episode: the key names the session, its first sight and the reason', () => {
    const streams = [ms('a', converted(2160))];
    const firstSeen = new Map([['1:a', minutesAgo(3)]]);
    const once = decideTranscodes(input({ rule: 'no-4k', cap: null }, { streams, firstSeen }));
    const again = decideTranscodes(
      input({ rule: 'no-4k', cap: null }, { streams, firstSeen, now: minutesAgo(-1) }),
    );
    assert.equal(transcodeStopKey(once[0] as TranscodeIntent), transcodeStopKey(again[0] as TranscodeIntent));
    assert.equal(
      transcodeStopKey(once[0] as TranscodeIntent),
      `transcode-stop:1:a:${minutesAgo(3).getTime()}:no-4k`,
    );
  });
});

describe('words', () => {
  test('describeTranscodeRule', () => {
    assert.equal(describeTranscodeRule({ rule: 'allow', cap: null }), null);
    assert.equal(
      describeTranscodeRule({ rule: 'no-4k', cap: 2 }),
      'no 4K conversions, at most 2 converted at once',
    );
    assert.equal(describeTranscodeRule({ rule: 'none', cap: 2 }), 'no conversions');
  });
  test('the on-screen reason says what to do', () => {
    assert.match(
      transcodeOnScreen('no-4k', null).text,
      /4K can't be converted on this server: choose the 1080p version/,
    );
    assert.match(transcodeOnScreen('none', null).text, /"Original" quality/);
    assert.match(transcodeOnScreen('cap', 1).text, /allows 1 converted stream at once/);
  });
});
