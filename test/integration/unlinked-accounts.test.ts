// Accounts that stream and are linked to nobody: `/enforcement unlinked` (alert by default, or ignore) and
// `/user unlinked`, through the real bot, the Discord double and a Plex double.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ALICE = { id: '250000000000000002', username: 'alice' };
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

describe('accounts linked to nobody', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let bot: TestBot;
  const admin = (command: string, subcommand: string, options: Record<string, string> = {}) =>
    discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const alerts = () => discord.messagesIn(ALERTS.id).filter((m) => /linked to nobody/.test(text(m)));
  const cycle = () => bot.bot.ctx.runCycleNow();

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    plex = await startPlexDouble({ token: 'plex-token-unlinked-1', premium: true, friendlyName: 'Plex' });
    plex.setAccounts([
      { id: 7001, name: 'alice_plex' },
      { id: 7009, name: 'stranger_plex' },
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
    assert.match(text(await admin('enforcement', 'status')), /Accounts linked to nobody\s*alert/);
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
});
