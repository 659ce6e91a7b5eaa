// One member's or one server's failure never stops enforcement or the weekly switch-back for the others.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { mediaServers } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const FRAN = { id: '240000000000000002', username: 'fran' };
const GUS = { id: '240000000000000003', username: 'gus' };
const GENERAL = { id: '340000000000000001', name: 'general' };
const ALERTS = { id: '340000000000000002', name: 'alerts' };
const FRAN_ID = 'f1000000000000000000000000000001';
const GUS_ID = '91000000000000000000000000000001';

describe('isolation of failures', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let jellyA: JellyfinDouble;
  let jellyB: JellyfinDouble;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const runNow = async () => text(await admin('enforcement', 'run-now'));
  const allowed = (double: JellyfinDouble, id: string) =>
    (double.user(id)?.Policy as { EnableContentDownloading: boolean } | undefined)?.EnableContentDownloading;
  const download = (double: JellyfinDouble, id: string, name: string, item: string) =>
    double.addActivity({ user: { id, name }, item: { id: item, name: item }, date: bot.clock.now() });

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, FRAN, GUS],
      channels: [GENERAL, ALERTS],
    });
    jellyA = await startJellyfinDouble({
      token: 'jf-key-isolation-aaaa',
      users: [{ id: FRAN_ID, name: 'fran', downloads: true }],
    });
    jellyB = await startJellyfinDouble({
      token: 'jf-key-isolation-bbbb',
      users: [{ id: GUS_ID, name: 'gus', downloads: true }],
    });
    bot = await startTestBot({ discord, now: '2026-11-25T12:00:00Z', schedule: 'paused' });
    await admin('server', 'add', { platform: 'jellyfin', name: 'A', url: jellyA.url, token: jellyA.token });
    await admin('server', 'add', { platform: 'jellyfin', name: 'B', url: jellyB.url, token: jellyB.token });
    await admin('plan', 'create', {
      name: 'Mobile',
      'stream-cap': 1,
      downloads: true,
      'download-allotment': 1,
    });
    // Fran is linked (and so handled) first.
    await admin('user', 'link', { member: FRAN.id, server: 'A', account: 'fran' });
    await admin('user', 'plan', { member: FRAN.id, plan: 'Mobile' });
    await admin('user', 'link', { member: GUS.id, server: 'B', account: 'gus' });
    await admin('user', 'plan', { member: GUS.id, plan: 'Mobile' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('enforcement', 'download-allotments', { enabled: false });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [jellyA, jellyB]) await d?.stop();
  });

  test('a token that cannot be decrypted for Fran’s server does not keep Gus’s downloads on', async () => {
    // Fran's two downloads are recorded while her server is still readable (logging is on, quotas are not).
    download(jellyA, FRAN_ID, 'fran', 'Arrival');
    download(jellyA, FRAN_ID, 'fran', 'Dune');
    await runNow();
    await bot.bot.ctx.db
      .update(mediaServers)
      .set({ tokenEncrypted: 'not-a-ciphertext' })
      .where(eq(mediaServers.name, 'A'));
    await admin('enforcement', 'download-allotments', { enabled: true });
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    download(jellyB, GUS_ID, 'gus', 'Arrival');
    download(jellyB, GUS_ID, 'gus', 'Dune');
    const report = await runNow();
    assert.match(report, /Over the download allotment: fran, 2 of 1/);
    assert.match(report, /Over the download allotment: gus, 2 of 1/);
    assert.equal(allowed(jellyB, GUS_ID), false, 'Gus is switched off although Fran’s server is broken');
    assert.match(report, /A: could not switch downloads off/);
  });

  test('the weekly reset still switches Gus back on while Fran’s server keeps failing', async () => {
    const schedule = bot.bot.schedule;
    assert.ok(schedule);
    bot.clock.set('2026-11-29T00:00:00Z');
    await schedule.fire('weekly-reset');
    assert.equal(allowed(jellyB, GUS_ID), true);
  });
});
