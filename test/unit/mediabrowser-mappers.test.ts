import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanIpAddress,
  downloadItemIds,
  mapActivityDownloads,
  mapSessions,
  mapSyncDownloads,
  mapSystemInfo,
  mapUsers,
  nowPlayingTitle,
  parseActivityPage,
  parseItemTitles,
  parseSyncJobItems,
  parseSyncJobs,
  parseSyncTargets,
  readUserPolicy,
  syncJobOwners,
  withAccountNames,
} from '../../src/media/mediabrowser/mappers.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import { MediaServerError } from '../../src/media/types.ts';

// A Jellyfin 10.10 SessionInfoDto (field names from reference J2); variants below change one aspect each.
const ALICE = '2b1a7c0e5d6f4a8b9c0d1e2f3a4b5c6d';
const playingEpisode = {
  PlayState: {
    PositionTicks: 7200000000,
    CanSeek: true,
    IsPaused: false,
    IsMuted: false,
    PlayMethod: 'DirectPlay',
  },
  AdditionalUsers: [],
  RemoteEndPoint: '203.0.113.7',
  PlayableMediaTypes: ['Audio', 'Video'],
  Id: '8f3c2e1d0a9b4c7d8e6f5a4b3c2d1e0f',
  UserId: ALICE,
  UserName: 'alice',
  Client: 'Jellyfin iOS',
  LastActivityDate: '2026-06-04T18:22:31.0000000Z',
  DeviceName: "Alice's iPhone",
  DeviceId: 'ABCD-1234',
  ApplicationVersion: '1.3.0',
  IsActive: true,
  SupportsMediaControl: true,
  SupportsRemoteControl: true,
  NowPlayingItem: {
    Name: 'Chapter 5',
    Id: '99990000aaaabbbbccccddddeeeeffff',
    Type: 'Episode',
    SeriesName: 'Some Show',
    ParentIndexNumber: 1,
    IndexNumber: 5,
    RunTimeTicks: 18000000000,
  },
  ServerId: 'f00dfeedf00dfeedf00dfeedf00dfeed',
};
const { NowPlayingItem: _, ...idleSession } = playingEpisode;
const movie = { Name: 'The Matrix', Id: '1111', Type: 'Movie', RunTimeTicks: 81840000000 };

function isBadResponse(err: unknown): boolean {
  return err instanceof MediaServerError && err.kind === 'bad-response';
}

describe('mapSessions', () => {
  it('maps a playing episode onto every ActiveStream field', () => {
    assert.deepEqual(mapSessions([playingEpisode]), [
      {
        sessionId: '8f3c2e1d0a9b4c7d8e6f5a4b3c2d1e0f',
        key: '8f3c2e1d0a9b4c7d8e6f5a4b3c2d1e0f',
        accountId: ALICE,
        accountName: 'alice',
        isOwner: false,
        deviceId: 'ABCD-1234',
        device: "Alice's iPhone",
        product: 'Jellyfin iOS',
        ipAddress: '203.0.113.7',
        title: 'Some Show — S01E05 — Chapter 5',
        state: 'playing',
        startedAt: null,
        delivery: { method: 'direct-play', videoTranscode: false, sourceHeight: null },
      } satisfies ActiveStream,
    ]);
  });

  const variant = (over: object) => ({ ...playingEpisode, ...over });
  const cases: [name: string, session: object, expect: Partial<ActiveStream>][] = [
    ['idle app (no NowPlayingItem) is not a stream', idleSession, { state: null, title: null }],
    ['NowPlayingItem: null is idle too', variant({ NowPlayingItem: null }), { state: null, title: null }],
    [
      'paused movie',
      variant({ NowPlayingItem: movie, PlayState: { IsPaused: true } }),
      { state: 'paused', title: 'The Matrix' },
    ],
    [
      'episode without numbers',
      variant({ NowPlayingItem: { Name: 'Pilot', Type: 'Episode', SeriesName: 'Show' } }),
      { title: 'Show — Pilot' },
    ],
    [
      'IPv4-mapped IPv6 address',
      variant({ RemoteEndPoint: '::ffff:198.51.100.4' }),
      { ipAddress: '198.51.100.4' },
    ],
    ['address with port', variant({ RemoteEndPoint: '198.51.100.4:53122' }), { ipAddress: '198.51.100.4' }],
    [
      'Emby SessionInfo shape',
      variant({ Protocol: 'HTTP/1.1', InternalDeviceId: 7, IsActive: undefined }),
      { state: 'playing' },
    ],
  ];
  for (const [name, session, expect] of cases) {
    it(name, () => {
      const [stream] = mapSessions([session]);
      assert.ok(stream);
      assert.deepEqual({ ...stream, ...expect }, stream);
    });
  }
});

