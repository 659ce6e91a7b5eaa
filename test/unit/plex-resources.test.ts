// plex.tv's resource list (`GET /api/v2/resources`, JSON) as `/server connect` reads it: the fixture is the plex.tv
// double's (test/doubles/plex-tv-resources.ts, with its sources), so the parser and the double cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionOrder, parseResources } from '../../src/media/plex/resources.ts';
import { MediaServerError } from '../../src/media/types.ts';
import { resourcesFor } from '../doubles/plex-tv-resources.ts';

const OWNER = 41;
const FRIEND = 42;
const list = resourcesFor(
  [
    {
      name: 'Home',
      clientIdentifier: 'a'.repeat(40),
      ownerId: OWNER,
      accessToken: 'home-token-1',
      connections: [
        { uri: 'https://203-0-113-24.abc.plex.direct:8443', relay: true },
        { uri: 'http://203.0.113.24:32400' },
        { uri: 'https://192-168-1-10.abc.plex.direct:32400', local: true },
        { uri: 'https://203-0-113-24.abc.plex.direct:32400' },
        { uri: 'http://192.168.1.10:32400', local: true },
      ],
    },
    {
      name: 'Phone',
      clientIdentifier: 'phone-1',
      ownerId: OWNER,
      accessToken: 'p',
      provides: 'client,player',
      connections: [],
    },
    {
      name: 'Shared',
      clientIdentifier: 'b'.repeat(40),
      ownerId: FRIEND,
      sharedWith: [OWNER],
      accessToken: 'shared-1',
      connections: [],
    },
  ],
  OWNER,
);

test('only Plex Media Servers are kept; owned and the server token come from the resource', () => {
  const servers = parseResources(JSON.parse(JSON.stringify(list)));
  assert.deepEqual(
    servers.map((s) => [s.name, s.owned, s.accessToken]),
    [
      ['Home', true, 'home-token-1'],
      ['Shared', false, 'shared-shared-1'],
    ],
  );
});

test('addresses: local https, local http, remote https, remote http, relay last', () => {
  const [home] = parseResources(list);
  assert.ok(home);
  assert.deepEqual(
    connectionOrder(home).map((c) => c.uri),
    [
      'https://192-168-1-10.abc.plex.direct:32400',
      'http://192.168.1.10:32400',
      'https://203-0-113-24.abc.plex.direct:32400',
      'http://203.0.113.24:32400',
      'https://203-0-113-24.abc.plex.direct:8443',
    ],
  );
  assert.deepEqual(
    connectionOrder({ ...home, httpsRequired: true }).map((c) => c.protocol),
    ['https', 'https', 'https'],
    'http is left out when the server requires secure connections',
  );
});

test('an answer that is not a resource list is a bad response, not a crash', () => {
  for (const answer of [{ MediaContainer: {} }, [{ name: 'x' }], 'nope', null]) {
    assert.throws(
      () => parseResources(answer),
      (err) => err instanceof MediaServerError && err.kind === 'bad-response',
    );
  }
});
