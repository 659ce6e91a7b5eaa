// Stream-cap enforcement through the real bot against Plex (JSON and XML), Jellyfin and Emby doubles.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import type { PlexSessionSpec } from '../doubles/plex.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { type SmtpDouble, startSmtpDouble } from '../doubles/smtp.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const CAROL = { id: '210000000000000003', username: 'carol' };
const DAVE = { id: '210000000000000004', username: 'dave' };
const GENERAL = { id: '310000000000000001', name: 'general' };
const ALERTS = { id: '310000000000000002', name: 'alerts' };

const plexSession = (
  user: { id: number; title: string },
  n: number,
  extra: Partial<PlexSessionSpec> = {},
): PlexSessionSpec => ({
  user: { id: user.id, title: user.title },
  player: {
    state: 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n}`,
    machineIdentifier: `dev-${user.id}-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(100 + n),
  ...extra,
});

describe('stream-cap enforcement', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let nopass: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  let smtp: SmtpDouble;
  const alicePlex = { id: 7001, title: 'alice_plex' };
  const owner = { id: 1, title: 'the_owner' };
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const runNow = () => admin('enforcement', 'run-now');
  const alerts = () => discord.messagesIn(ALERTS.id);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, CAROL, DAVE],
      channels: [GENERAL, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-aaaa1111', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([
      { id: 7001, name: 'alice_plex' },
      { id: 7003, name: 'carol_plex' },
    ]);
    nopass = await startPlexDouble({
      token: 'plex-token-bbbb2222',
      premium: false,
      format: 'xml-only',
      friendlyName: 'PlexFree',
    });
    nopass.setAccounts([{ id: 7004, name: 'dave_plex' }]);
    jellyfin = await startJellyfinDouble({
      token: 'jf-key-cccc3333dddd',
      users: [{ id: 'a1ce0000000000000000000000000001', name: 'alice' }],
    });
    emby = await startEmbyDouble({ token: 'emby-key-eeee4444', users: [{ id: '44', name: 'carol' }] });
    smtp = await startSmtpDouble({ user: 'mailer', pass: 'smtp-pass-123456' });
    bot = await startTestBot({
      discord,
      config: { smtpUrl: smtp.url, mailFrom: 'Streamwarden <bot@example.org>' },
    });

    await admin('server', 'add', {
      platform: 'plex',
      name: 'PlexMain',
      url: plex.url,
      token: 'plex-token-aaaa1111',
    });
    await admin('server', 'add', {
      platform: 'plex',
      name: 'PlexFree',
      url: nopass.url,
      token: 'plex-token-bbbb2222',
    });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-cccc3333dddd',
    });
    await admin('server', 'add', {
      platform: 'emby',
      name: 'Emby',
      url: emby.url,
      token: 'emby-key-eeee4444',
    });
    await admin('plan', 'create', { name: 'Duo', 'stream-cap': 2, downloads: false });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Duo' });
    await admin('user', 'link', { member: CAROL.id, server: 'PlexMain', account: 'carol_plex' });
    await admin('user', 'link', { member: CAROL.id, server: 'Emby', account: 'carol' });
    await admin('user', 'plan', { member: CAROL.id, plan: 'Duo' });
    await admin('user', 'link', { member: DAVE.id, server: 'PlexFree', account: 'dave_plex' });
    await admin('user', 'plan', { member: DAVE.id, plan: 'Solo' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('user', 'email', { member: ALICE.id, address: 'alice@example.org' });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [plex, nopass, jellyfin, emby, smtp]) await d?.stop();
  });

  const aliceOverCap = () => {
    // Alice: two Plex streams and one Jellyfin stream (3 > 2). Carol: one Plex + one Emby (2 = cap).
    // The owner streams too, and Alice has an idle Jellyfin app open: neither counts.
    plex.setSessions([
      plexSession(alicePlex, 1),
      plexSession(alicePlex, 2, {
        player: {
          state: 'paused',
          device: 'iPad',
          title: 'Tablet',
          address: '::ffff:198.51.100.7',
          machineIdentifier: 'tab-1',
        },
      }),
      plexSession({ id: 7003, title: 'carol_plex' }, 3),
      plexSession(owner, 4),
      plexSession(owner, 5),
      plexSession(owner, 6),
    ]);
    jellyfin.setSessions([
      {
        user: { id: 'a1ce0000000000000000000000000001', name: 'alice' },
        device: 'Living room TV',
        client: 'Jellyfin Android TV',
        deviceId: 'jf-tv',
        ip: '192.0.2.10',
        item: { name: 'Arrival', type: 'Movie' },
      },
      {
        user: { id: 'a1ce0000000000000000000000000001', name: 'alice' },
        device: 'Phone',
        client: 'Jellyfin iOS',
        deviceId: 'jf-phone',
        ip: '192.0.2.11',
        item: null,
      },
    ]);
    emby.setSessions([
      {
        user: { id: '44', name: 'carol' },
        device: 'Roku',
        client: 'Emby for Roku',
        deviceId: 'em-roku',
        ip: '192.0.2.20',
        item: { name: 'Dune', type: 'Movie' },
      },
    ]);
  };

  test('dry run: notifies once, stops nothing, and says so', async () => {
    await admin('enforcement', 'dry-run', { enabled: true });
    aliceOverCap();
    const report = await runNow();
    assert.match(text(report), /Over the stream cap: alice, 3 of 2 \(dry run: nothing stopped/);
    assert.equal(plex.terminations.length, 0);
    assert.equal(jellyfin.playstateCommands.length, 0);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    assert.match(text(alerts()[0]!), /dry run: nothing stopped/i);
    assert.equal(discord.dmsTo(CAROL.id).length, 0, 'a member at the cap is untouched');
  });

  test('a second cycle and a restart do not repeat the DM or the alert', async () => {
    await runNow();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    await bot.restart();
    await runNow();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
  });

  test('over the cap across two platforms: every stream is stopped with the on-screen message', async () => {
    await admin('enforcement', 'dry-run', { enabled: false });
    await runNow();
    assert.deepEqual(plex.terminations.map((t) => t.sessionId).length, 2, 'both of Alice’s Plex streams');
    for (const t of plex.terminations)
      assert.match(t.reason ?? '', /Too many devices in use: your plan \(Duo\) allows 2/);
    assert.deepEqual(
      jellyfin.playstateCommands.map((c) => c.command),
      ['Stop'],
    );
    assert.equal(jellyfin.messages.length, 1);
    assert.equal(emby.playstateCommands.length, 0, 'Carol is at her cap');
    assert.ok(plex.terminations.every((t) => !t.sessionId.includes('owner')));
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'same episode: no second DM');
  });

  test('a new episode after going back within the cap gets a new DM and alert listing every stream', async () => {
    await runNow(); // Alice is within the cap now: the episode closes.
    aliceOverCap();
    const before = plex.terminations.length;
    await runNow();
    assert.equal(plex.terminations.length, before + 2);
    assert.equal(discord.dmsTo(ALICE.id).length, 2);
    const dm = discord.dmsTo(ALICE.id)[1]!;
    assert.match(text(dm), /Too many streams at once/);
    assert.match(text(dm), /Stop one of your streams/);
    assert.doesNotMatch(text(dm), /203\.0\.113/, 'the member’s DM does not show IP addresses');
    const alert = alerts().at(-1)!;
    const body = text(alert);
    assert.match(body, new RegExp(`<@${ALICE.id}>`));
    for (const s of [
      'PlexMain',
      'Jelly',
      'Device 1',
      'Tablet',
      'Living room TV',
      '203.0.113.1',
      '198.51.100.7',
      '192.0.2.10',
      'Movie 1',
      'Arrival',
      'paused',
      'stopped',
    ]) {
      assert.ok(body.includes(s), `alert lists ${s}`);
    }
    assert.doesNotMatch(body, /Phone/, 'the idle app is not listed');
    assert.deepEqual(alert.allowedMentions, { parse: [] });
  });

  test('the member is emailed once per episode when an address is known', async () => {
    const mails = smtp.messages.filter((m) => m.to.includes('alice@example.org'));
    assert.equal(mails.length, 2, 'two episodes so far');
    assert.equal(mails[0]?.subject, 'Too many streams at once');
    assert.match(mails[0]?.text ?? '', /Your plan \(Duo\) allows 2 stream\(s\)/);
  });

  test('without Plex Pass nothing is stopped on Plex and the alert says why; closed DMs are reported', async () => {
    discord.closeDms(DAVE.id);
    nopass.setSessions([
      plexSession({ id: 7004, title: 'dave_plex' }, 1),
      plexSession({ id: 7004, title: 'dave_plex' }, 2),
    ]);
    await runNow();
    assert.equal(nopass.terminations.length, 0);
    assert.equal(discord.dmsTo(DAVE.id).length, 0);
    assert.match(text(alerts().at(-1)!), /not stopped: .*Plex Pass/);
    assert.match(
      text(alerts().at(-1)!),
      /Could not be delivered: the member does not accept direct messages/,
    );
    nopass.setSessions([]);
  });

  test('a session Plex cannot stop (Plexamp, no Session id) is reported in the alert', async () => {
    plex.setSessions([
      plexSession(alicePlex, 1),
      plexSession(alicePlex, 2),
      plexSession(alicePlex, 9, { session: null, type: 'track', title: 'Song' }),
    ]);
    jellyfin.setSessions([]);
    await runNow();
    assert.match(text(alerts().at(-1)!), /Song[\s\S]*no Session id/);
    plex.setSessions([]);
    await runNow();
  });

  test('a stop the client ignores is not retried every cycle, and the episode is not re-announced', async () => {
    const sticky = await startPlexDouble({ token: 'plex-token-ffff5555', premium: true, lingerReads: 1000 });
    try {
      sticky.setAccounts([{ id: 7005, name: 'dave_sticky' }]);
      await admin('server', 'add', {
        platform: 'plex',
        name: 'Sticky',
        url: sticky.url,
        token: 'plex-token-ffff5555',
      });
      await admin('user', 'link', { member: CAROL.id, server: 'Sticky', account: 'dave_sticky' });
      sticky.setSessions([
        plexSession({ id: 7005, title: 'dave_sticky' }, 1),
        plexSession({ id: 7005, title: 'dave_sticky' }, 2),
        plexSession({ id: 7005, title: 'dave_sticky' }, 3),
      ]);
      const dms = discord.dmsTo(CAROL.id).length;
      await runNow();
      assert.equal(sticky.terminations.length, 3);
      assert.equal(discord.dmsTo(CAROL.id).length, dms + 1);
      await runNow();
      await runNow();
      assert.equal(sticky.terminations.length, 3, 'each session is stopped once, not every cycle');
      assert.equal(discord.dmsTo(CAROL.id).length, dms + 1);
      await admin('server', 'remove', { name: 'Sticky' });
    } finally {
      await sticky.stop();
    }
  });

  test('one dead server does not stop enforcement on the others; admins hear once down and once up', async () => {
    jellyfin.fault = 'server-error';
    plex.setSessions([plexSession(alicePlex, 1), plexSession(alicePlex, 2), plexSession(alicePlex, 3)]);
    const before = plex.terminations.length;
    const alertsBefore = alerts().length;
    const report = await runNow();
    assert.match(text(report), /Jelly: server error/);
    assert.equal(plex.terminations.length, before + 3);
    const newAlerts = alerts().slice(alertsBefore).map(text);
    assert.equal(newAlerts.filter((a) => /Server unreachable: Jelly/.test(a)).length, 1);
    await runNow();
    await runNow();
    assert.equal(
      alerts()
        .map(text)
        .filter((a) => /Server unreachable: Jelly/.test(a)).length,
      1,
      'not every cycle',
    );
    jellyfin.fault = null;
    await runNow();
    await runNow();
    assert.equal(
      alerts()
        .map(text)
        .filter((a) => /Server back: Jelly/.test(a)).length,
      1,
    );
  });

  test('one device id copied into several players does not count once for all of them', async () => {
    const carolPlex = { id: 7003, title: 'carol_plex' };
    /** A Plex player's machineIdentifier is whatever the client sends (python-plexapi `PlexClient`): a copy of it. */
    const copied = (n: number, address: string, title: string, start = 0): PlexSessionSpec =>
      plexSession(carolPlex, n, {
        player: {
          state: 'playing',
          device: 'Browser',
          product: 'Plex Web',
          address,
          machineIdentifier: 'copied-player-0001',
          title: 'Browser',
        },
        title,
        sessionKey: String(700 + n + start),
      });
    jellyfin.setSessions([]);
    emby.setSessions([]);
    // Autoplay on one screen: the next episode from the same address, one player.
    plex.setSessions([copied(1, '203.0.113.70', 'Episode 1'), copied(2, '203.0.113.70', 'Episode 2')]);
    assert.doesNotMatch(text(await runNow()), /carol/);
    const before = plex.terminations.length;
    // Three players sharing Carol's device id: different films from three addresses (3 > 2).
    plex.setSessions([
      copied(3, '203.0.113.71', 'Arrival'),
      copied(4, '198.51.100.72', 'Dune'),
      copied(5, '192.0.2.73', 'Heat'),
    ]);
    assert.match(text(await runNow()), /Over the stream cap: carol, 3 of 2/);
    assert.equal(plex.terminations.length, before + 3, 'each copy is stopped (stop: all)');
    plex.setSessions([]);
    await runNow();
  });

  test('no token appears in any message the bot sent', () => {
    const everything = JSON.stringify(discord.requests.map((r) => r.body));
    for (const token of [
      'plex-token-aaaa1111',
      'plex-token-bbbb2222',
      'jf-key-cccc3333dddd',
      'emby-key-eeee4444',
    ]) {
      assert.ok(!everything.includes(token), token);
    }
  });
});
