// Exempt devices and boosts through the real bot, the Discord double, a Plex double and plex.tv.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { count, eq } from 'drizzle-orm';
import { auditLog, boosts, deviceExemptions, downloadSwitches, streamLog } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { HOUR, MINUTE } from '../helpers/clock.ts';
import { refusalCheck, text } from '../helpers/discord.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice' };
const BOB = { id: '240000000000000003', username: 'bob' };
const CAROL = { id: '240000000000000004', username: 'carol' };
const GENERAL = { id: '340000000000000001', name: 'general' };
const ALERTS = { id: '340000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-owner-token-fair-1';

/**
 * One of Alice's Plex sessions. The device's identifier is the Player's `machineIdentifier` and its display name
 * the Player's `title` (Plex Media Server /status/sessions; python-plexapi `PlexClient.machineIdentifier` and
 * `title`), which the member can rename in the app at will.
 */
const aliceOn = (device: { id: string; name: string; product?: string }, n: number): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
  player: {
    state: 'playing',
    device: device.name,
    product: device.product ?? 'Plex for Android',
    address: `203.0.113.${n}`,
    machineIdentifier: device.id,
    title: device.name,
  },
  session: { id: `sess-${device.id}-${n}` },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(500 + n),
});

const TV = { id: 'tv-living-0001', name: 'Living Room TV', product: 'Plex for Android (TV)' };
const PHONE = { id: 'phone-alice-0002', name: 'Alice’s phone' };
const TABLET = { id: 'tablet-alice-0003', name: 'Tablet' };
/** Another of Alice's devices, renamed in its app to the exempt TV's name. */
const IMPOSTOR = { id: 'laptop-alice-0004', name: 'Living Room TV' };
/**
 * Jellyfin web's DeviceId: base64 of the user agent and a timestamp, '=' replaced by '1' (jellyfin-web
 * src/components/apphost.js `generateDeviceId`): 112 characters here, longer than a Discord choice value (100).
 */
const JF_WEB_DEVICE = btoa(
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0|1731960000000',
).replace(/=/g, '1');
const JF_ALICE = 'a11ce000000000000000000000000042';

