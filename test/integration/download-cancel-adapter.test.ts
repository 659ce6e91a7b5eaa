// Cancelling a download through the adapters, against the doubles: Emby deletes the download's sync job and reads
// back that it is gone; Jellyfin and Plex cannot cancel and say why without calling anything.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createEmbyServer } from '../../src/media/emby/client.ts';
import { createJellyfinServer } from '../../src/media/jellyfin/client.ts';
import { createPlexServer } from '../../src/media/plex/client.ts';
import { MediaServerError } from '../../src/media/types.ts';
import { type EmbyDouble, startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';

const HOUR = 3_600_000;
const alice = { id: 'a11ce000a11ce000a11ce000a11ce000', name: 'alice' };

describe('cancelDownload', () => {
  let emby: EmbyDouble | undefined;
  const stops: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    await emby?.stop();
    emby = undefined;
    for (const d of stops.splice(0)) await d.stop();
  });

  async function embyWithJobs(): Promise<EmbyDouble> {
    emby = await startEmbyDouble({ users: [alice] });
    emby.setSyncJobs([
      {
        user: alice,
        targetId: 'px-1',
        targetName: 'Pixel',
        name: 'Heat',
        dateCreated: new Date(Date.now() - HOUR),
        items: [{ itemId: '5501', name: 'Heat', status: 'Synced' }],
      },
      {
        user: alice,
        targetId: 'px-1',
        targetName: 'Pixel',
        name: 'Ronin',
        dateCreated: new Date(Date.now() - HOUR),
        items: [{ itemId: '5502', name: 'Ronin', status: 'Transferring', progress: 40 }],
      },
    ]);
    return emby;
  }
  const embyServer = (d: EmbyDouble) => createEmbyServer({ platform: 'emby', url: d.url, token: d.token });
  const deletes = (d: EmbyDouble) => d.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);

  it('Emby: deletes the sync job of a download in progress, and the server no longer lists it', async () => {
    const d = await embyWithJobs();
    const server = embyServer(d);
    assert.equal(server.supports('cancel-download'), true);
    assert.equal(server.cancelUnavailable, null);
    // Job 2's item is 200 (setSyncJobs numbers the items of job n from n × 100).
    assert.deepEqual(await server.cancelDownload('sync:200'), { ok: true, alreadyGone: false });
    assert.deepEqual(deletes(d), ['/emby/Sync/Jobs/2']);
    assert.deepEqual(d.syncJobIds(), ['1']);
    assert.deepEqual(
      (await server.listDownloads()).map((x) => x.id),
      ['sync:100'],
    );
  });

  it('Emby: a download already on the device, or gone, is left alone', async () => {
    const d = await embyWithJobs();
    const server = embyServer(d);
    assert.deepEqual(await server.cancelDownload('sync:100'), { ok: true, alreadyGone: true });
    assert.deepEqual(await server.cancelDownload('sync:999'), { ok: true, alreadyGone: true });
    assert.deepEqual(deletes(d), []);
  });

  it('Emby: a plain file download (activity log) cannot be cancelled, and nothing is called', async () => {
    const d = await embyWithJobs();
    const before = d.requests.length;
    const result = await embyServer(d).cancelDownload('4001');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /plain file download/);
    assert.equal(d.requests.length, before);
  });

  it('Emby: a cancel answered 200 that leaves the job listed is not trusted', async () => {
    const d = await embyWithJobs();
    d.ignoresSyncCancel = true;
    await assert.rejects(
      embyServer(d).cancelDownload('sync:200'),
      (err) => err instanceof MediaServerError && err.kind === 'not-applied',
    );
  });

  it('Emby: a refused token is an error, never "cancelled"', async () => {
    const d = await embyWithJobs();
    d.fault = 'unauthorized';
    await assert.rejects(
      embyServer(d).cancelDownload('sync:200'),
      (err) => err instanceof MediaServerError && err.kind === 'unauthorized',
    );
    d.fault = null;
    assert.deepEqual(d.syncJobIds(), ['1', '2']);
  });

  it('Jellyfin and Plex: cannot cancel, say why, and call nothing', async () => {
    const jf = await startJellyfinDouble({ token: 'jf-cancel-token-0001', users: [] });
    const plex = await startPlexDouble({ token: 'plex-cancel-token-0001', premium: true });
    stops.push(jf, plex);
    const jellyfin = createJellyfinServer({ platform: 'jellyfin', url: jf.url, token: jf.token });
    const px = createPlexServer({ platform: 'plex', url: plex.url, token: 'plex-cancel-token-0001' });
    for (const [server, why] of [
      [jellyfin, /plain file transfers/],
      [px, /cancellable="0"/],
    ] as const) {
      assert.equal(server.supports('cancel-download'), false);
      assert.match(server.cancelUnavailable ?? '', why);
      const result = await server.cancelDownload('anything');
      assert.equal(result.ok, false);
    }
    assert.equal(jf.requests.length, 0);
    assert.equal(plex.requests.filter((r) => r.method === 'DELETE').length, 0);
  });
});
