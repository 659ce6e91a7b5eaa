import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Platform } from '../../src/media/types.ts';
import {
  checkVersion,
  knownPushProblem,
  parseVersion,
  type VersionVerdict,
} from '../../src/policy/versions.ts';

describe('parseVersion', () => {
  const cases: [string, [number, number, number] | null][] = [
    ['1.41.3.9314-a0bfb8370', [1, 41, 3]], // Plex: major.minor.patch.build-hash
    ['10.10.7', [10, 10, 7]], // Jellyfin
    ['4.8.10.0', [4, 8, 10]], // Emby: four parts
    ['10.11', [10, 11, 0]],
    ['v10.9.0', [10, 9, 0]],
    ['10.11.0-rc3', [10, 11, 0]],
    ['', null],
    ['unknown', null],
    ['10', null],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(parseVersion(input), expected));
  }
});

describe('checkVersion', () => {
  const cases: [Platform, string, VersionVerdict][] = [
    ['plex', '1.39.4.8252-a3a4a7d2c', 'older'],
    ['plex', '1.40.0.7998-c29d4c0c8', 'checked'],
    ['plex', '1.41.3.9314-a0bfb8370', 'checked'],
    ['plex', '1.41.999.1-x', 'checked'],
    ['plex', '1.42.2.10156-f737b826c', 'checked'],
    ['plex', '1.43.3.10896-b2b1a8d2e', 'checked'],
    ['plex', '1.44.0.1-x', 'newer'],
    ['plex', '2.0.0.1-x', 'newer'],
    ['jellyfin', '10.9.11', 'older'],
    ['jellyfin', '10.10.0', 'checked'],
    ['jellyfin', '10.10.7', 'checked'],
    ['jellyfin', '10.11.5', 'checked'],
    ['jellyfin', '12.0.3', 'checked'],
    ['jellyfin', '12.1.0', 'newer'],
    ['emby', '4.7.14.0', 'older'],
    ['emby', '4.8.0.80', 'checked'],
    ['emby', '4.8.10.0', 'checked'],
    ['emby', '4.9.1.80', 'checked'],
    ['emby', '4.10.0.1', 'newer'],
    ['emby', 'beta', 'unreadable'],
  ];
  for (const [platform, version, verdict] of cases) {
    test(`${platform} ${version} → ${verdict}`, () =>
      assert.equal(checkVersion(platform, version).verdict, verdict));
  }

  test('the range is given in words for the reply', () => {
    assert.equal(checkVersion('plex', '1.0').range, '1.40.0 – 1.43.x');
    assert.equal(checkVersion('jellyfin', '1.0').range, '10.10.0 – 12.0.x');
    assert.equal(checkVersion('emby', '1.0').range, '4.8.0 – 4.9.x');
  });
});

describe('knownPushProblem', () => {
  for (const [platform, version, broken] of [
    ['jellyfin', '10.8.13', false],
    ['jellyfin', '10.9.0', true],
    ['jellyfin', '10.10.5', true],
    ['jellyfin', '10.10.7', true],
    ['jellyfin', '10.11.0', false],
    ['jellyfin', '12.0.0', false],
    ['emby', '4.8.10.0', false],
    ['plex', '1.41.3.9314-a0bfb8370', false],
  ] as const) {
    test(`${platform} ${version}: ${broken ? 'push does not deliver to an API key' : 'no known push problem'}`, () => {
      const problem = knownPushProblem(platform, version);
      assert.equal(problem !== null, broken);
      if (problem) assert.match(problem.fix, /10\.11\.0/);
    });
  }
});
