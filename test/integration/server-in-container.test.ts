// A media server on the container's own host: a loopback address refused while the bot runs in a container is
// explained at /server add and /server test (src/services/servers.ts) with the host gateway and the LAN address,
// through the services and the real media adapters against a refused port and the Jellyfin double.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { addServer, testServer } from '../../src/services/servers.ts';
import { UserError } from '../../src/user-error.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';

const TOKEN = 'jf-api-key-abcdef123456';

/** A port nothing listens on: bound, then closed, so a connection to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function addRefusal(bot: TestBot, url: string): Promise<string> {
  try {
    await addServer(bot.bot.ctx, 'owner', {
      platform: 'jellyfin',
      name: `Local ${url.length}`,
      url,
      token: TOKEN,
    });
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return err.message;
  }
  assert.fail(`${url} was added`);
}

describe('a media server at localhost while the bot runs in a container', () => {
  let discord: DiscordDouble;
  let inContainer: TestBot;
  let onHost: TestBot;
  let port: number;

  before(async () => {
    discord = await DiscordDouble.start();
    inContainer = await startTestBot({ discord, config: { inContainer: true } });
    onHost = await startTestBot({ discord });
    port = await refusedPort();
  });
  after(async () => {
    await inContainer?.stop();
    await onHost?.stop();
    await discord?.stop();
  });

  test('/server add: localhost, 127.0.0.1 and ::1 refused in a container point to host.docker.internal or the LAN', async () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      const message = await addRefusal(inContainer, `http://${host}:${port}`);
      assert.ok(message.startsWith(`Could not connect to http://${host}:${port}.`), message);
      assert.ok(message.includes(`where ${host} is the container itself`), message);
      assert.ok(message.includes(`\`http://host.docker.internal:${port}\``), message);
      assert.ok(message.includes('host.docker.internal:host-gateway'), message);
      assert.ok(message.includes(`\`http://192.168.1.10:${port}\``), message);
      assert.doesNotMatch(message, /\/server edit/, 'nothing saved to edit yet');
      assert.ok(!message.includes(TOKEN));
    }
  });

  test('/server add outside a container keeps the plain advice', async () => {
    const message = await addRefusal(onHost, `http://localhost:${port}`);
    assert.equal(
      message,
      `Could not connect to http://localhost:${port}. Check the address and port, and that the bot’s machine can reach the server.`,
    );
  });

  test('/server test of a saved localhost server that stopped answering says how to change its address', async () => {
    const jellyfin = await startJellyfinDouble({ token: TOKEN, version: '10.10.7' });
    const url = jellyfin.url.replace('127.0.0.1', 'localhost');
    await addServer(inContainer.bot.ctx, 'owner', { platform: 'jellyfin', name: 'Saved', url, token: TOKEN });
    await jellyfin.stop();
    const result = await testServer(inContainer.bot.ctx, 'Saved');
    assert.equal(result.identity, null);
    const problem = result.problem ?? '';
    assert.ok(problem.includes(`\`${url.replace('localhost', 'host.docker.internal')}\``), problem);
    assert.match(problem, /Change its address with `\/server edit`\./);
  });
});
