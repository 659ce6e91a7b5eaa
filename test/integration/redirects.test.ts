// A media server (or plex.tv) that answers with a redirect never gets the token sent on: every adapter goes through
// src/media/http.ts, which does not follow 3xx and reports the read as a 'redirect' failure.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createMediaServer } from '../../src/media/factory.ts';
import { MediaServerError, type Platform } from '../../src/media/types.ts';
import { startPlexDouble } from '../doubles/plex.ts';

const TOKEN = 'redirect-test-token-0123456789';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('redirects are never followed with a token', () => {
  /** The "other host": records every request that reaches it. */
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const trap = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  let trapUrl = '';
  /** Answers every request with `status` and a Location on the trap (same path and query, as a proxy would). */
  let status = 302;
  const redirector = createServer((req, res) => {
    res.writeHead(status, { location: `${trapUrl}${req.url ?? '/'}` }).end();
  });
  let redirectorUrl = '';
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;

  before(async () => {
    trapUrl = await listen(trap);
    redirectorUrl = await listen(redirector);
    plex = await startPlexDouble({ token: TOKEN, premium: true });
  });
  after(async () => {
    trap.closeAllConnections();
    redirector.closeAllConnections();
    await new Promise((r) => trap.close(r));
    await new Promise((r) => redirector.close(r));
    await plex?.stop();
  });

  async function assertRedirect(read: () => Promise<unknown>, label: string) {
    seen.length = 0;
    await assert.rejects(
      read,
      (err: unknown) => err instanceof MediaServerError && err.kind === 'redirect',
      `${label}: fails with 'redirect'`,
    );
    assert.deepEqual(seen, [], `${label}: the other host saw no request (and so no token)`);
  }

  for (const code of [301, 302, 303, 307, 308]) {
    for (const platform of ['plex', 'jellyfin', 'emby'] as Platform[]) {
      test(`${platform} server answering ${code}`, async () => {
        status = code;
        const server = createMediaServer({ platform, url: redirectorUrl, token: TOKEN, timeoutMs: 2000 });
        await assertRedirect(() => server.identify(), `${platform} identify`);
        await assertRedirect(() => server.listStreams(), `${platform} listStreams`);
      });
    }
  }

  test('plex.tv answering 302 (sharing settings)', async () => {
    status = 302;
    const server = createMediaServer({
      platform: 'plex',
      url: plex.url,
      token: TOKEN,
      plexTvUrl: redirectorUrl,
      timeoutMs: 2000,
    });
    await assertRedirect(
      () => server.setDownloadsAllowed({ id: '5001', name: 'alice_plex' }, false),
      'plex.tv shares',
    );
  });

  test('the trap does record requests (the assertion above can fail)', async () => {
    const server = createMediaServer({ platform: 'jellyfin', url: trapUrl, token: TOKEN, timeoutMs: 2000 });
    await server.identify().catch(() => {});
    assert.ok(seen.length > 0);
  });

  test('nothing in src/ makes HTTP requests except src/media/http.ts', () => {
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    // Client calls only: the health listener (src/http/) imports createServer from node:http, which sends nothing.
    const direct =
      /(?<![.\w])fetch\(|import \{[^}]*\b(?:request|get)\b[^}]*\} from 'node:https?'|import \* as \w+ from 'node:https?'|from 'undici'|from 'axios'|XMLHttpRequest/;
    const offenders = files.filter(
      (f) => f !== 'media/http.ts' && direct.test(readFileSync(`src/${f}`, 'utf8')),
    );
    assert.deepEqual(offenders, []);
    assert.ok(files.includes('media/http.ts') && direct.test(readFileSync('src/media/http.ts', 'utf8')));
  });
});
