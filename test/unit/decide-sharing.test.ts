// The sharing signals, table by table: households exceeded in a day, impossible travel (distance after the accuracy
// radii, time between the places, the speed threshold), which addresses are places at all (private, LAN and
// special addresses never are, so they are never looked up), and the admins' alert with its evidence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decideSharing,
  distanceKm,
  impossibleTrip,
  MAX_SPEED_KMH,
  type Place,
  type SharingInput,
} from '../../src/decide/sharing.ts';
import { type FlagEvidence, flagSummary, sharingAlert } from '../../src/notify/sharing.ts';
import { cityOf, publicNetwork } from '../../src/sense/places.ts';

const NOW = new Date('2026-12-06T20:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

// Coordinates as GeoLite2 places them (fast-geoip's data): Princeton's and Cambridge's university networks.
const TRENTON = { city: 'Trenton, NJ, US', latitude: 40.1994, longitude: -74.712, accuracyKm: 50 };
const CAMBRIDGE = { city: 'Cambridge, ENG, GB', latitude: 52.2087, longitude: 0.0986, accuracyKm: 5 };
const LONDON = { city: 'London, ENG, GB', latitude: 51.5164, longitude: -0.093, accuracyKm: 20 };
const NOWHERE = { city: null, latitude: null, longitude: null, accuracyKm: null };

const place = (
  network: string,
  where: Pick<Place, 'city' | 'latitude' | 'longitude' | 'accuracyKm'>,
  from: number,
  to: number,
  day = '2026-12-06',
): Place => ({
  day,
  network,
  ...where,
  device: `Device on ${network}`,
  firstSeenAt: hoursAgo(from),
  lastSeenAt: hoursAgo(to),
});

const input = (places: Place[], over: Partial<SharingInput> = {}): SharingInput => ({
  memberId: 7,
  households: 0,
  travel: false,
  today: '2026-12-06',
  places,
  now: NOW,
  ...over,
});

describe('households', () => {
  const three = [
    place('198.51.100.0/24', NOWHERE, 10, 9),
    place('192.0.2.0/24', NOWHERE, 8, 7),
    place('2001:db8:1::/48', NOWHERE, 3, 2),
  ];
  const cases: Array<[string, Place[], number, number]> = [
    ['off (0): never a flag', three, 0, 0],
    ['as many places as households: no flag', three, 3, 0],
    ['one more place than households: a flag', three, 2, 1],
    [
      'yesterday’s places do not count today',
      [...three.slice(0, 2), { ...three[2]!, day: '2026-12-05' }],
      2,
      0,
    ],
    ['one network seen twice is one place', [three[0]!, { ...three[0]!, device: 'Phone' }], 1, 0],
  ];
  for (const [name, places, households, flags] of cases)
    test(name, () => {
      const intents = decideSharing(input(places, { households }));
      assert.equal(intents.filter((i) => i.type === 'households').length, flags);
    });

  test('the flag names every place of the day, first seen first, keyed once per member and day', () => {
    const [flag] = decideSharing(input([...three].reverse(), { households: 1 }));
    assert.ok(flag?.type === 'households');
    assert.equal(flag.key, 'households:7:2026-12-06');
    assert.equal(flag.allowed, 1);
    assert.deepEqual(
      flag.places.map((p) => p.network),
      ['198.51.100.0/24', '192.0.2.0/24', '2001:db8:1::/48'],
    );
  });
});

describe('impossible travel', () => {
  const trentonToCambridge = distanceKm(TRENTON, CAMBRIDGE) - 55;

  test('the distance is the great circle (Trenton–Cambridge about 5,640 km)', () => {
    assert.ok(Math.abs(distanceKm(TRENTON, CAMBRIDGE) - 5640) < 30);
  });

  const cases: Array<[string, Place, Place, boolean]> = [
    ['two cities at the same time', place('a', TRENTON, 2, 0), place('b', CAMBRIDGE, 1, 0), true],
    ['two hours apart across the Atlantic', place('a', TRENTON, 5, 4), place('b', CAMBRIDGE, 2, 1), true],
    [
      'a night apart across the Atlantic: a flight',
      place('a', TRENTON, 12, 10),
      place('b', CAMBRIDGE, 1, 0),
      false,
    ],
    [
      'Cambridge and London at once: under the minimum distance',
      place('a', CAMBRIDGE, 1, 0),
      place('b', LONDON, 1, 0),
      false,
    ],
    ['a place without a city is never compared', place('a', TRENTON, 1, 0), place('b', NOWHERE, 1, 0), false],
    ['off: no flag', place('a', TRENTON, 1, 0), place('b', CAMBRIDGE, 1, 0), false],
  ];
  for (const [name, a, b, flagged] of cases)
    test(name, () => {
      const travel = !name.startsWith('off');
      const intents = decideSharing(input([a, b], { travel }));
      assert.equal(intents.length, flagged ? 1 : 0);
    });

  test('the speed threshold: just over flags, just under does not', () => {
    const hoursAtMax = trentonToCambridge / MAX_SPEED_KMH;
    assert.ok(impossibleTrip(place('a', TRENTON, 20, 20), place('b', CAMBRIDGE, 20 - hoursAtMax * 0.99, 0)));
    assert.equal(
      impossibleTrip(place('a', TRENTON, 20, 20), place('b', CAMBRIDGE, 20 - hoursAtMax * 1.01, 0)),
      null,
    );
  });

  test('the flag carries the distance, the hours and the speed; one key per pair and day', () => {
    const [flag] = decideSharing(
      input([place('b', CAMBRIDGE, 2, 1), place('a', TRENTON, 5, 4)], { travel: true }),
    );
    assert.ok(flag?.type === 'travel');
    assert.equal(flag.key, 'travel:7:2026-12-06:a|b');
    assert.deepEqual(
      flag.places.map((p) => p.network),
      ['a', 'b'],
    );
    assert.equal(flag.hours, 2);
    assert.equal(flag.distanceKm, Math.round(trentonToCambridge));
    assert.equal(flag.speedKmh, Math.round(trentonToCambridge / 2));
  });

  test('places last seen more than a day ago are not compared', () => {
    assert.equal(
      decideSharing(
        input([place('a', TRENTON, 30, 25, '2026-12-05'), place('b', CAMBRIDGE, 1, 0)], { travel: true }),
      ).length,
      0,
    );
  });
});

describe('which addresses are places', () => {
  const cases: Array<[string | null, string | null]> = [
    ['128.112.1.1', '128.112.1.0/24'],
    ['::ffff:131.111.1.1', '131.111.1.0/24'],
    ['[2a00:1450:4001:81c::200e]', '2a00:1450:4001::/48'],
    ['10.1.2.3', null], // private
    ['192.168.1.1', null], // private (GeoIP data would even give it a city: it must never be asked)
    ['172.16.0.9', null], // private
    ['127.0.0.1', null], // loopback
    ['169.254.10.1', null], // link-local
    ['100.64.0.1', null], // CGNAT
    ['fd12:3456::1', null], // ULA
    ['fe80::1%eth0', null], // link-local with a zone
    ['::1', null], // loopback
    ['203.0.113.7', null], // documentation range
    ['not an address', null],
    [null, null],
  ];
  for (const [address, network] of cases)
    test(`${address} → ${network}`, () => {
      assert.equal(publicNetwork(address)?.network ?? null, network);
    });

  test('the bundled GeoIP data names the city of a public IPv4 address, offline', async () => {
    const net = publicNetwork('131.111.1.1');
    assert.ok(net);
    const city = await cityOf(net);
    assert.match(city?.city ?? '', /^Cambridge, ENG, GB$/);
    assert.ok(city && Math.abs(city.latitude - 52.2) < 0.5 && Math.abs(city.longitude - 0.1) < 0.5);
  });

  test('IPv6 has no city (the bundled data is IPv4 only): its place is its network', async () => {
    const net = publicNetwork('2a00:1450:4001::1');
    assert.ok(net);
    assert.equal(await cityOf(net), null);
  });
});

describe('the alert', () => {
  const evidence: FlagEvidence = {
    kind: 'households',
    allowed: 1,
    places: [
      {
        network: '128.112.1.0/24',
        city: 'Trenton, NJ, US',
        device: '@everyone’s **TV**',
        firstSeenAt: '2026-12-06T18:00:00.000Z',
        lastSeenAt: '2026-12-06T19:00:00.000Z',
      },
      {
        network: '2a00:1450:4001::/48',
        city: null,
        device: 'Phone',
        firstSeenAt: '2026-12-06T19:30:00.000Z',
        lastSeenAt: '2026-12-06T19:45:00.000Z',
      },
    ],
  };
  const alert = (hideAddresses: boolean) =>
    sharingAlert({
      memberName: 'alice',
      discordUserId: '230000000000000002',
      planName: 'Family',
      evidence,
      hideAddresses,
    }).embeds?.[0]?.description ?? '';

  test('names the member, the rule, each place with its times, network, city and device; nothing stopped', () => {
    const text = alert(false);
    assert.match(
      text,
      /^<@230000000000000002> \(Family\): 2 places in one day; the plan allows 1 household\./,
    );
    assert.match(text, /• <t:1796580000:f>–<t:1796583600:t> · 128\.112\.1\.0\/24 · Trenton, NJ, US · /);
    assert.match(text, /2a00:1450:4001::\/48 · city unknown · Phone/);
    assert.match(text, /Nothing was stopped/);
  });

  test('a device name never pings nor formats', () => {
    assert.match(alert(false), /@\u200beveryone’s \\\*\\\*TV\\\*\\\*/);
  });

  test('hide-addresses leaves the networks out', () => {
    const text = alert(true);
    assert.doesNotMatch(text, /128\.112|2a00/);
    assert.match(text, /Trenton, NJ, US/);
  });

  test('a trip in words: at the same time, or hours apart with the speed', () => {
    assert.equal(
      flagSummary({ kind: 'travel', distanceKm: 5588, hours: 0, speedKmh: null, places: [] }),
      'two places 5588 km apart, seen at the same time',
    );
    assert.equal(
      flagSummary({ kind: 'travel', distanceKm: 5588, hours: 2, speedKmh: 2794, places: [] }),
      'two places 5588 km apart, seen 2.0 h apart (2794 km/h needed)',
    );
    assert.equal(
      flagSummary({ kind: 'travel', distanceKm: 600, hours: 0.25, speedKmh: 2400, places: [] }),
      'two places 600 km apart, seen 15 min apart (2400 km/h needed)',
    );
  });
});