describe('mapSessions: delivery', () => {
  // PlayState.PlayMethod (jellyfin MediaBrowser.Model/Session/PlayMethod.cs: Transcode, DirectStream, DirectPlay;
  // Emby 4.8 OpenAPI PlayerStateInfo.PlayMethod), TranscodingInfo.IsVideoDirect/Width/Height (jellyfin
  // TranscodingInfo.cs: the encoder's output), NowPlayingItem.MediaStreams (SessionManager.GetItemInfo: the media
  // source's streams, i.e. the file) and NowPlayingItem.Height (DtoService: the item's own).
  const fileStreams = (height: number) => [
    {
      Codec: 'hevc',
      Type: 'Video',
      Index: 0,
      IsDefault: true,
      Height: height,
      Width: Math.round((height * 16) / 9),
    },
    { Codec: 'eac3', Type: 'Audio', Index: 1, IsDefault: true, Channels: 6 },
  ];
  const uhdMovie = { ...movie, Width: 3840, Height: 2160, MediaStreams: fileStreams(2160) };
  const output = (height: number, videoDirect: boolean) => ({
    AudioCodec: 'aac',
    VideoCodec: videoDirect ? 'hevc' : 'h264',
    Container: 'ts',
    IsVideoDirect: videoDirect,
    IsAudioDirect: false,
    Bitrate: 8_000_000,
    Width: Math.round((height * 16) / 9),
    Height: height,
    TranscodeReasons: ['VideoResolutionNotSupported'],
  });
  const playing = (method: string, over: object = {}) => ({
    ...playingEpisode,
    NowPlayingItem: uhdMovie,
    PlayState: { IsPaused: false, PlayMethod: method },
    ...over,
  });
  const table: [name: string, session: object, delivery: ActiveStream['delivery']][] = [
    [
      'direct play of a 4K file',
      playing('DirectPlay'),
      { method: 'direct-play', videoTranscode: false, sourceHeight: 2160 },
    ],
    [
      'direct stream (remuxed)',
      playing('DirectStream'),
      { method: 'direct-stream', videoTranscode: false, sourceHeight: 2160 },
    ],
    [
      '4K converted to 1080p: the height is the file’s, not TranscodingInfo’s',
      playing('Transcode', { TranscodingInfo: output(1080, false) }),
      { method: 'transcode', videoTranscode: true, sourceHeight: 2160 },
    ],
    [
      'only the audio converted (IsVideoDirect)',
      playing('Transcode', { TranscodingInfo: output(2160, true) }),
      { method: 'transcode', videoTranscode: false, sourceHeight: 2160 },
    ],
    [
      'Transcode before the server reported its job: the video is not counted on a guess',
      playing('Transcode'),
      { method: 'transcode', videoTranscode: false, sourceHeight: 2160 },
    ],
    [
      'Emby TranscodingInfo with its extra fields',
      playing('Transcode', {
        TranscodingInfo: {
          ...output(720, false),
          CurrentCpuUsage: 41.5,
          VideoEncoder: 'libx264',
          SubProtocol: 'hls',
        },
      }),
      { method: 'transcode', videoTranscode: true, sourceHeight: 2160 },
    ],
    [
      'no MediaStreams: the item’s own Height',
      playing('Transcode', {
        NowPlayingItem: { ...movie, Width: 3840, Height: 2160 },
        TranscodingInfo: output(1080, false),
      }),
      { method: 'transcode', videoTranscode: true, sourceHeight: 2160 },
    ],
    [
      'music has no video height',
      playing('DirectPlay', {
        NowPlayingItem: { Name: 'Teardrop', Type: 'Audio', MediaStreams: [{ Type: 'Audio', Codec: 'flac' }] },
      }),
      { method: 'direct-play', videoTranscode: false, sourceHeight: null },
    ],
    ['an idle app has no delivery', idleSession, null],
    ['a PlayMethod this version does not know: unknown, not an error', playing('Teleport'), null],
  ];
  for (const [name, session, delivery] of table) {
    it(name, () => assert.deepEqual(mapSessions([session])[0]?.delivery, delivery));
  }
});

