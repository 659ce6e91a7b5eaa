// Sharing signals through the real bot, on Plex, Jellyfin and Emby: streams of one account from two public
// addresses in different cities at once raise one impossible-travel alert with the evidence, more networks in a day
// than the plan's households raise one households alert, nothing is ever stopped, and `/user info` shows the flags.
// Private and LAN addresses are never places. The address the bot reads is what the servers send: Plex
// `Player address` in `/status/sessions` (python-plexapi `PlexSession.player.address`; Tautulli reads `ip_address`
// from it; the Plex double's fixtures in plex-payloads.ts), Jellyfin and Emby `SessionInfo.RemoteEndPoint` on
// `GET /Sessions` (@jellyfin/sdk `SessionInfoDto.RemoteEndPoint`; Emby's OpenAPI `Session.SessionInfo`), which
// may carry an IPv4-mapped address or a port (mediabrowser-activity.ts). The cities come from the GeoIP data bundled
// in the fast-geoip package, offline: Princeton's 128.112.0.0/16 is placed in Trenton (NJ), Cambridge University's
// 131.111.0.0/16 in Cambridge (England).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { auditLog, members, type Plan, sharingFlags, sharingPlaces } from '../../src/db/schema.ts';
import { editPlan } from '../../src/services/plans.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const BOB = { id: '230000000000000003', username: 'bob' };
const CAROL = { id: '230000000000000004', username: 'carol' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const alicePlex = { id: 7201, title: 'alice_plex' };
const BOB_JF = { id: 'b0b00000000000000000000000000021', name: 'bob' };
const CAROL_EMBY = { id: '45', name: 'carol' };

const jfSession = (device: string, ip: string) => ({
  user: BOB_JF,
  device,
  client: 'Jellyfin Web',
  deviceId: `jf-${device}`,
  ip,
  item: { name: 'Arrival', type: 'Movie' as const },
});
const embySession = (device: string, ip: string) => ({
  user: CAROL_EMBY,
  device,
  client: 'Emby Web',
  deviceId: `emby-${device}`,
  ip,
  item: { name: 'Dune', type: 'Movie' as const },
});

describe('sharing signals', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const alerts = () => discord.messagesIn(ALERTS.id);
  const memberId = async (discordId: string) => {
    const [m] = await bot.bot.ctx.db.select().from(members).where(eq(members.discordUserId, discordId));
    assert.ok(m);
    return m.id;
  };
  const placesOf = async (discordId: string) =>
    (
      await bot.bot.ctx.db
        .select()
        .from(sharingPlaces)
        .where(eq(sharingPlaces.memberId, await memberId(discordId)))
    )
      .map((p) => p.network)
      .sort();

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB, CAROL],
      channels: [{ id: '330000000000000001', name: 'general' }, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-ssss1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: alicePlex.id, name: alicePlex.title }]);
    jellyfin = await startJellyfinDouble({ token: 'jf-key-ssss2222tttt', users: [BOB_JF] });
    emby = await startEmbyDouble({ token: 'emby-key-ssss3333', users: [CAROL_EMBY] });
    bot = await startTestBot({ discord });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-ssss2222tttt',
    });
    await admin('server', 'add', {
      platform: 'emby',
      name: 'Emby',
      url: emby.url,
      token: 'emby-key-ssss3333',
    });
    await admin('plan', 'create', { name: 'Family', 'stream-cap': 5, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: alicePlex.title });
    await admin('user', 'link', { member: BOB.id, server: 'Jelly', account: 'bob' });
    await admin('user', 'link', { member: CAROL.id, server: 'Emby', account: 'carol' });
    for (const m of [ALICE, BOB, CAROL]) await admin('user', 'plan', { member: m.id, plan: 'Family' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await jellyfin?.stop();
    await emby?.stop();
  });

  test('off by default: streams from two far places record nothing and alert nobody', async () => {
    plex.setSessions([playingMovie(alicePlex, 5, '128.112.1.'), playingMovie(alicePlex, 9, '131.111.1.')]);
    await runNow();
    assert.deepEqual(await placesOf(ALICE.id), []);
    assert.equal(alerts().length, 0);
    plex.setSessions([]);
    await runNow();
  });

  test('the switches are shown and audited; a households number out of range changes nothing', async () => {
    // Discord itself refuses a value past the option's max_value; the service refuses it for any other caller.
    await assert.rejects(editPlan(bot.bot.ctx.db, ADMIN.id, 'Family', { households: 21 }), {
      name: 'UserError',
      message: /`households` must be a whole number from 0 \(no alert\) to 20/,
    });
    const edited = await admin('plan', 'edit', { name: 'Family', households: 2 });
    assert.match(text(edited), /households: alert past 2 places a day/);
    assert.match(text(await admin('plan', 'list')), /Households: alert past 2 places a day/);
    const travel = await admin('enforcement', 'impossible-travel', { enabled: true });
    assert.match(text(travel), /Impossible-travel alerts .*: \*\*on\*\*/);
    assert.match(
      text(await admin('enforcement', 'settings')),
      /Impossible-travel alerts[^\n]*\n\*\*on\*\* \(`\/enforcement impossible-travel`\)/,
    );
    const { db } = bot.bot.ctx;
    const planEdits = await db.select().from(auditLog).where(eq(auditLog.action, 'plan.edit'));
    assert.deepEqual(
      planEdits.map((e) => [e.before, e.after].map((p) => (p as Plan).households)),
      [[0, 2]],
    );
    const switched = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'enforcement.impossibleTravel'));
    assert.deepEqual(
      switched.map((e) => [e.before, e.after]),
      [[false, true]],
    );
  });

  test('Plex: two cities at once is one impossible-travel alert with the evidence; a LAN address is no place', async () => {
    discord.clearRecords();
    plex.setSessions([
      playingMovie(alicePlex, 5, '128.112.1.'),
      playingMovie(alicePlex, 9, '131.111.1.'),
      playingMovie(alicePlex, 20, '192.168.1.'),
    ]);
    await runNow();
    await until('the travel alert', () => alerts().length === 1);
    const alert = alerts()[0]!;
    const body = text(alert);
    assert.match(body, /Impossible travel/);
    assert.match(
      body,
      new RegExp(`<@${ALICE.id}> \\(Family\\): two places \\d+ km apart, seen at the same time`),
    );
    assert.match(body, /128\.112\.1\.0\/24 · Trenton, NJ, US · Player 5/);
    assert.match(body, /131\.111\.1\.0\/24 · Cambridge, ENG, GB · Player 9/);
    assert.match(body, /<t:\d+:f>–<t:\d+:t>/, 'the times');
    assert.match(body, /Nothing was stopped/);
    assert.doesNotMatch(body, /192\.168|Monterotondo/, 'the LAN address is never looked up nor shown');
    assert.deepEqual(alert.allowedMentions, { parse: [] }, 'nothing pings');
    assert.deepEqual(await placesOf(ALICE.id), ['128.112.1.0/24', '131.111.1.0/24']);
    // Three streams on a cap of five, and a flag is never a stop.
    assert.equal(plex.terminations.length, 0);

    bot.clock.advance(20 * MINUTE);
    await runNow();
    await runNow();
    assert.equal(alerts().length, 1, 'one alert per flag');
    assert.equal(plex.terminations.length, 0);
    const info = text(await admin('user', 'info', { member: ALICE.id }));
    assert.match(info, /Sharing flags\n<t:\d+:R>: two places \d+ km apart, seen at the same time/);
    assert.match(info, /131\.111\.1\.0\/24 · Cambridge, ENG, GB · Player 9/);
    plex.setSessions([]);
  });

  test('Jellyfin: the same through RemoteEndPoint, with an IPv4-mapped address and a port', async () => {
    discord.clearRecords();
    jellyfin.setSessions([
      jfSession('Laptop', '::ffff:128.112.1.77'),
      jfSession('Living room TV', '131.111.1.77:51234'),
      jfSession('Phone', '10.0.0.5'),
    ]);
    await runNow();
    await until('the travel alert', () => alerts().length === 1);
    const body = text(alerts()[0]!);
    assert.match(body, new RegExp(`<@${BOB.id}> \\(Family\\): two places`));
    assert.match(body, /128\.112\.1\.0\/24 · Trenton, NJ, US · Laptop/);
    assert.match(body, /131\.111\.1\.0\/24 · Cambridge, ENG, GB · Living room TV/);
    assert.deepEqual(await placesOf(BOB.id), ['128.112.1.0/24', '131.111.1.0/24']);
    assert.equal(jellyfin.playstateCommands.length, 0);
    jellyfin.setSessions([]);
  });

  test('Emby: a third network in a day is one households alert; IPv6 places are /48 networks', async () => {
    // Nearby networks without a city (the bundled data is IPv4 only), so no travel is judged between them.
    await admin('enforcement', 'impossible-travel', { enabled: false });
    discord.clearRecords();
    emby.setSessions([
      embySession('Tablet', '2001:4860:4860::8888'),
      embySession('Phone', '2a00:1450:4001:81c::200e'),
    ]);
    await runNow();
    assert.equal(alerts().length, 0, 'two places: within the plan’s two households');
    bot.clock.advance(30 * MINUTE);
    emby.setSessions([embySession('Console', '2a03:2880:f10c:83::25de')]);
    await runNow();
    await until('the households alert', () => alerts().length === 1);
    const body = text(alerts()[0]!);
    assert.match(body, /more households than the plan allows/);
    assert.match(
      body,
      new RegExp(`<@${CAROL.id}> \\(Family\\): 3 places in one day; the plan allows 2 households`),
    );
    assert.match(body, /2001:4860:4860::\/48 · city unknown · Tablet/);
    assert.match(body, /2a00:1450:4001::\/48 · city unknown · Phone/);
    assert.match(body, /2a03:2880:f10c::\/48 · city unknown · Console/);
    await runNow();
    assert.equal(alerts().length, 1);
    assert.equal(emby.playstateCommands.length, 0);
    const flags = await bot.bot.ctx.db
      .select()
      .from(sharingFlags)
      .where(eq(sharingFlags.memberId, await memberId(CAROL.id)));
    assert.deepEqual(
      flags.map((f) => f.kind),
      ['households'],
    );
    assert.match(text(await admin('user', 'info', { member: CAROL.id })), /3 places in one day/);
    emby.setSessions([]);
  });
});
