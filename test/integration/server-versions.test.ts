// /server add and /server test show the server's version and warn when it is outside the versions checked
// (src/policy/versions.ts), through the real bot and the media doubles; a server that redirects is refused.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { mediaServers } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '200000000000000001', username: 'owner' };

describe('server versions', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let oldPlex: Awaited<ReturnType<typeof startPlexDouble>>;
  let currentPlex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  const admin = (subcommand: string, options: Record<string, string>) =>
    discord.invoke({ user: ADMIN.id, command: 'server', subcommand, options, admin: true });

  const addPlex = (name: string, double: { url: string; token: string }) =>
    admin('add', { platform: 'plex', name, url: double.url, token: double.token });

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
    // 1.31 is below the oldest Plex Media Server checked (1.40.0).
    oldPlex = await startPlexDouble({ token: 'plex-owner-token-1234', version: '1.31.3.6868-28fc46b27' });
    // A current Plex Media Server (1.43.3.10896: microsoft/winget-pkgs #420024, August 2026; the hash is made up).
    currentPlex = await startPlexDouble({
      token: 'plex-owner-token-5678',
      version: '1.43.3.10896-b2b1a8d2e',
    });
    jellyfin = await startJellyfinDouble({ token: 'jf-api-key-abcdef123456', version: '10.10.7' });
    bot = await startTestBot({ discord });
  });
  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await oldPlex?.stop();
    await currentPlex?.stop();
    await jellyfin?.stop();
  });

  test('/server add warns about a Plex version older than the ones checked', async () => {
    const reply = await addPlex('Old', oldPlex);
    assert.match(text(reply), /Connected: Old/);
    assert.match(text(reply), /Version 1\.31\.3\.6868-28fc46b27\./);
    assert.match(
      text(reply),
      /older than the ones Streamwarden was checked against Plex 1\.40\.0 – 1\.43\.x\./,
    );
  });

  test('/server add does not warn on a current Plex Media Server', async () => {
    const reply = await addPlex('Current', currentPlex);
    assert.match(text(reply), /Connected: Current/);
    assert.match(text(reply), /Version 1\.43\.3\.10896-b2b1a8d2e\./);
    assert.doesNotMatch(text(reply), /⚠️/);
  });

  test('/server test warns again; a checked Jellyfin version has no warning', async () => {
    assert.match(text(await admin('test', { name: 'Old' })), /⚠️ This version is older/);
    const added = await admin('add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-api-key-abcdef123456',
    });
    assert.match(text(added), /Version 10\.10\.7\./);
    assert.doesNotMatch(text(added), /⚠️/);
    const tested = await admin('test', { name: 'Jelly' });
    assert.match(text(tested), /Jelly: connected[\s\S]*Version 10\.10\.7\./);
    assert.doesNotMatch(text(tested), /⚠️/);
  });

  // The newest release lines when this was written: Jellyfin v10.11.11 and v12.0-rc5 (tags of jellyfin/jellyfin;
  // 12.0 reports "12.0.0", SharedVersion.cs), Emby 4.9.1.50 (MediaBrowser/Emby.SDK release 4.9.1.50).
  for (const [platform, version] of [
    ['jellyfin', '10.11.11'],
    ['jellyfin', '12.0.0'],
    ['emby', '4.9.1.50'],
  ] as const) {
    test(`/server add does not warn on a current ${platform} ${version}`, async () => {
      const token = `${platform}-api-key-current-0123456789`;
      const double =
        platform === 'emby'
          ? await startEmbyDouble({ token, version })
          : await startJellyfinDouble({ token, version });
      try {
        const name = `Current-${platform}-${version}`;
        const added = await admin('add', { platform, name, url: double.url, token });
        assert.match(text(added), new RegExp(`Connected: ${name}`));
        assert.match(text(added), new RegExp(`Version ${version.replaceAll('.', '\\.')}\\.`));
        assert.doesNotMatch(text(added), /⚠️/);
        await admin('remove', { name });
      } finally {
        await double.stop();
      }
    });
  }

  test('/server add refuses a server that redirects, and the token never reaches the other address', async () => {
    const seen: string[] = [];
    const other = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const redirector = createServer((req, res) => {
      res.writeHead(301, { location: `${otherUrl}${req.url ?? '/'}` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const before = await bot.bot.ctx.db.select().from(mediaServers);
      const reply = await admin('add', {
        platform: 'emby',
        name: 'Moved',
        url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
        token: 'emby-api-key-0123456789',
      });
      assert.match(text(reply), /Not done[\s\S]*answered with a redirect/);
      assert.deepEqual(seen, []);
      assert.deepEqual(await bot.bot.ctx.db.select().from(mediaServers), before);
    } finally {
      other.closeAllConnections();
      redirector.closeAllConnections();
      await new Promise((r) => other.close(r));
      await new Promise((r) => redirector.close(r));
    }
  });
});