describe('exempt devices and boosts', () => {
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
  const db = () => bot.bot.ctx.db;
  const stoppedIds = () => plex.terminations.map((t) => t.sessionId);
  const deviceChoices = (subcommand: 'exempt' | 'unexempt', typed = '', member = ALICE.id) =>
    discord.autocomplete({
      user: ADMIN.id,
      command: 'user',
      subcommand,
      options: { member, device: typed },
      focused: 'device',
      admin: true,
    });

  const snapshot = async () => ({
    exemptions: await db().select().from(deviceExemptions),
    boosts: await db().select().from(boosts),
    audit: (await db().select({ n: count() }).from(auditLog))[0]?.n,
    switches: await db().select().from(downloadSwitches),
  });
  const refused = refusalCheck(snapshot);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB, CAROL],
      channels: [GENERAL, ALERTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([
      { id: 7001, name: 'alice_plex' },
      { id: 7004, name: 'carol_plex' },
    ]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      friends: [
        { id: 7001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    jellyfin = await startJellyfinDouble({
      token: 'jf-key-fair-000111',
      users: [{ id: JF_ALICE, name: 'alice' }],
    });
    // Wednesday 18 November 2026, 15:00 in New York.
    bot = await startTestBot({
      discord,
      now: '2026-11-18T20:00:00Z',
      config: { timezone: 'America/New_York', plexTvUrl: plexTv.url },
    });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('plan', 'create', {
      name: 'Solo',
      'stream-cap': 1,
      downloads: true,
      'download-allotment': 2,
    });
    await admin('plan', 'create', { name: 'Watcher', 'stream-cap': 1, downloads: false });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-fair-000111',
    });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
    await admin('user', 'link', { member: CAROL.id, server: 'PlexMain', account: 'carol_plex' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
    await jellyfin?.stop();
  });

  test('refusals: unknown member, no device seen, nothing to boost, no plan, no boost, no exemption', async () => {
    await refused(
      () => admin('user', 'exempt', { member: BOB.id, device: 'tv-living-0001' }),
      /not linked to any media account.*`\/user link`/,
    );
    await refused(
      () => admin('user', 'exempt', { member: ALICE.id, device: TV.id }),
      /No device has been seen streaming for alice yet/,
    );
    await refused(() => admin('user', 'boost', { member: ALICE.id, hours: 2 }), /Nothing to boost/);
    await refused(
      () => admin('user', 'boost', { member: BOB.id, streams: 1, hours: 2 }),
      /bob is not linked to any media account/,
    );
    await refused(
      () => admin('user', 'boost', { member: CAROL.id, streams: 1, hours: 2 }),
      /carol is not on a plan.*nothing to boost.*`\/user plan`/,
    );
    await refused(() => admin('user', 'unboost', { member: ALICE.id }), /no boost running now/);
    await refused(
      () => admin('user', 'unexempt', { member: ALICE.id, device: TV.id }),
      /alice has no exempt devices/,
    );
  });

  test('the device list: devices seen for the member on any server, live or in the stream log', async () => {
    plex.setSessions([aliceOn(TV, 1)]);
    await runNow();
    plex.setSessions([]);
    bot.clock.advance(3 * HOUR);
    await runNow();
    plex.setSessions([aliceOn(PHONE, 2)]);
    await runNow();
    const logged = await db().select().from(streamLog).where(eq(streamLog.deviceId, TV.id));
    assert.equal(logged.length, 1, 'the stream log keeps the device identifier');

    const choices = await deviceChoices('exempt');
    assert.deepEqual(
      choices.map((c) => c.value),
      [PHONE.id, TV.id],
      'the live device first, then the history; values are identifiers',
    );
    assert.equal(choices[0]?.name, 'Alice’s phone · Plex for Android · PlexMain · playing now');
    assert.equal(choices[1]?.name, 'Living Room TV · plex · PlexMain · seen 3 h ago');
    assert.deepEqual(
      (await deviceChoices('exempt', 'living')).map((c) => c.value),
      [TV.id],
      'filtered by what was typed',
    );
    assert.deepEqual(await deviceChoices('exempt', '', CAROL.id), [], 'nothing seen for Carol');
    assert.deepEqual(await deviceChoices('exempt', '', BOB.id), [], 'an unknown member has no devices');
  });

  test('/user exempt: by identifier only; a typed name or an unseen id is refused', async () => {
    await refused(
      () => admin('user', 'exempt', { member: ALICE.id, device: 'Living Room TV' }),
      /is a device name.*pick the device from the `device` list/,
    );
    await refused(
      () => admin('user', 'exempt', { member: ALICE.id, device: 'never-seen-device' }),
      /No device “never-seen-device” has been seen for alice/,
    );
    const done = await admin('user', 'exempt', { member: ALICE.id, device: TV.id, note: 'parents’ TV' });
    assert.equal(done.ephemeral, true);
    assert.match(text(done), /Streams from \*\*Living Room TV\*\* \(PlexMain\) no longer count/);
    const rows = await db().select().from(deviceExemptions);
    assert.deepEqual(
      rows.map((r) => [r.deviceId, r.deviceName, r.note, r.addedBy]),
      [[TV.id, 'Living Room TV', 'parents’ TV', ADMIN.id]],
    );
    await refused(
      () => admin('user', 'exempt', { member: ALICE.id, device: TV.id }),
      /already exempt for alice\. Nothing changed/,
    );
    assert.deepEqual(
      (await deviceChoices('unexempt')).map((c) => [c.name, c.value]),
      [['Living Room TV · parents’ TV', TV.id]],
    );
  });

  test('cap 1: the exempt TV and a phone play on, nothing stopped; /quota shows the exemption', async () => {
    plex.setSessions([aliceOn(TV, 1), aliceOn(PHONE, 2)]);
    const report = await runNow();
    assert.doesNotMatch(text(report), /Over the cap/);
    assert.deepEqual(stoppedIds(), []);
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    const q = await quota();
    assert.match(q, /1 of 1 at once/, 'the exempt TV is not counted');
    assert.match(q, /Exempt devices \(never counted\)\n• Living Room TV/);
    assert.doesNotMatch(q, /parents/, 'the admins’ note is not shown to the member');
    const info = text(await admin('user', 'info', { member: ALICE.id }));
    assert.match(info, /• Living Room TV: parents’ TV/);
  });

  test('a device renamed to the exempt TV’s name counts, and over the cap it is stopped; the TV is not', async () => {
    plex.setSessions([aliceOn(TV, 1), aliceOn(PHONE, 2), aliceOn(IMPOSTOR, 3)]);
    const report = await runNow();
    assert.match(text(report), /Over the stream cap: alice, 2 of 1/);
    assert.deepEqual(stoppedIds().sort(), [`sess-${IMPOSTOR.id}-3`, `sess-${PHONE.id}-2`].sort());
    assert.ok(!stoppedIds().includes(`sess-${TV.id}-1`), 'the exempt TV is never stopped');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    plex.setSessions([aliceOn(TV, 1)]);
    await runNow(); // back within the cap: the episode closes
    plex.terminations.length = 0;
  });

  test('a boost of +1 stream lets two streams play, and the next cycle after it ends stops them', async () => {
    const done = await admin('user', 'boost', { member: ALICE.id, streams: 1, hours: 2 });
    const end = Math.floor((bot.clock.now().getTime() + 2 * HOUR) / 1000);
    assert.match(text(done), /\+1 stream\*\* on top of \*\*Solo\*\*/);
    assert.match(text(done), new RegExp(`<t:${end}:R>`));
    plex.setSessions([aliceOn(TV, 1), aliceOn(PHONE, 2), aliceOn(TABLET, 3)]);
    const during = await runNow();
    assert.doesNotMatch(text(during), /Over the cap/);
    assert.deepEqual(stoppedIds(), []);
    const q = await quota();
    assert.match(q, /2 of 2 \(1 \+ 1 boost\) at once/);
    assert.match(q, new RegExp(`Boost\\n\\+1 stream, ends <t:${end}:R>`));

    bot.clock.advance(2 * HOUR - MINUTE);
    await runNow();
    assert.deepEqual(stoppedIds(), [], 'a minute before its end the boost still applies');
    bot.clock.advance(MINUTE);
    const afterEnd = await runNow();
    assert.match(text(afterEnd), /Over the stream cap: alice, 2 of 1/);
    assert.deepEqual(stoppedIds().sort(), [`sess-${PHONE.id}-2`, `sess-${TABLET.id}-3`].sort());
    assert.doesNotMatch(await quota(), /Boost/);
    plex.setSessions([]);
    await runNow();
    plex.terminations.length = 0;
  });

  test('a new boost replaces the current one; /user unboost ends it now', async () => {
    await admin('user', 'boost', { member: ALICE.id, streams: 3, hours: 48 });
    const second = await admin('user', 'boost', { member: ALICE.id, streams: 1, hours: 5 });
    assert.match(text(second), /replaces their previous boost \(\+3 streams\)/);
    const rows = await db().select().from(boosts).orderBy(boosts.id);
    const [replaced, current] = rows.slice(-2);
    assert.equal(replaced?.endedEarlyAt?.getTime(), bot.clock.now().getTime(), 'the replaced boost ended');
    assert.equal(current?.endedEarlyAt, null);
    assert.match(await quota(), /of 2 \(1 \+ 1 boost\)/, 'never 1 + 3 + 1');

    const ended = await admin('user', 'unboost', { member: ALICE.id });
    assert.match(text(ended), /boost \(\+1 stream\) has ended/);
    assert.equal(
      (
        await db()
          .select()
          .from(boosts)
          .where(eq(boosts.id, current?.id ?? 0))
      )[0]?.endedEarlyAt?.getTime(),
      bot.clock.now().getTime(),
    );
    assert.doesNotMatch(await quota(), /Boost/);
    await refused(() => admin('user', 'unboost', { member: ALICE.id }), /no boost running now/);
  });

  test('a downloads boost raises the allotment for /quota, the quota enforcement and the switch-back', async () => {
    plex.setActivities([
      { uuid: 'dl-1', type: 'media.download', userID: 7001, subtitle: 'The Matrix', progress: 35 },
      { uuid: 'dl-2', type: 'media.download', userID: 7001, subtitle: 'Arrival', progress: 50 },
      { uuid: 'dl-3', type: 'media.download', userID: 7001, subtitle: 'Dune', progress: 80 },
    ]);
    const over = await runNow();
    assert.match(text(over), /Over the download allotment: alice, 3 of 2/);
    assert.equal(plexTv.friend(7001)?.allowSync, false, 'switched off');
    assert.match(await quota(), /\*\*3 of 2\*\* used, 0 left/);

    await refused(
      () => admin('user', 'boost', { member: CAROL.id, downloads: 5, hours: 2 }),
      /carol is not on a plan/,
    );
    const done = await admin('user', 'boost', { member: ALICE.id, downloads: 5, hours: 24 });
    assert.match(text(done), /\+5 downloads/);
    assert.equal(plexTv.friend(7001)?.allowSync, true, 'back under the allotment: switched back on at once');
    assert.equal((await db().select().from(downloadSwitches)).length, 0);
    const q = await quota();
    assert.match(q, /\*\*3 of 7\*\* used \(includes \+5 from a boost\), 4 left/);
    assert.match(q, /Boost\n\+5 downloads, ends <t:/);

    const within = await runNow();
    assert.doesNotMatch(text(within), /download quota/, 'enforcement uses the boosted allotment');
    assert.equal(plexTv.friend(7001)?.allowSync, true);

    await admin('user', 'unboost', { member: ALICE.id });
    const again = await runNow();
    assert.match(text(again), /Over the download allotment: alice, 3 of 2/);
    assert.equal(plexTv.friend(7001)?.allowSync, false, 'the boost ended: over the allotment again');
    plex.setActivities([]);
  });

  test('a downloads boost is refused for a plan without downloads', async () => {
    await admin('user', 'plan', { member: CAROL.id, plan: 'Watcher' });
    await refused(
      () => admin('user', 'boost', { member: CAROL.id, downloads: 5, hours: 2 }),
      /plan \(Watcher\) does not include downloads/,
    );
  });

  test('/user unexempt: the TV counts again', async () => {
    const done = await admin('user', 'unexempt', { member: ALICE.id, device: TV.id });
    assert.match(text(done), /Streams from \*\*Living Room TV\*\* count for <@\d+> again/);
    assert.equal((await db().select().from(deviceExemptions)).length, 0);
    plex.setSessions([aliceOn(TV, 1), aliceOn(PHONE, 2)]);
    const report = await runNow();
    assert.match(text(report), /Over the stream cap: alice, 2 of 1/);
    assert.ok(stoppedIds().includes(`sess-${TV.id}-1`));
    plex.setSessions([]);
  });

  test('every exemption and boost change is in the audit log, with who and what', async () => {
    const rows = await db().select().from(auditLog).orderBy(auditLog.id);
    const mine = rows.filter((r) => /^user\.(un)?(exempt|boost)$/.test(r.action));
    assert.deepEqual(
      mine.map((r) => r.action),
      [
        'user.exempt',
        'user.boost',
        'user.boost',
        'user.boost',
        'user.unboost',
        'user.boost',
        'user.unboost',
        'user.unexempt',
      ],
    );
    assert.ok(mine.every((r) => r.actorDiscordId === ADMIN.id && r.target === `member:${ALICE.id}`));
    assert.deepEqual(mine[0]?.after, { deviceId: TV.id, device: 'Living Room TV', note: 'parents’ TV' });
    assert.deepEqual(
      (mine[3]?.before as { streams: number } | null)?.streams,
      3,
      'a replacing boost records the one it replaced',
    );
    assert.deepEqual(mine.at(-1)?.before, { deviceId: TV.id, device: 'Living Room TV', note: 'parents’ TV' });
  });

  test('a Jellyfin web DeviceId longer than a choice value is offered as a hash and matched by identifier', async () => {
    jellyfin.setSessions([
      {
        user: { id: JF_ALICE, name: 'alice' },
        device: 'Firefox',
        client: 'Jellyfin Web',
        deviceId: JF_WEB_DEVICE,
        ip: '192.0.2.30',
        item: { name: 'Arrival', type: 'Movie' },
      },
    ]);
    await runNow();
    const [choice, ...others] = await deviceChoices('exempt', 'firefox');
    assert.equal(others.length, 0);
    assert.equal(choice?.name, 'Firefox · Jellyfin Web · Jelly · playing now');
    assert.match(String(choice?.value), /^sha256:[0-9a-f]{40}$/);
    const done = await admin('user', 'exempt', { member: ALICE.id, device: choice?.value ?? '' });
    assert.match(text(done), /Streams from \*\*Firefox\*\* \(Jelly\) no longer count/);
    assert.deepEqual(
      (await db().select().from(deviceExemptions)).map((r) => r.deviceId),
      [JF_WEB_DEVICE],
      'the whole identifier is kept',
    );
    plex.setSessions([aliceOn(PHONE, 2)]);
    const report = await runNow();
    assert.doesNotMatch(
      text(report),
      /Over the cap/,
      'Firefox on Jellyfin is exempt, the phone is the one stream',
    );
    assert.equal(jellyfin.playstateCommands.length, 0);
    const [exempt] = await deviceChoices('unexempt');
    assert.equal(exempt?.value, choice?.value);
    await admin('user', 'unexempt', { member: ALICE.id, device: exempt?.value ?? '' });
    assert.equal((await db().select().from(deviceExemptions)).length, 0);
    jellyfin.setSessions([]);
    plex.setSessions([]);
  });
});
