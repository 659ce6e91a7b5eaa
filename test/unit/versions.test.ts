import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Platform } from '../../src/media/types.ts';
import { checkVersion, parseVersion, type VersionVerdict } from '../../src/policy/versions.ts';

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
    ['plex', '1.31.3.6868-28fc46b27', 'older'],
    ['plex', '1.32.0.6865-ad438d6ad', 'checked'],
    ['plex', '1.41.3.9314-a0bfb8370', 'checked'],
    ['plex', '1.42.2.10156-f737b826c', 'checked'],
    ['plex', '1.42.999.1-x', 'checked'],
    ['plex', '1.43.0.10000-abcdef012', 'newer'],
    ['plex', '2.0.0.1-x', 'newer'],
    ['jellyfin', '10.7.7', 'older'],
    ['jellyfin', '10.8.0', 'checked'],
    ['jellyfin', '10.10.7', 'checked'],
    ['jellyfin', '10.11.5', 'checked'],
    ['jellyfin', '10.12.0', 'newer'],
    ['jellyfin', '11.0.0', 'newer'],
    ['emby', '4.6.7.0', 'older'],
    ['emby', '4.7.0.0', 'checked'],
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
    assert.equal(checkVersion('plex', '1.0').range, '1.32.0 – 1.42.x');
    assert.equal(checkVersion('jellyfin', '1.0').range, '10.8.0 – 10.11.x');
    assert.equal(checkVersion('emby', '1.0').range, '4.7.0 – 4.9.x');
  });
});
