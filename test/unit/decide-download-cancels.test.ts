// The pure decision of which downloads a `downloads-over-quota: cancel` plan cancels: those beyond the allotment,
// in the order they started, still in progress, on servers that cancel.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CountedDownload,
  cancelKey,
  decideCancels,
  downloadRef,
} from '../../src/decide/download-cancels.ts';
import { beyondAllotment } from '../../src/policy/over-quota.ts';

const at = (h: number) => new Date(Date.UTC(2026, 2, 11, h));
let seq = 0;
const dl = (serverId: number, key: string, startHour: number, units = 1): CountedDownload => ({
  seq: ++seq,
  serverId,
  downloadKey: key,
  title: key,
  startedAt: at(startHour),
  units,
});

describe('beyondAllotment', () => {
  const cases: Array<[string, CountedDownload[], number, string[]]> = [
    ['within the allotment: none', [dl(1, 'a', 1), dl(1, 'b', 2)], 2, []],
    ['the third of two: the newest', [dl(1, 'b', 2), dl(1, 'a', 1), dl(1, 'c', 3)], 2, ['c']],
    ['all beyond an allotment of 0', [dl(1, 'a', 1), dl(1, 'b', 2)], 0, ['a', 'b']],
    ['a download counted twice (over 2 h) goes past the allotment itself', [dl(1, 'a', 1, 2)], 1, ['a']],
    ['one counted twice, then another: both past', [dl(1, 'a', 1, 2), dl(1, 'b', 5)], 1, ['a', 'b']],
  ];
  for (const [name, counted, allotment, keys] of cases)
    test(name, () =>
      assert.deepEqual(
        beyondAllotment(counted, allotment).map((d) => d.downloadKey),
        keys,
      ),
    );

  test('downloads that started together keep the order they were recorded in', () => {
    const first = dl(1, 'first', 4);
    const second = dl(1, 'second', 4);
    const ordered = [first, second];
    assert.deepEqual(
      beyondAllotment(ordered, 1).map((d) => d.downloadKey),
      ['second'],
    );
  });
});

describe('decideCancels', () => {
  const counted = [dl(20, 'sync:1', 1), dl(20, 'sync:2', 2), dl(10, 'plex-uuid', 3), dl(20, 'sync:3', 4)];
  const running = new Set([
    downloadRef(20, 'sync:2'),
    downloadRef(10, 'plex-uuid'),
    downloadRef(20, 'sync:3'),
  ]);
  const input = { memberId: 7, counted, allotment: 1, inProgress: running, cancelOn: [20] };

  test('only the downloads beyond the allotment, still in progress, on servers that cancel', () => {
    assert.deepEqual(decideCancels(input), [
      {
        type: 'cancel-download',
        key: 'download-cancel:20:sync:2',
        memberId: 7,
        serverId: 20,
        downloadKey: 'sync:2',
        title: 'sync:2',
      },
      {
        type: 'cancel-download',
        key: 'download-cancel:20:sync:3',
        memberId: 7,
        serverId: 20,
        downloadKey: 'sync:3',
        title: 'sync:3',
      },
    ]);
  });

  test('a finished download is never cancelled', () => {
    assert.deepEqual(decideCancels({ ...input, inProgress: new Set([downloadRef(20, 'sync:1')]) }), []);
  });

  test('no server that cancels: nothing', () => {
    assert.deepEqual(decideCancels({ ...input, cancelOn: [] }), []);
  });

  test('the key names the server and the download, so deciding again queues nothing new', () => {
    assert.equal(cancelKey(20, 'sync:2'), 'download-cancel:20:sync:2');
    assert.deepEqual(decideCancels(input), decideCancels(input));
  });
});
