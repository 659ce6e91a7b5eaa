// A media server that answers too much can't exhaust the bot: a 1 GB answer (streamed by the proxy, never built
// in memory) and a gzip bomb (about 1 MB that inflates to 1 GB) to the session read are cut off at the byte cap,
// the server is reported down with a reason, and the other server is still enforced in the same cycle.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { mediaServers } from '../../src/db/schema.ts';
import { MAX_RESPONSE_BYTES } from '../../src/media/http.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminCommands, text } from '../helpers/discord.ts';
import { type FlakyProxy, startFlakyProxy } from '../helpers/flaky-proxy.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';

const ADMIN = { id: '231000000000000001', username: 'owner' };
const BOB = { id: '231000000000000002', username: 'bob' };
const ALERTS = { id: '331000000000000002', name: 'alerts' };
const MAIN_TOKEN = 'plex-token-oversize-main-1';
const ATTIC_TOKEN = 'plex-token-oversize-attic-2';
const bobPlex = { id: 7102, title: 'bob_plex' };
const MB = 1024 * 1024;

describe('a media server that answers too much', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let main: PlexDouble;
  let attic: PlexDouble;
  let proxy: FlakyProxy;
  const admin = (...args: Parameters<ReturnType<typeof adminCommands>>) =>
    adminCommands(discord, ADMIN.id)(...args);

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, BOB], channels: [ALERTS] });
    main = await startPlexDouble({ token: MAIN_TOKEN, premium: true, friendlyName: 'Main' });
    main.setAccounts([{ id: 7102, name: 'bob_plex' }]);
    attic = await startPlexDouble({ token: ATTIC_TOKEN, premium: true, friendlyName: 'Attic' });
    proxy = await startFlakyProxy(attic.url);
    // A generous read timeout, so that the byte cap (not the clock) is what ends the huge answers.
    bot = await startTestBot({ discord, schedule: 'paused', config: { mediaTimeoutMs: 60_000 } });
    await admin('server', 'add', { platform: 'plex', name: 'Main', url: main.url, token: MAIN_TOKEN });
    await admin('server', 'add', { platform: 'plex', name: 'Attic', url: proxy.url, token: ATTIC_TOKEN });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: BOB.id, server: 'Main', account: 'bob_plex' });
    await admin('user', 'plan', { member: BOB.id, plan: 'Solo' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [proxy, main, attic]) await d?.stop();
  });

  for (const [mode, n] of [
    ['gigabyte', 1],
    ['gzip-bomb', 2],
  ] as const) {
    test(`${mode}: the server is reported, the other is enforced in the same cycle, memory stays bounded`, async () => {
      proxy.oversize(mode);
      const stopsBefore = main.terminations.length;
      main.setSessions([playingMovie(bobPlex, 100 * n + 1), playingMovie(bobPlex, 100 * n + 2)]);
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 20);
      let report: string;
      try {
        report = text(await admin('enforcement', 'run-now', {}));
      } finally {
        clearInterval(sampler);
      }
      assert.ok(main.terminations.length > stopsBefore, `Bob's streams on Main were stopped: ${report}`);
      const [row] = await bot.bot.ctx.db.select().from(mediaServers).where(eq(mediaServers.name, 'Attic'));
      assert.equal(row?.status, 'down');
      assert.match(row?.statusReason ?? '', /could not be read/);
      // The bot (and the doubles, in this process) grew by far less than the gigabyte it was sent.
      const grownMb = (rssPeak - rssBefore) / MB;
      assert.ok(grownMb < 400, `RSS grew by ${Math.round(grownMb)} MB`);
      if (mode === 'gigabyte')
        assert.ok(proxy.oversizedBytesSent < 256 * MB, `${proxy.oversizedBytesSent} bytes were sent`);
      assert.ok(MAX_RESPONSE_BYTES <= 32 * MB);
      main.setSessions([]);
    });
  }
});
