// Weekly download quotas through the real bot: Plex /activities + plex.tv sharing, Jellyfin activity log + policy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { downloadSwitches } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '220000000000000001', username: 'owner' };
const ALICE = { id: '220000000000000002', username: 'alice' };
const GENERAL = { id: '320000000000000001', name: 'general' };
const ALERTS = { id: '320000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-owner-token-dl-1';
const JF_ALICE = 'a11ce000000000000000000000000001';

describe('weekly download quotas', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: Awaited<ReturnType<typeof startPlexTvDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const runNow = () => admin('enforcement', 'run-now');
  const quota = async () => text(await discord.invoke({ user: ALICE.id, command: 'quota' }));
  const alerts = () => discord.messagesIn(ALERTS.id).map(text);
  const jfAliceDownloads = () => jellyfin.user(JF_ALICE)?.Policy as { EnableContentDownloading: boolean };
  const alicePlexTv = () => plexTv.friend(7001);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE],
      channels: [GENERAL, ALERTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      friends: [
        { id: 7001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
        { id: 7777, username: 'someone_else', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    jellyfin = await startJellyfinDouble({
      token: 'jf-key-dl-000111222',
      users: [{ id: JF_ALICE, name: 'alice', downloads: true }],
    });
    // Wednesday 18 November 2026, 15:00 in New York.
    bot = await startTestBot({
      discord,
      now: '2026-11-18T20:00:00Z',
      config: { timezone: 'America/New_York', plexTvUrl: plexTv.url },
    });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-dl-000111222',
    });
    await admin('plan', 'create', {
      name: 'Mobile',
      'stream-cap': 2,
      downloads: true,
      'download-allotment': 10,
    });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Mobile' });
    await admin('user', 'allotment', { member: ALICE.id, downloads: 2 });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [plex, plexTv, jellyfin]) await d?.stop();
  });

  test('three downloads against an allotment of two: one DM, one alert, downloads switched off on plex.tv and Jellyfin', async () => {
    plex.setActivities([
      { uuid: 'dl-1', type: 'media.download', userID: 7001, subtitle: 'The Matrix', progress: 35 },
      { uuid: 'dl-2', type: 'media.download', userID: 7001, subtitle: 'Severance S01E01', progress: 80 },
      { uuid: 'scan-1', type: 'library.refresh.items', userID: 1, subtitle: 'Scanning Movies', progress: 10 },
    ]);
    jellyfin.addActivity(
      {
        user: { id: JF_ALICE, name: 'alice' },
        item: { id: 'item-arrival', name: 'Arrival' },
        date: new Date('2026-11-18T19:50:00Z'),
      },
      // The Android app logs the same download again and again (jellyfin-android #1607): still one download.
      {
        user: { id: JF_ALICE, name: 'alice' },
        item: { id: 'item-arrival', name: 'Arrival' },
        date: new Date('2026-11-18T19:51:00Z'),
      },
      {
        user: { id: JF_ALICE, name: 'alice' },
        item: { id: 'item-arrival', name: 'Arrival' },
        date: new Date('2026-11-18T19:52:00Z'),
      },
    );
    const report = await runNow();
    assert.match(text(report), /Over the download allotment: alice, 3 of 2 \(notified\)/);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.match(text(discord.dmsTo(ALICE.id)[0]!), /used 3 of your 2 downloads/);
    assert.equal(alerts().length, 1);
    assert.match(alerts()[0]!, /Over the download allotment/);
    assert.match(alerts()[0]!, /The Matrix/);
    assert.match(alerts()[0]!, /PlexMain: downloads switched off/);
    assert.match(alerts()[0]!, /Jelly: downloads switched off/);
    assert.deepEqual(
      plexTv.writes.map((w) => [w.method, w.path, w.query]),
      [['PUT', '/api/v2/sharings/7001', { allowSync: '0' }]],
    );
    assert.equal(alicePlexTv()?.allowSync, false);
    assert.equal(alicePlexTv()?.servers[0]?.allLibraries, true, 'still shared with all libraries');
    assert.equal(jfAliceDownloads().EnableContentDownloading, false);
    assert.equal(plexTv.friend(7777)?.allowSync, true, 'nobody else is touched');
  });

  test('/quota shows 3 of 2, when the week resets, and that downloads are off until then', async () => {
    const q = await quota();
    assert.match(q, /\*\*3 of 2\*\* used, 0 left/);
    assert.match(q, /Downloads switched off/);
    // Sunday 22 November 2026 00:00 in New York = 05:00Z.
    const reset = Math.floor(Date.parse('2026-11-22T05:00:00Z') / 1000);
    assert.match(q, new RegExp(`<t:${reset}:R>`));
  });

  test('another cycle with the same downloads still running changes nothing', async () => {
    bot.clock.advance(10 * MINUTE);
    await runNow();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    assert.equal(plexTv.writes.length, 1);
    assert.equal(jellyfin.policyUpdates.length, 1);
    assert.match(await quota(), /\*\*3 of 2\*\*/);
  });

  test('a download still incomplete two hours after it started counts again, once', async () => {
    bot.clock.advance(2 * HOUR);
    await runNow();
    assert.match(await quota(), /\*\*5 of 2\*\*/, 'both Plex downloads passed two hours');
    await runNow();
    assert.match(await quota(), /\*\*5 of 2\*\*/);
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'once per week');
  });

  test('a restart changes no count', async () => {
    await bot.restart();
    await runNow();
    assert.match(await quota(), /\*\*5 of 2\*\*/);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
  });

  test('the week turning switches downloads back on', async () => {
    plex.setActivities([]);
    bot.clock.set('2026-11-22T04:59:59Z');
    await bot.bot.ctx.reconcileDownloadSwitches();
    assert.equal(alicePlexTv()?.allowSync, false, 'still Saturday in New York');
    bot.clock.set('2026-11-22T05:00:00Z');
    await bot.bot.ctx.reconcileDownloadSwitches();
    assert.equal(alicePlexTv()?.allowSync, true);
    assert.equal(jfAliceDownloads().EnableContentDownloading, true);
    assert.equal((await bot.bot.ctx.db.select().from(downloadSwitches)).length, 0);
    const q = await quota();
    assert.match(q, /\*\*0 of 2\*\*/);
    assert.doesNotMatch(q, /switched off/);
  });

  test('a failed switch is retried on later cycles and reported; raising the allotment switches back on at once', async () => {
    bot.clock.set('2026-11-23T15:00:00Z');
    plex.setActivities([
      { uuid: 'dl-10', type: 'media.download', userID: 7001, subtitle: 'Dune', progress: 100 },
      { uuid: 'dl-11', type: 'media.download', userID: 7001, subtitle: 'Dune Part Two', progress: 100 },
      { uuid: 'dl-12', type: 'media.download', userID: 7001, subtitle: 'Arrival', progress: 100 },
    ]);
    // plex.tv answers 200 to the write but does not apply it: the read-back catches it.
    plexTv.dropWrites = true;
    const updatesBefore = plexTv.writes.length;
    await runNow();
    assert.equal(discord.dmsTo(ALICE.id).length, 2, 'a new week: a new notice');
    // The member's alert, and (in any order) one saying the server stopped applying switches (it worked earlier).
    assert.ok(
      alerts().some((a) => /PlexMain: could not switch downloads off \(.*did not take effect/.test(a)),
      alerts().join('\n---\n'),
    );
    assert.equal(alicePlexTv()?.allowSync, true);
    plexTv.dropWrites = false;
    plexTv.fault = 'server-error';
    bot.clock.advance(5 * MINUTE);
    await runNow();
    assert.equal(alicePlexTv()?.allowSync, true, 'plex.tv down: still not switched');
    plexTv.fault = null;
    bot.clock.advance(5 * MINUTE);
    await runNow();
    assert.equal(alicePlexTv()?.allowSync, false, 'retried and switched off');
    assert.equal(alerts().filter((a) => /Switch downloads stopped working on PlexMain/.test(a)).length, 1);
    assert.ok(
      plexTv.writes
        .slice(updatesBefore)
        .every((w) => w.path === '/api/v2/sharings/7001' && w.query.allowSync === '0'),
      'only the sync permission was written',
    );
    assert.equal(discord.dmsTo(ALICE.id).length, 2);

    await admin('user', 'allotment', { member: ALICE.id, downloads: 5 });
    assert.equal(alicePlexTv()?.allowSync, true, 'back on as soon as the allotment allows');
    assert.equal(jfAliceDownloads().EnableContentDownloading, true);
    assert.match(await quota(), /\*\*3 of 5\*\* used, 2 left/);
  });

  test('removing a server first switches back on the downloads the bot switched off there', async () => {
    await admin('user', 'allotment', { member: ALICE.id, downloads: 2 });
    await runNow();
    assert.equal(jfAliceDownloads().EnableContentDownloading, false, 'over again: switched off');
    const reply = await admin('server', 'remove', { name: 'Jelly' });
    assert.match(text(reply), /removed/);
    assert.doesNotMatch(text(reply), /could not be switched back on/);
    assert.equal(jfAliceDownloads().EnableContentDownloading, true);
  });

  test('activity shows the logged downloads', async () => {
    const reply = await discord.invoke({
      user: ADMIN.id,
      command: 'activity',
      options: { kind: 'downloads' },
      admin: true,
    });
    assert.match(text(reply), /Dune/);
  });
});
