// `downloads-over-quota: cancel` through the real bot, on all three platforms at once: Emby cancels the sync job of
// a download beyond the allotment (`DELETE /Sync/Jobs/{Id}`, read back from `/Sync/Jobs`), Plex and Jellyfin cannot
// cancel and switch downloads off instead (plex.tv `allowSync`, Jellyfin `EnableContentDownloading`). A cancel whose
// answer never came is retried without a second DELETE or a second DM.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { auditLog, outbox } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type EmbyDouble, startEmbyDouble } from '../doubles/emby.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice' };
const ALERTS = { id: '340000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-owner-token-cancel-1';
const JF_TOKEN = 'jf-key-cancel-000111222';
const EMBY_TOKEN = 'emby-key-cancel-000111222';
const JF_ALICE = { id: 'a11ce000000000000000000000000031', name: 'alice' };
const EMBY_ALICE = { id: 'a11ce000000000000000000000000032', name: 'alice' };
const NOW = new Date('2026-11-18T20:00:00Z');

describe('downloads-over-quota: cancel', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: PlexDouble;
  let plexTv: PlexTvDouble;
  let jellyfin: JellyfinDouble;
  let emby: EmbyDouble;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const alerts = () => discord.messagesIn(ALERTS.id).map(text);
  const dms = () => discord.dmsTo(ALICE.id).map(text);
  const embyCancels = () => emby.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
  const downloadsAllowed = (d: JellyfinDouble | EmbyDouble, id: string) =>
    (d.user(id)?.Policy as { EnableContentDownloading: boolean } | undefined)?.EnableContentDownloading;
  const job = (name: string, itemId: string, status: 'Synced' | 'Transferring', hoursAgo: number) => ({
    user: EMBY_ALICE,
    targetId: 'alice-phone',
    targetName: "Alice's phone",
    name,
    dateCreated: new Date(NOW.getTime() - hoursAgo * HOUR),
    items: [{ itemId, name, status, ...(status === 'Transferring' ? { progress: 30 } : {}) }],
  });

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE],
      channels: [{ id: '340000000000000001', name: 'general' }, ALERTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: 7301, name: 'alice_plex' }]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      friends: [
        { id: 7301, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    jellyfin = await startJellyfinDouble({ token: JF_TOKEN, users: [{ ...JF_ALICE, downloads: true }] });
    emby = await startEmbyDouble({ token: EMBY_TOKEN, users: [{ ...EMBY_ALICE, downloads: true }] });
    bot = await startTestBot({ discord, now: NOW.toISOString(), config: { plexTvUrl: plexTv.url } });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('server', 'add', { platform: 'jellyfin', name: 'Jelly', url: jellyfin.url, token: JF_TOKEN });
    await admin('server', 'add', { platform: 'emby', name: 'Embassy', url: emby.url, token: EMBY_TOKEN });
    await admin('plan', 'create', {
      name: 'Mobile',
      'stream-cap': 2,
      downloads: true,
      'download-allotment': 1,
      'downloads-over-quota': 'cancel',
    });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'link', { member: ALICE.id, server: 'Embassy', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Mobile' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [plex, plexTv, jellyfin, emby]) await d?.stop();
  });

  test('/server test says per server whether a download can be cancelled', async () => {
    const plexTest = text(await admin('server', 'test', { name: 'PlexMain' }));
    assert.match(
      plexTest,
      /Downloads over the allotment\nCannot be cancelled here: Plex marks downloads as not cancellable/,
    );
    assert.match(plexTest, /cancellable="0"/);
    assert.doesNotMatch(plexTest, /❌/, 'a platform that cannot cancel is not a failure');
    const jfTest = text(await admin('server', 'test', { name: 'Jelly' }));
    assert.match(jfTest, /Cannot be cancelled here: Jellyfin downloads are plain file transfers/);
    const embyTest = text(await admin('server', 'test', { name: 'Embassy' }));
    assert.match(embyTest, /not known yet: .*cancel a download/);
    assert.match(embyTest, /Downloads in progress can be cancelled here/);
  });

  test('/plan list and the audit log show the rule', async () => {
    const list = text(await admin('plan', 'list'));
    assert.match(list, /Over the allotment: downloads in progress cancelled/);
    const rows = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'plan.create'));
    assert.ok(rows.some((r) => (r.after as { downloadsOverQuota?: string }).downloadsOverQuota === 'cancel'));
  });

  test('over the allotment: Emby cancels the sync job beyond it; Plex and Jellyfin switch downloads off', async () => {
    // One download finished on Emby (within the allotment of 1), one in progress there and one on Plex: two beyond.
    emby.setSyncJobs([job('Heat', '5501', 'Synced', 3), job('Ronin', '5502', 'Transferring', 1)]);
    plex.setActivities([
      { uuid: 'dl-plex-1', type: 'media.download', userID: 7301, subtitle: 'Alien', progress: 20 },
    ]);
    const report = await runNow();
    assert.match(report, /Over the download allotment: alice, 3 of 1/);
    await bot.bot.ctx.effects.drain();
    await until('the cancel’s DM', () => dms().some((d) => /A download was cancelled/.test(d)));

    assert.deepEqual(embyCancels(), ['/emby/Sync/Jobs/2'], 'only the job beyond the allotment');
    assert.deepEqual(emby.syncJobIds(), ['1'], 'the finished download stays the member’s');
    assert.equal(downloadsAllowed(emby, EMBY_ALICE.id), true, 'Emby cancels: downloads stay on there');
    assert.equal(plexTv.friend(7301)?.allowSync, false, 'Plex cannot cancel: switched off');
    assert.equal(downloadsAllowed(jellyfin, JF_ALICE.id), false, 'Jellyfin cannot cancel: switched off');
    assert.equal(
      plex.requests.filter((r) => r.method === 'DELETE').length,
      0,
      'Plex is never asked to cancel',
    );

    const cancelled = dms().find((d) => /A download was cancelled/.test(d)) ?? '';
    assert.match(cancelled, /Ronin/);
    assert.match(cancelled, /Embassy/);
    const quotaAlert = alerts().find((a) => /Over the download allotment/.test(a)) ?? '';
    assert.match(quotaAlert, /PlexMain: downloads switched off/);
    assert.match(quotaAlert, /Jelly: downloads switched off/);
    assert.match(quotaAlert, /Embassy: cancelling 1 download\(s\) beyond the allotment/);
    assert.ok(
      alerts().some((a) => /Download cancelled/.test(a) && /Ronin/.test(a) && /no longer lists it/.test(a)),
    );
  });

  test('the next cycles cancel nothing twice and tell nobody twice', async () => {
    const before = { dms: dms().length, alerts: alerts().length };
    bot.clock.advance(5 * MINUTE);
    await runNow();
    await bot.bot.ctx.effects.drain();
    bot.clock.advance(5 * MINUTE);
    await runNow();
    await bot.bot.ctx.effects.drain();
    assert.deepEqual(embyCancels(), ['/emby/Sync/Jobs/2']);
    assert.equal(dms().length, before.dms);
    assert.equal(alerts().length, before.alerts);
  });

  test('/quota tells the member what their plan does over the allotment', async () => {
    const q = text(await discord.invoke({ user: ALICE.id, command: 'quota' }));
    assert.match(q, /downloads in progress are cancelled/);
  });

  test('a cancel whose answer never came is retried: the job is gone, so no second DELETE, and one DM', async () => {
    discord.clearRecords();
    emby.addSyncJobs([job('Thief', '5503', 'Transferring', 0)]);
    // The server deletes the job but the answer is lost (the bot timed out, or died, while Emby applied it).
    emby.holdAnswer = ({ method }) => method === 'DELETE';
    const cancelsBefore = embyCancels().length;
    bot.clock.advance(5 * MINUTE);
    await runNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(embyCancels().length, cancelsBefore + 1);
    assert.deepEqual(emby.syncJobIds(), ['1'], 'Emby applied the cancel of job 3');
    assert.equal(dms().length, 0, 'nothing said before the cancel is known');
    emby.holdAnswer = null;
    // The retry is due after the outbox's back-off, judged on the bot's clock.
    bot.clock.advance(MINUTE);
    await bot.bot.ctx.effects.drain();
    await until('the retried cancel’s DM', () => dms().length === 1);
    assert.equal(embyCancels().length, cancelsBefore + 1, 'no second DELETE');
    const [row] = await bot.bot.ctx.db
      .select({ attempts: outbox.attempts, result: outbox.result })
      .from(outbox)
      .where(eq(outbox.kind, 'download-cancel'))
      .orderBy(outbox.id)
      .offset(1);
    assert.equal((row?.result as { outcome?: string } | null)?.outcome, 'cancelled');
    assert.equal(row?.attempts, 2);
    assert.match(dms()[0] ?? '', /Thief/);
  });

  test('a cancel Emby answers 200 but does not apply is not trusted: downloads are switched off there instead', async () => {
    discord.clearRecords();
    emby.ignoresSyncCancel = true;
    emby.addSyncJobs([job('Up', '5504', 'Transferring', 0)]);
    bot.clock.advance(5 * MINUTE);
    await runNow();
    await bot.bot.ctx.effects.drain();
    await until('the fallback DM', () => dms().length === 1);
    assert.deepEqual(emby.syncCancels.slice(-1), ['4']);
    assert.ok(emby.syncJobIds().includes('4'), 'the job is still there');
    assert.equal(downloadsAllowed(emby, EMBY_ALICE.id), false, 'switched off on Emby instead');
    assert.match(dms()[0] ?? '', /Downloads switched off/);
    assert.match(dms()[0] ?? '', /cannot cancel the download of \*\*Up\*\*/);
    assert.ok(
      alerts().some((a) => /could not be cancelled/.test(a) && /still lists the sync job/.test(a)),
      alerts().join('\n---\n'),
    );
    const embyTest = text(await admin('server', 'test', { name: 'Embassy' }));
    assert.match(embyTest, /❌ cancel a download/);
    emby.ignoresSyncCancel = false;
  });
});