describe('nowPlayingTitle: from structured fields, never a display string', () => {
  // BaseItemDto fields (jellyfin MediaBrowser.Model/Dto/BaseItemDto.cs; Emby 4.8 OpenAPI BaseItemDto).
  const table: [name: string, item: Parameters<typeof nowPlayingTitle>[0], title: string | null][] = [
    [
      'episode',
      { Name: 'Chapter 5', Type: 'Episode', SeriesName: 'Some Show', ParentIndexNumber: 1, IndexNumber: 5 },
      'Some Show — S01E05 — Chapter 5',
    ],
    [
      'episode without season',
      { Name: 'Pilot', Type: 'Episode', SeriesName: 'Show', IndexNumber: 1 },
      'Show — E01 — Pilot',
    ],
    [
      'music: artists and album',
      { Name: 'Teardrop', Type: 'Audio', Artists: ['Massive Attack'], Album: 'Mezzanine' },
      'Massive Attack — Mezzanine — Teardrop',
    ],
    [
      'music: several artists, no album',
      { Name: 'Under Pressure', Type: 'Audio', Artists: ['Queen', 'David Bowie'] },
      'Queen, David Bowie — Under Pressure',
    ],
    [
      'music: album artist when Artists is empty',
      { Name: 'Track 1', Type: 'Audio', Artists: [], AlbumArtist: 'Various', Album: 'Hits' },
      'Various — Hits — Track 1',
    ],
    ['movie: its Name', { Name: 'Heat', Type: 'Movie' }, 'Heat'],
    ['no Name at all', { Type: 'Movie' }, null],
  ];
  for (const [name, item, title] of table) it(name, () => assert.equal(nowPlayingTitle(item), title));
});

