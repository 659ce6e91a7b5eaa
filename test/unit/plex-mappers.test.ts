// Plex mappers over realistic payloads. Shapes and values follow /work/shared/reference/media-server-apis.md:
// the JSON session item is the plexjs SDK example (P2) with the container keys real PMS JSON uses
// (`User`, `Player`, `Session`, `Media`); the activity XML is Tautulli #1451 (P3); the refresh activity is
// Tautulli-Issues #174 (P3); /accounts rows follow the plexjs Account model.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAccounts, parseActivities, parseRoot, parseSessions } from '../../src/media/plex/mappers.ts';
import { matchUser, parsePendingShares, parseUsers, shareOf } from '../../src/media/plex/plex-tv.ts';
import type { ActiveStream } from '../../src/media/types.ts';
import { MediaServerError } from '../../src/media/types.ts';
import { pendingShareJson } from '../doubles/plex-tv.ts';

const XML = 'text/xml;charset=utf-8';
const JSON_TYPE = 'application/json';

const xmlSessions = (items: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="1">${items}</MediaContainer>`;

const episodeXml = (
  player: string,
  session = '<Session id="93h7e00ncblxncqw9lkfaoxi" bandwidth="1050" location="lan" />',
) =>
  `<Video addedAt="1667839612" grandparentTitle="Slow Horses" guid="plex://episode/5d9c086c" index="4" key="/library/metadata/286254"
    librarySectionID="2" parentIndex="3" ratingKey="286254" sessionKey="2" title="Negotiating with Tigers" type="episode" viewOffset="0">
    <Media id="350106" protocol="dash" videoCodec="h264" videoResolution="720p" width="1720" selected="1">
      <Part id="350466" decision="transcode" selected="1" />
    </Media>
    <User id="24601" thumb="https://plex.tv/users/1a2b3c/avatar?c=1705853661" title="jvaljean" />
    ${player}
    ${session}
    <TranscodeSession key="/transcode/sessions/vv3i2q2lax92qlzul1hbd4bx" videoDecision="transcode" context="streaming" />
  </Video>`;

const playerXml = (state: string, address = '::ffff:192.168.1.20') =>
  `<Player address="${address}" device="iPhone" machineIdentifier="C8E3F0A2-77D1-4F0B" platform="iOS" platformVersion="17.5"
    product="Plex for iOS" remotePublicAddress="68.248.140.20" state="${state}" title="Jean’s iPhone" local="1" relayed="0" secure="1" />`;

/** plexjs getsessionsmetadata example with PMS's own key casing. */
const sdkTrackJson = {
  addedAt: 1705543312,
  duration: 186240,
  grandparentTitle: 'Green Day',
  key: '/library/metadata/67085',
  librarySectionID: '3',
  ratingKey: '67085',
  sessionKey: '203',
  title: 'The American Dream Is Killing Me',
  type: 'track',
  viewOffset: 1000,
  Media: [{ id: 1, Part: [{ id: 2, decision: 'directplay' }] }],
  User: {
    id: '1',
    thumb: 'https://plex.tv/users/844780fc6f8a26b5/avatar?c=1705853661',
    title: 'Blindkitty38',
  },
  Player: {
    address: '10.10.10.171',
    machineIdentifier: '3tsdzir85m2onc3qyr255aq1',
    model: 'standalone',
    platform: 'windows',
    platformVersion: '10.0.22621',
    product: 'Plex for Windows',
    profile: 'Plex Desktop',
    remotePublicAddress: '68.248.140.20',
    state: 'playing',
    title: 'DESKTOP-BL80MTD',
    version: '1.85.0.4071-21128b56',
    local: true,
    relayed: false,
    secure: true,
    userID: 1,
  },
  Session: { id: '93h7e00ncblxncqw9lkfaoxi', bandwidth: 1050, location: 'lan' },
};

const jsonSessions = (...items: unknown[]): string =>
  JSON.stringify({ MediaContainer: { size: items.length, Metadata: items } });

const cases: Array<{ name: string; body: string; type: string; expect: Array<Partial<ActiveStream>> }> = [
  {
    name: 'XML episode, playing, shared user, IPv4-mapped address',
    body: xmlSessions(episodeXml(playerXml('playing'))),
    type: XML,
    expect: [
      {
        sessionId: '93h7e00ncblxncqw9lkfaoxi',
        key: '2',
        accountId: '24601',
        accountName: 'jvaljean',
        isOwner: false,
        deviceId: 'C8E3F0A2-77D1-4F0B',
        device: 'Jean’s iPhone',
        product: 'Plex for iOS',
        ipAddress: '192.168.1.20',
        title: 'Slow Horses S03E04 – Negotiating with Tigers',
        state: 'playing',
        startedAt: null,
      },
    ],
  },
  {
    name: 'XML paused',
    body: xmlSessions(episodeXml(playerXml('paused'))),
    type: XML,
    expect: [{ state: 'paused' }],
  },
  {
    name: 'XML buffering',
    body: xmlSessions(episodeXml(playerXml('buffering'))),
    type: XML,
    expect: [{ state: 'buffering' }],
  },
  {
    name: 'XML unknown player state reads as null',
    body: xmlSessions(episodeXml(playerXml('stopped', '10.0.0.5'))),
    type: XML,
    expect: [{ state: null, ipAddress: '10.0.0.5' }],
  },
  {
    name: 'XML Plexamp track without Session: sessionId null, key still the sessionKey',
    body: xmlSessions(
      `<Track grandparentTitle="Radiohead" guid="plex://track/5d07cdb0" ratingKey="9021" sessionKey="31" title="Reckoner" type="track">
         <User id="1" title="owner" />
         <Player address="192.168.1.44" machineIdentifier="plexamp-7d1c" platform="Android" product="Plexamp" state="playing" title="Pixel 8" />
       </Track>`,
    ),
    type: XML,
    expect: [
      {
        sessionId: null,
        key: '31',
        isOwner: true,
        product: 'Plexamp',
        title: 'Radiohead – Reckoner',
        state: 'playing',
      },
    ],
  },
  {
    name: 'XML theme music (library:// guid) is not a stream',
    body: xmlSessions(
      `<Track guid="library://9a1c/item/%2Flibrary%2Fmetadata%2F777" sessionKey="40" title="Theme" type="track">
         <User id="24601" title="jvaljean" /><Player state="playing" title="Chrome" />
       </Track>`,
    ),
    type: XML,
    expect: [],
  },
  {
    name: 'XML item without User is skipped, the next one kept',
    body: xmlSessions(
      `<Video sessionKey="7" title="Ghost" type="movie"><Player state="playing" /></Video>
       <Video sessionKey="8" title="Heat" type="movie"><User id="5" title="neil" /></Video>`,
    ),
    type: XML,
    expect: [
      {
        key: '8',
        accountName: 'neil',
        title: 'Heat',
        device: 'Unknown device',
        state: null,
        ipAddress: null,
      },
    ],
  },
  {
    name: 'XML entities in titles are decoded',
    body: xmlSessions(
      `<Video sessionKey="9" title="Bill &amp; Ted&#39;s Excellent Adventure" type="movie"><User id="5" title="neil" /></Video>`,
    ),
    type: XML,
    expect: [{ title: "Bill & Ted's Excellent Adventure" }],
  },
  { name: 'XML empty container', body: '<MediaContainer size="0" />', type: XML, expect: [] },
  {
    name: 'JSON SDK track, owner, typed values',
    body: jsonSessions(sdkTrackJson),
    type: JSON_TYPE,
    expect: [
      {
        sessionId: '93h7e00ncblxncqw9lkfaoxi',
        key: '203',
        accountId: '1',
        accountName: 'Blindkitty38',
        isOwner: true,
        deviceId: '3tsdzir85m2onc3qyr255aq1',
        device: 'DESKTOP-BL80MTD',
        product: 'Plex for Windows',
        ipAddress: '10.10.10.171',
        title: 'Green Day – The American Dream Is Killing Me',
        state: 'playing',
        startedAt: null,
      },
    ],
  },
  {
    name: 'JSON without Session, Player or grandparentTitle',
    body: jsonSessions({
      sessionKey: '12',
      title: 'Arrival',
      type: 'movie',
      User: { id: 77, title: 'louise' },
    }),
    type: JSON_TYPE,
    expect: [
      { sessionId: null, key: '12', accountId: '77', title: 'Arrival', deviceId: null, product: null },
    ],
  },
  {
    name: 'JSON item with User missing is skipped',
    body: jsonSessions({ ...sdkTrackJson, User: undefined }),
    type: JSON_TYPE,
    expect: [],
  },
  { name: 'JSON empty container', body: '{"MediaContainer":{"size":0}}', type: JSON_TYPE, expect: [] },
  {
    name: 'JSON body sent with an XML-less content type is still read',
    body: jsonSessions(sdkTrackJson),
    type: '',
    expect: [{ key: '203' }],
  },
];

describe('parseSessions', () => {
  for (const c of cases) {
    it(c.name, () => {
      const streams = parseSessions(c.body, c.type);
      assert.equal(streams.length, c.expect.length);
      c.expect.forEach((expected, i) => {
        const stream = streams[i];
        assert.ok(stream);
        for (const [key, value] of Object.entries(expected)) {
          assert.deepEqual(stream[key as keyof ActiveStream], value, `${key}`);
        }
      });
    });
  }
});

const unauthorizedHtml =
  '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>';
const garbage: Array<{ name: string; body: string; type: string }> = [
  { name: 'empty body', body: '', type: XML },
  {
    name: 'plain text',
    body: 'upstream connect error or disconnect/reset before headers',
    type: 'text/plain',
  },
  { name: 'truncated XML', body: '<MediaContainer size="1"><Video title="Heat"', type: XML },
  { name: 'the HTML 401 page with a 200', body: unauthorizedHtml, type: 'text/html' },
  { name: 'JSON without MediaContainer', body: '{"errors":[]}', type: JSON_TYPE },
  { name: 'truncated JSON', body: '{"MediaContainer":{"size":1,', type: JSON_TYPE },
  { name: 'JSON array', body: '[]', type: JSON_TYPE },
];

describe('unreadable payloads throw bad-response (never "nothing there")', () => {
  const mappers = { parseSessions, parseActivities, parseRoot, parseAccounts };
  for (const g of garbage) {
    for (const [mapperName, mapper] of Object.entries(mappers)) {
      it(`${mapperName}: ${g.name}`, () => {
        assert.throws(
          () => mapper(g.body, g.type),
          (err: unknown) => err instanceof MediaServerError && err.kind === 'bad-response',
        );
      });
    }
  }
});

describe('parseActivities', () => {
  const tautulliXml = `<MediaContainer size="3">
    <Activity uuid="6f1d2a7e-0b7c-4f7e-9a7e-2b6a1c9d0e11" type="media.download" cancellable="0" userID="24601" title="Downloading Media" subtitle="Slow Horses S03E04" progress="37"></Activity>
    <Activity uuid="fe1365a6-2873-4381-9760-94f665fce24f" type="library.refresh.items" cancellable="0" userID="1" title="Refreshing" subtitle="Augmenting metadata" progress="0"><Context key="/library/metadata/16417/children" /></Activity>
    <Activity uuid="0c7a9e55-0d51-4a57-8f2e-7d8ad2c5e4f0" type="media.download" cancellable="0" userID="77" title="Downloading Media" subtitle="Arrival" progress="100"></Activity>
  </MediaContainer>`;

  it('XML: keeps media.download only, maps uuid/userID/subtitle/progress', () => {
    assert.deepEqual(parseActivities(tautulliXml, XML), [
      {
        id: '6f1d2a7e-0b7c-4f7e-9a7e-2b6a1c9d0e11',
        accountId: '24601',
        accountName: null,
        title: 'Slow Horses S03E04',
        startedAt: null,
        progress: 37,
        complete: false,
      },
      {
        id: '0c7a9e55-0d51-4a57-8f2e-7d8ad2c5e4f0',
        accountId: '77',
        accountName: null,
        title: 'Arrival',
        startedAt: null,
        progress: 100,
        complete: true,
      },
    ]);
  });

  it('JSON: typed values, progress −1 is unknown, a missing uuid is skipped', () => {
    const body = JSON.stringify({
      MediaContainer: {
        size: 3,
        Activity: [
          {
            uuid: 'a1',
            type: 'media.download',
            cancellable: false,
            userID: 24601,
            title: 'Downloading Media',
            subtitle: 'Heat',
            progress: -1,
          },
          { type: 'media.download', userID: 5, subtitle: 'Ghost', progress: 10 },
          {
            uuid: 'a3',
            type: 'media.generate.bif',
            cancellable: true,
            userID: 1,
            title: 'Generating',
            subtitle: 'x',
            progress: 5,
          },
        ],
      },
    });
    assert.deepEqual(parseActivities(body, JSON_TYPE), [
      {
        id: 'a1',
        accountId: '24601',
        accountName: null,
        title: 'Heat',
        startedAt: null,
        progress: null,
        complete: false,
      },
    ]);
  });

  it('an empty container means no downloads', () => {
    assert.deepEqual(parseActivities('<MediaContainer size="0" />', XML), []);
    assert.deepEqual(parseActivities('{"MediaContainer":{"size":0}}', JSON_TYPE), []);
  });
});

describe('parseRoot', () => {
  const rootXml = (subscription: string) =>
    `<MediaContainer size="25" allowSync="1" friendlyName="Basement PMS" machineIdentifier="6a2e7f0c9d1b" myPlex="1"
      myPlexSubscription="${subscription}" platform="Linux" version="1.40.2.8395-c67dce28e"><Directory count="1" key="activities" title="activities" /></MediaContainer>`;

  it('XML with Plex Pass', () => {
    assert.deepEqual(parseRoot(rootXml('1'), XML), {
      serverId: '6a2e7f0c9d1b',
      name: 'Basement PMS',
      version: '1.40.2.8395-c67dce28e',
      premium: true,
      canStopStreams: true,
      stopUnavailableReason: null,
    });
  });

  it('XML without Plex Pass explains why streams cannot be stopped', () => {
    const identity = parseRoot(rootXml('0'), XML);
    assert.equal(identity.premium, false);
    assert.equal(identity.canStopStreams, false);
    assert.match(identity.stopUnavailableReason ?? '', /Plex Pass/);
  });

  it('JSON flags are booleans', () => {
    const body = (v: boolean) =>
      JSON.stringify({
        MediaContainer: { friendlyName: 'B', machineIdentifier: 'm1', myPlexSubscription: v, version: '1.4' },
      });
    assert.equal(parseRoot(body(true), JSON_TYPE).premium, true);
    assert.equal(parseRoot(body(false), JSON_TYPE).canStopStreams, false);
  });

  it('/identity (no friendlyName, no subscription) still yields the machineIdentifier', () => {
    const identity = parseRoot(
      '<MediaContainer size="0" claimed="1" machineIdentifier="m2" version="1.4" />',
      XML,
    );
    assert.equal(identity.serverId, 'm2');
    assert.equal(identity.name, '');
  });

  it('a container without machineIdentifier is a bad response', () => {
    assert.throws(
      () => parseRoot('<MediaContainer size="0" />', XML),
      (err: unknown) => err instanceof MediaServerError && err.kind === 'bad-response',
    );
  });
});

describe('parseAccounts', () => {
  it('XML: skips the nameless system account 0', () => {
    const body = `<MediaContainer size="3" identifier="com.plexapp.system.accounts">
      <Account id="0" key="/accounts/0" name="" defaultAudioLanguage="en" autoSelectAudio="1" />
      <Account id="1" key="/accounts/1" name="owner" defaultAudioLanguage="en" autoSelectAudio="1" />
      <Account id="238960586" key="/accounts/238960586" name="Diane" defaultAudioLanguage="en" autoSelectAudio="1" />
    </MediaContainer>`;
    assert.deepEqual(parseAccounts(body, XML), [
      { id: '1', name: 'owner' },
      { id: '238960586', name: 'Diane' },
    ]);
  });

  it('JSON: numeric ids, blank names skipped', () => {
    const body = JSON.stringify({
      MediaContainer: {
        size: 3,
        Account: [
          { id: 238960586, key: '/accounts/238960586', name: 'Diane', autoSelectAudio: true },
          { id: 5, key: '/accounts/5', name: '  ' },
          { key: '/accounts/?', name: 'no id' },
        ],
      },
    });
    assert.deepEqual(parseAccounts(body, JSON_TYPE), [{ id: '238960586', name: 'Diane' }]);
  });
});

describe('the server owner is recognised by account id, not by name', () => {
  const session = (userId: string, title: string) =>
    xmlSessions(
      `<Video sessionKey="${userId}" title="Heat" type="movie"><User id="${userId}" title="${title}" /><Player state="playing" /></Video>`,
    );
  it('User id 1 is the owner whatever the title says', () => {
    assert.equal(parseSessions(session('1', 'renamed_owner'), XML)[0]?.isOwner, true);
  });
  it('a friend titled like the owner is not the owner (friends appear under their plex.tv account id)', () => {
    assert.equal(parseSessions(session('7777001', 'owner'), XML)[0]?.isOwner, false);
  });
  it('JSON: the owner is the number 1', () => {
    const json = JSON.stringify({
      MediaContainer: {
        size: 1,
        Metadata: [{ sessionKey: '5', title: 'Heat', type: 'movie', User: { id: 1, title: 'x' } }],
      },
    });
    assert.equal(parseSessions(json, JSON_TYPE)[0]?.isOwner, true, 'JSON ids are numbers');
  });
});

// plex.tv /api/users: attributes of python-plexapi MyPlexUser._loadData and MyPlexServerShare._loadData (@a8d051f2),
// the same ones Tautulli get_full_users_list() reads; the container is plex.tv's v1 MediaContainer.
const usersXml = `<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex" machineIdentifier="0f1e2d" totalSize="3" size="3">
  <User id="24601" title="Jean Valjean" username="jvaljean" email="jean@example.com" recommendationsPlaylistId="" thumb="https://plex.tv/users/6019/avatar?c=1" protected="0" home="0" allowTuners="0" allowSync="1" allowCameraUpload="0" allowChannels="1" allowSubtitleAdmin="0" filterAll="" filterMovies="" filterMusic="" filterPhotos="" filterTelevision="" restricted="0">
    <Server id="5550001" serverId="31415926" machineIdentifier="m-basement" name="Basement PMS" lastSeenAt="1717430400" numLibraries="3" allLibraries="1" owned="1" pending="0"/>
  </User>
  <User id="4242" title="marius" username="marius" email="marius@example.com" allowSync="0" home="0" restricted="0">
    <Server id="5550002" serverId="31415926" machineIdentifier="m-basement" name="Basement PMS" numLibraries="1" allLibraries="0" owned="1" pending="1"/>
    <Server id="5550003" serverId="27182818" machineIdentifier="m-other" name="Other" numLibraries="2" allLibraries="1" owned="1" pending="0"/>
  </User>
  <User id="" title="broken" username="broken"/>
</MediaContainer>`;

// GET /api/v2/shared_servers/owned/pending, as the plex.tv double answers it (its sources are named there).
const pendingJson = JSON.stringify([
  ...pendingShareJson(
    {
      id: 777001,
      username: 'eponine',
      email: 'eponine@example.com',
      servers: [{ machineIdentifier: 'm-basement', name: 'Basement PMS' }],
    },
    1_000_001,
  ),
  { id: 9100002, machineIdentifier: 'm-other', name: 'Attic', allLibraries: false, invitedId: 777001 },
  // An invite to an email with no plex.tv account yet: no account id.
  { id: 9100003, machineIdentifier: 'm-basement', invitedId: null, invitedEmail: 'no-account@example.com' },
]);

describe('plex.tv users and invites', () => {
  it('reads friends with allowSync and their server shares; an element without id is skipped', () => {
    const users = parseUsers(usersXml, 'application/xml');
    assert.deepEqual(
      users.map((u) => [u.id, u.username, u.title, u.email, u.allowSync, u.pending]),
      [
        ['24601', 'jvaljean', 'Jean Valjean', 'jean@example.com', true, false],
        ['4242', 'marius', 'marius', 'marius@example.com', false, false],
      ],
    );
    assert.deepEqual(users[1]?.servers[0], {
      machineIdentifier: 'm-basement',
      name: 'Basement PMS',
      pending: true,
      allLibraries: false,
    });
  });

  it('reads pending invites, one user per account with each share; an invite without an account id is skipped', () => {
    const invites = parsePendingShares(pendingJson);
    assert.deepEqual(
      invites.map((i) => [i.id, i.username, i.title, i.email, i.pending, i.allowSync]),
      [['777001', 'eponine', 'eponine', 'eponine@example.com', true, null]],
    );
    assert.deepEqual(
      invites[0]?.servers.map((s) => [s.machineIdentifier, s.pending, s.allLibraries]),
      [
        ['m-basement', true, true],
        ['m-other', true, false],
      ],
    );
    for (const bad of ['<html>', '{"errors":[]}', '[{"invitedId":{}}]']) {
      assert.throws(
        () => parsePendingShares(bad),
        (err: unknown) => err instanceof MediaServerError && err.kind === 'bad-response',
      );
    }
  });

  it('finds the share of a server by machineIdentifier, or by name when plex.tv gave no machineIdentifier', () => {
    const [jean, marius] = parseUsers(usersXml, 'application/xml');
    const [eponine] = parsePendingShares(pendingJson);
    const basement = { machineIdentifier: 'm-basement', name: 'Basement PMS' };
    assert.equal(jean && shareOf(jean, basement)?.allLibraries, true);
    assert.equal(marius && shareOf(marius, { machineIdentifier: 'm-other', name: 'x' })?.pending, false);
    assert.ok(eponine && shareOf(eponine, basement));
    assert.equal(eponine && shareOf(eponine, { machineIdentifier: 'm-elsewhere', name: 'Elsewhere' }), null);
    assert.equal(jean && shareOf(jean, { machineIdentifier: 'm-elsewhere', name: 'Basement PMS' }), null);
  });

  it('matches by id first, then username, title or email without regard to case', () => {
    const users = parseUsers(usersXml, 'application/xml');
    assert.equal(matchUser(users, { id: '4242', name: 'jvaljean' })?.id, '4242');
    assert.equal(matchUser(users, { id: null, name: 'JEAN VALJEAN' })?.id, '24601');
    assert.equal(matchUser(users, { id: null, name: 'Marius@Example.com' })?.id, '4242');
    assert.equal(matchUser(users, { id: null, name: '  ' }), null);
  });

  it('plex.tv HTML instead of XML is a bad response', () => {
    assert.throws(
      () => parseUsers('<!DOCTYPE html><p>Maintenance', 'text/html'),
      (err: unknown) => err instanceof MediaServerError && err.kind === 'bad-response',
    );
  });
});
