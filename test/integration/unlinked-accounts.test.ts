// Accounts that stream and are linked to nobody: `/enforcement unlinked` (alert by default, ignore, or plan) and
// `/user unlinked`, through the real bot, the Discord double and a Plex double.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ALICE = { id: '250000000000000002', username: 'alice' };
const BOB = { id: '250000000000000003', username: 'bob' };
const ALERTS = { id: '350000000000000002', name: 'alerts' };
const WEEK = 7 * 24 * 60 * 60 * 1000;

/** A Plex session (Plex Media Server /status/sessions: User id/title, Player machineIdentifier/address/title). */
const session = (user: { id: number; title: string }, n: number): PlexSessionSpec => ({
  user,
  player: {
    state: 'playing',
    device: `Player ${n}`,
    product: 'Plex Web',
    address: `198.51.100.${n}`,
    machineIdentifier: `player-${user.id}-${n}`,
    title: `Player ${n}`,
  },
  type: 'movie',
  title: `Film ${n}`,
  sessionKey: String(300 + n),
});
const alicePlex = { id: 7001, title: 'alice_plex' };
const stranger = { id: 7009, title: 'stranger_plex' };
const guest = { id: 7010, title: 'guest_plex' };
const solo = { id: 7011, title: 'solo_plex' };

describe('accounts linked to nobody', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let bot: TestBot;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const alerts = () => discord.messagesIn(ALERTS.id).filter((m) => /linked to nobody/.test(text(m)));
  const breachAlerts = (account: RegExp) =>
    discord.messagesIn(ALERTS.id).filter((m) => /Over the stream cap/.test(text(m)) && account.test(text(m)));
  const dms = () => [ADMIN, ALICE, BOB].reduce((n, u) => n + discord.dmsTo(u.id).length, 0);
  const cycle = () => bot.bot.ctx.runCycleNow();

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB],
      channels: [ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-unlinked-1', premium: true, friendlyName: 'Plex' });
    plex.setAccounts([
      { id: 7001, name: 'alice_plex' },
      { id: 7009, name: 'stranger_plex' },
      { id: 7010, name: 'guest_plex' },
      { id: 7011, name: 'solo_plex' },
    ]);
    bot = await startTestBot({ discord });
    await admin('server', 'add', {
      platform: 'plex',
      name: 'Plex',
      url: plex.url,
      token: 'plex-token-unlinked-1',
    });
    await admin('user', 'link', { member: ALICE.id, server: 'Plex', account: 'alice_plex' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('alert is the default: one alert per unlinked account and week, naming its devices', async () => {
    assert.match(text(await admin('enforcement', 'settings')), /Accounts linked to nobody\s*alert/);
    plex.setSessions([session(alicePlex, 1), session(stranger, 2), session(stranger, 3)]);
    await cycle();
    assert.equal(alerts().length, 1, 'one alert for the stranger, none for Alice (linked)');
    const body = text(alerts()[0]!);
    assert.match(body, /stranger\\_plex/);
    assert.match(body, /Player 2/);
    assert.match(body, /Player 3/);
    assert.match(body, /198\.51\.100\.2/);
    assert.doesNotMatch(body, /alice/);
    await cycle();
    await bot.restart();
    await cycle();
    assert.equal(alerts().length, 1, 'not again this week, not after a restart');
    bot.clock.advance(WEEK);
    await cycle();
    assert.equal(alerts().length, 2, 'again the next week while it still streams');
  });

  test('/user unlinked lists the accounts that stream and are linked to nobody', async () => {
    const reply = await admin('user', 'unlinked');
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /\*\*stranger\\_plex\*\* on \*\*Plex\*\* · streaming now · Player 2, Player 3/);
    assert.doesNotMatch(text(reply), /alice/);
  });

  test('ignore: nothing is sent; linking the account takes it off the list', async () => {
    const set = await admin('enforcement', 'unlinked', { mode: 'ignore' });
    assert.match(text(set), /ignored/);
    bot.clock.advance(WEEK);
    await cycle();
    assert.equal(alerts().length, 2);
    await admin('user', 'link', { member: ADMIN.id, server: 'Plex', account: 'stranger_plex' });
    assert.match(
      text(await admin('user', 'unlinked')),
      /Every account that streamed in the last 7 days is linked/,
    );
  });

  test('plan: needs an existing plan; a mistake is refused and changes nothing', async () => {
    const noPlan = await admin('enforcement', 'unlinked', { mode: 'plan' });
    assert.equal(noPlan.ephemeral, true);
    assert.match(text(noPlan), /Name the plan/);
    const unknown = await admin('enforcement', 'unlinked', { mode: 'plan', plan: 'Nope' });
    assert.equal(unknown.ephemeral, true);
    assert.match(text(unknown), /no plan named “Nope”/);
    const stray = await admin('enforcement', 'unlinked', { mode: 'alert', plan: 'Nope' });
    assert.match(text(stray), /Leave `plan` out/);
    assert.match(text(await admin('enforcement', 'settings')), /Accounts linked to nobody\s*ignore/);
    await admin('plan', 'create', { name: 'Guest', 'stream-cap': 1, downloads: false });
    const set = await admin('enforcement', 'unlinked', { mode: 'plan', plan: 'guest' });
    assert.match(text(set), /each is held to “Guest”/);
    assert.match(text(await admin('enforcement', 'settings')), /Accounts linked to nobody\s*plan “Guest”/);
    const del = await admin('plan', 'delete', { name: 'Guest' });
    assert.equal(del.ephemeral, true);
    assert.match(text(del), /Accounts linked to nobody are held to “Guest”/);
    assert.match(text(await admin('plan', 'list')), /Guest/, 'the plan is still there');
  });

  test('plan: an unlinked account over the cap is stopped and the admins alerted, once; one under it is not', async () => {
    const stopsBefore = plex.terminations.length;
    const dmsBefore = dms();
    // Alice (linked, no plan), guest_plex on two players (cap 1), solo_plex on one.
    plex.setSessions([session(alicePlex, 1), session(guest, 4), session(guest, 5), session(solo, 6)]);
    const report = await cycle();
    assert.deepEqual(
      report.breaches.map((b) => [b.memberName, b.count, b.cap, b.dm]),
      [['guest_plex', 2, 1, 'none, the account is linked to nobody']],
    );
    assert.equal(
      plex.terminations.length - stopsBefore,
      2,
      'both of guest_plex’s streams stopped (rule: all)',
    );
    const onScreen = plex.terminations.slice(stopsBefore).map((t) => t.reason ?? '');
    for (const reason of onScreen) assert.ok(reason.length > 0, 'the stop carries the on-screen message');
    assert.equal(breachAlerts(/guest\\_plex/).length, 1);
    const body = text(breachAlerts(/guest\\_plex/)[0]!);
    assert.match(body, /Account linked to nobody/);
    assert.match(body, /Guest: 1 at once/);
    assert.match(body, /this account is linked to nobody/);
    assert.equal(breachAlerts(/solo\\_plex/).length, 0, 'under the cap: nothing');
    assert.equal(dms(), dmsBefore, 'no direct message: there is no Discord member');

    // Dry run: the next breach is alerted once, nothing stopped, however many cycles it lasts, across a restart.
    // Back within the plan (its streams were stopped): the episode ends.
    plex.setSessions([session(solo, 6)]);
    await cycle();
    assert.match(text(breachAlerts(/guest\\_plex/)[0]!), /Back within the plan/);
    await admin('enforcement', 'dry-run', { enabled: true });
    plex.setSessions([session(guest, 4), session(guest, 5), session(solo, 6)]);
    await cycle();
    await cycle();
    assert.equal(breachAlerts(/guest\\_plex/).length, 2, 'a new episode, one alert');
    assert.match(text(breachAlerts(/guest\\_plex/)[1]!), /dry run/);
    await bot.restart();
    assert.match(text(await admin('enforcement', 'settings')), /Accounts linked to nobody\s*plan “Guest”/);
    await cycle();
    assert.equal(breachAlerts(/guest\\_plex/).length, 2, 'still one alert for this episode after a restart');
    assert.equal(plex.terminations.length - stopsBefore, 2, 'nothing stopped in dry run');
    assert.equal(breachAlerts(/solo\\_plex/).length, 0);
  });

  test('plan: linking the account puts it on the member’s plan', async () => {
    await admin('enforcement', 'dry-run', { enabled: false });
    await admin('plan', 'create', { name: 'Family', 'stream-cap': 3, downloads: false });
    await admin('user', 'link', { member: BOB.id, server: 'Plex', account: 'guest_plex' });
    await admin('user', 'plan', { member: BOB.id, plan: 'Family' });
    const stopsBefore = plex.terminations.length;
    const alertsBefore = discord.messagesIn(ALERTS.id).length;
    plex.setSessions([session(guest, 4), session(guest, 5), session(guest, 7)]);
    await cycle();
    await cycle();
    assert.equal(plex.terminations.length, stopsBefore, 'three streams within Family’s three');
    assert.equal(discord.messagesIn(ALERTS.id).length, alertsBefore, 'no new alert');
    assert.match(
      text(breachAlerts(/guest\\_plex/)[1]!),
      /Back within the plan/,
      'the open episode is closed',
    );
    // Over Family's cap: it is Bob's breach now, with his DM.
    plex.setSessions([session(guest, 4), session(guest, 5), session(guest, 7), session(guest, 8)]);
    await cycle();
    assert.equal(plex.terminations.length - stopsBefore, 4);
    assert.equal(discord.dmsTo(BOB.id).length, 1);
  });

  test('plan: the plan’s grace period applies, without a warning DM', async () => {
    await admin('plan', 'edit', { name: 'Guest', grace: 30, stop: 'newest' });
    const visitor = { id: 7012, title: 'visitor_plex' };
    const stopsBefore = plex.terminations.length;
    const dmsBefore = dms();
    plex.setSessions([session(visitor, 9)]);
    await cycle();
    bot.clock.advance(60_000);
    plex.setSessions([session(visitor, 9), session(visitor, 10)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(plex.terminations.length, stopsBefore, 'nothing stopped during the grace');
    assert.equal(breachAlerts(/visitor\\_plex/).length, 0, 'no alert during the grace');
    bot.clock.advance(31_000);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(
      plex.terminations.length - stopsBefore,
      1,
      'the newest stream stopped when the grace ran out',
    );
    assert.equal(breachAlerts(/visitor\\_plex/).length, 1);
    assert.match(text(breachAlerts(/visitor\\_plex/)[0]!), /Player 10[^\n]*\n\s*→ stopped/);
    assert.equal(dms(), dmsBefore, 'no warning and no DM');
  });
});