describe('cleanIpAddress', () => {
  const table: [input: string | null, expected: string | null][] = [
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7:4455', '203.0.113.7'],
    ['203.0.113.7:8096', '203.0.113.7'],
    ['[2001:db8::7]:8920', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    ['', null],
    [null, null],
  ];
  for (const [input, expected] of table)
    it(`${input} → ${expected}`, () => assert.equal(cleanIpAddress(input), expected));
});

// ActivityLogEntry as Jellyfin writes it in LibraryController.LogDownloadAsync (reference J4).
const BOB = '7e6d5c4b3a2918077f6e5d4c3b2a1908';
let nextId = 1200;
function entry(at: string, over: Record<string, unknown> = {}) {
  return {
    Id: nextId++,
    Name: 'alice is downloading The Matrix',
    ShortOverview: 'App: Jellyfin Android, Device: Pixel 8',
    Type: 'UserDownloadingContent',
    ItemId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    Date: at,
    UserId: ALICE,
    Severity: 'Information',
    ...over,
  };
}
const downloadsOf = (entries: object[]) =>
  mapActivityDownloads(
    parseActivityPage({ Items: entries, TotalRecordCount: entries.length, StartIndex: 0 }).entries,
  );

describe('mapActivityDownloads', () => {
  it('maps one download entry', () => {
    const e = entry('2026-08-20T19:02:11.0000000Z');
    assert.deepEqual(downloadsOf([e]), [
      {
        id: String(e.Id),
        accountId: ALICE,
        accountName: null,
        title: 'The Matrix',
        startedAt: new Date('2026-08-20T19:02:11Z'),
        progress: null,
        complete: true,
      },
    ]);
  });

  // The log lists entries newest first; `keep` indexes the entries expected to stand for a download.
  const day = (time: string) => `2026-08-20T${time}.0000000Z`;
  const cases: [name: string, entries: ReturnType<typeof entry>[], keep: number[]][] = [
    [
      'Android duplicates (jellyfin-android #1607) are one download',
      ['19:04:11', '19:03:40', '19:02:11'].map((t) => entry(day(t))),
      [2],
    ],
    ['entries 3 h apart are two downloads', [entry(day('13:00:00')), entry(day('10:00:00'))], [1, 0]],
    [
      'the 2 h window runs from the first entry',
      ['12:30:00', '11:30:00', '10:00:00'].map((t) => entry(day(t))),
      [2, 0],
    ],
    [
      'other activity types are ignored',
      [
        entry(day('10:00:00'), { Type: 'VideoPlayback', Name: 'alice is playing The Matrix on Pixel 8' }),
        entry(day('10:01:00'), {
          Type: 'SessionStarted',
          Name: 'alice is online from Pixel 8',
          ItemId: undefined,
        }),
        entry(day('10:02:00'), { Type: 'AuthenticationSucceeded', Name: 'alice successfully authenticated' }),
      ],
      [],
    ],
    [
      'same item by two users is two downloads',
      [entry(day('10:00:05'), { UserId: BOB }), entry(day('10:00:00'))],
      [1, 0],
    ],
    [
      'two items by one user is two downloads',
      [entry(day('10:00:05'), { ItemId: 'ffff' }), entry(day('10:00:00'))],
      [1, 0],
    ],
  ];
  for (const [name, entries, keep] of cases) {
    it(name, () => {
      assert.deepEqual(
        downloadsOf(entries).map((d) => d.id),
        keep.map((i) => String(entries[i]?.Id)),
      );
    });
  }

  it('title is the text after " is downloading ", else the whole Name', () => {
    const names = ['bob is downloading Heat', 'alice lädt The Matrix herunter'];
    const titles = names.map(
      (Name, i) => downloadsOf([entry(day('10:00:00'), { Name, ItemId: String(i) })])[0]?.title,
    );
    assert.deepEqual(titles, ['Heat', 'alice lädt The Matrix herunter']);
  });

  it('an all-zero UserId (system entry) has no account', () => {
    const [d] = downloadsOf([entry('2026-08-20T10:00:00Z', { UserId: '00000000000000000000000000000000' })]);
    assert.equal(d?.accountId, null);
  });
});

describe('download titles in the server language', () => {
  // "{0} lädt {1} herunter": jellyfin Emby.Server.Implementations/Localization/Core/de.json UserDownloadingItemWithValues.
  const german = (over: Record<string, unknown> = {}) =>
    entry('2026-08-20T19:02:11.0000000Z', { Name: 'alice lädt Pilot herunter', ...over });
  const entriesOf = (entries: object[]) =>
    parseActivityPage({ Items: entries, TotalRecordCount: entries.length, StartIndex: 0 }).entries;
  // BaseItemDto of an episode, as `GET /Items?ids=` answers it (the ids dashed or not, any case).
  const titles = parseItemTitles({
    Items: [
      {
        Id: 'A1B2C3D4E5F60718293A4B5C6D7E8F90',
        Name: 'Pilot',
        Type: 'Episode',
        SeriesName: 'Some Show',
        ParentIndexNumber: 1,
        IndexNumber: 1,
      },
    ],
    TotalRecordCount: 1,
  });

  it('takes the title from the item', () =>
    assert.deepEqual(
      mapActivityDownloads(entriesOf([german()]), titles).map((d) => d.title),
      ['Some Show — S01E01 — Pilot'],
    ));
  it('falls back to the whole sentence when the item is unknown', () =>
    assert.deepEqual(
      mapActivityDownloads(entriesOf([german({ ItemId: 'ffff0000ffff0000ffff0000ffff0000' })]), titles).map(
        (d) => d.title,
      ),
      ['alice lädt Pilot herunter'],
    ));
  it('asks for each download item once', () =>
    assert.deepEqual(
      downloadItemIds(
        entriesOf([german(), german(), german({ Type: 'VideoPlayback', ItemId: 'b'.repeat(32) })]),
      ),
      ['a1b2c3d4e5f60718293a4b5c6d7e8f90'],
    ));
});

// Emby 4.8 OpenAPI (MediaBrowser/Emby.SDK Resources/OpenApi/openapi_v3.json): SyncJob and SyncJobItem ids, JobId,
// ItemId and SyncJob.UserId are int64 numbers (UserId is the internal id); TargetId is the device id string.
describe('Emby sync jobs', () => {
  const created = '2026-08-19T08:00:00.0000000Z';
  const job = (Id: number, UserId: number, TargetId: string) => ({
    Id,
    TargetId,
    InternalTargetId: 12,
    TargetName: 'Pixel 8',
    Name: 'Heat',
    Status: 'Transferring',
    UserId,
    RequestedItemIds: [5501],
    ItemCount: 2,
    DateCreated: created,
  });
  const item = (Id: number, JobId: number, ItemName: string, Status: string, Progress: number) => ({
    Id,
    JobId,
    ItemId: 5500 + Id,
    ItemName,
    TargetId: 'dev-1',
    Status,
    Progress,
    DateCreated: created,
  });

  it('one download per job item, owner from the sync targets, complete when Synced', () => {
    const jobs = parseSyncJobs({ Items: [job(7, 3, 'dev-1')], TotalRecordCount: 1 });
    const items = parseSyncJobItems({
      Items: [item(101, 7, 'Heat', 'Synced', 100), item(102, 7, 'Ronin', 'Transferring', 41.5)],
    });
    const owners = syncJobOwners(jobs, new Map([[BOB, ['dev-1']]]));
    const common = { accountId: BOB, accountName: null, startedAt: new Date(created) };
    assert.deepEqual(mapSyncDownloads(jobs, items, owners), [
      { id: 'sync:101', ...common, title: 'Heat', progress: 100, complete: true },
      { id: 'sync:102', ...common, title: 'Ronin', progress: 41.5, complete: false },
    ]);
  });

  it('a job is never attributed by comparing its internal UserId with a user-list id', () => {
    const jobs = parseSyncJobs({ Items: [job(7, 3, 'unknown-device')] });
    const owners = syncJobOwners(jobs, new Map([['3', ['dev-1']]]));
    assert.equal(owners.get('7'), null);
  });

  it('a shared device is settled by the internal id learnt from an unshared device', () => {
    const jobs = parseSyncJobs({
      Items: [
        job(1, 3, 'alice-phone'),
        job(2, 4, 'bob-tv'),
        job(3, 3, 'ipad'),
        job(4, 4, 'ipad'),
        job(5, 9, 'ipad'),
      ],
    });
    const targets = new Map([
      [ALICE, ['alice-phone', 'ipad']],
      [BOB, ['bob-tv', 'ipad']],
    ]);
    assert.deepEqual(
      [...syncJobOwners(jobs, targets)],
      [
        ['1', ALICE],
        ['2', BOB],
        ['3', ALICE],
        ['4', BOB],
        ['5', null],
      ],
    );
  });

  it('sync targets are a bare array of { Name, Id }', () => {
    assert.deepEqual(parseSyncTargets([{ Name: 'Pixel 8', Id: 'dev-1' }]), ['dev-1']);
  });
  it('no jobs → no downloads', () => assert.deepEqual(mapSyncDownloads([], [], new Map()), []));
});

describe('users, policy and system info', () => {
  it('mapUsers reads an array or a QueryResult', () => {
    const users = [{ Name: 'alice', Id: ALICE, Policy: { IsAdministrator: false } }];
    assert.deepEqual(mapUsers(users), [{ id: ALICE, name: 'alice' }]);
    assert.deepEqual(mapUsers({ Items: users, TotalRecordCount: 1 }), [{ id: ALICE, name: 'alice' }]);
  });
  it('readUserPolicy keeps every key', () => {
    const Policy = {
      IsAdministrator: false,
      EnableContentDownloading: true,
      EnabledFolders: ['a'],
      MaxActiveSessions: 3,
    };
    assert.deepEqual(readUserPolicy({ Id: ALICE, Name: 'alice', Policy }), Policy);
  });
  it('withAccountNames fills names from /Users', () => {
    const [d] = withAccountNames(downloadsOf([entry('2026-08-20T10:00:00Z')]), [
      { id: ALICE, name: 'alice' },
    ]);
    assert.equal(d?.accountName, 'alice');
  });
  it('mapSystemInfo', () => {
    const info = { ServerName: 'Basement', Version: '10.10.7', Id: 'f00d', ProductName: 'Jellyfin Server' };
    assert.deepEqual(mapSystemInfo(info), {
      serverId: 'f00d',
      name: 'Basement',
      version: '10.10.7',
      premium: null,
      canStopStreams: true,
      stopUnavailableReason: null,
    });
  });
});

describe('malformed payloads → bad-response', () => {
  const table: [name: string, run: () => unknown][] = [
    ['sessions not an array', () => mapSessions({ Items: [] })],
    ['sessions HTML', () => mapSessions('<html>')],
    ['session without Id', () => mapSessions([{ ...playingEpisode, Id: undefined }])],
    [
      'session with IsPaused as text',
      () => mapSessions([{ ...playingEpisode, PlayState: { IsPaused: 'no' } }]),
    ],
    ['empty body (undefined)', () => mapSessions(undefined)],
    ['activity page as bare array', () => parseActivityPage([entry('2026-08-20T10:00:00Z')])],
    ['activity page without Items', () => parseActivityPage({ TotalRecordCount: 0, StartIndex: 0 })],
    [
      'activity entry without Type',
      () => parseActivityPage({ Items: [{ Id: 1, Name: 'x', Date: '2026-08-20T10:00:00Z' }] }),
    ],
    ['activity entry with unreadable Date', () => downloadsOf([entry('yesterday')])],
    ['sync jobs without Items', () => parseSyncJobs({})],
    ['sync job items not a QueryResult', () => parseSyncJobItems([])],
    ['sync targets as a QueryResult', () => parseSyncTargets({ Items: [] })],
    ['users not a list', () => mapUsers({ Name: 'alice' })],
    ['user without Policy', () => readUserPolicy({ Id: ALICE, Name: 'alice' })],
    ['system info without Id', () => mapSystemInfo({ ServerName: 'x', Version: '1' })],
  ];
  for (const [name, run] of table) it(name, () => assert.throws(run, isBadResponse));
});
