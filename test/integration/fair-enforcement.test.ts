// Fair enforcement through the real bot: a grace period with a warning DM whose "Stop this one" buttons the member
// can use, the plan's stop rule (`newest` or `all`) when the grace runs out, and households counted by location.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { breachEpisodes } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import type { RecordedMessage } from '../doubles/discord/types.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const CAROL = { id: '230000000000000003', username: 'carol' };
const ALERTS = { id: '330000000000000002', name: 'alerts' };
const MINUTE = 60_000;

const session = (n: number, address = `203.0.113.${n}`): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
  player: {
    state: 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address,
    machineIdentifier: `dev-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(100 + n),
});

interface Button {
  type: number;
  label: string;
  custom_id: string;
  disabled?: boolean;
}
const buttons = (m: RecordedMessage | undefined): Button[] =>
  ((m?.components ?? []) as Array<{ components: Button[] }>).flatMap((row) => row.components);

describe('fair enforcement', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let bot: TestBot;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const cycle = () => bot.bot.ctx.runCycleNow();
  const alerts = () => discord.messagesIn(ALERTS.id);
  const warning = () => discord.dmsTo(ALICE.id).at(-1);
  const stoppedKeys = () => plex.terminations.map((t) => t.sessionId);
  const episodes = () => bot.bot.ctx.db.select().from(breachEpisodes).orderBy(breachEpisodes.id);
  /** Back within the plan, everything settled, records cleared. */
  const reset = async () => {
    plex.setSessions([]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    const open = (await episodes()).filter((e) => e.state !== 'resolved');
    assert.deepEqual(open, []);
    plex.terminations.length = 0;
    discord.clearRecords();
    bot.clock.advance(10 * MINUTE);
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, CAROL],
      channels: [ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-token-fair-0001', premium: true, friendlyName: 'Plex' });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    bot = await startTestBot({ discord });
    await admin('server', 'add', {
      platform: 'plex',
      name: 'Plex',
      url: plex.url,
      token: 'plex-token-fair-0001',
    });
    await admin('plan', 'create', {
      name: 'Family',
      'stream-cap': 1,
      downloads: false,
      grace: 120,
      stop: 'newest',
    });
    await admin('user', 'link', { member: ALICE.id, server: 'Plex', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Family' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('/plan shows the rules, and refuses a grace out of range without changing anything', async () => {
    const list = text(await admin('plan', 'list'));
    assert.match(list, /120 s grace with a warning, stops only the newest streams, every stream counts/);
    const refused = await admin('plan', 'edit', { name: 'Family', grace: 901 }).catch((e: Error) => e);
    assert.ok(
      refused instanceof Error || /900/.test(text(refused)),
      'Discord itself refuses 901 (max_value)',
    );
    assert.match(text(await admin('plan', 'list')), /120 s grace/);
  });

  test('a warning with one button per stream; a click stops that one, and the episode closes quietly', async () => {
    plex.setSessions([session(1), session(2)]);
    await cycle();
    assert.deepEqual(stoppedKeys(), [], 'nothing is stopped during the grace');
    assert.equal(alerts().length, 0, 'no alert during the grace');
    const dm = warning();
    assert.ok(dm, 'a warning DM');
    assert.match(text(dm), /Too many streams: please stop one/);
    assert.match(text(dm), /1\. \*\*Plex\*\* · Device 1/);
    assert.deepEqual(
      buttons(dm).map((b) => b.label),
      ['Stop this one: 1. Device 1', 'Stop this one: 2. Device 2'],
    );

    // Carol replays Alice's button (Discord would not show her Alice's DM): refused privately, nothing stopped.
    const stranger = await discord.click({
      user: CAROL.id,
      messageId: dm.id,
      customId: buttons(dm)[1]!.custom_id,
      evenIfHidden: true,
    });
    assert.equal(stranger.ephemeral, true);
    assert.match(text(stranger), /Only the member this warning was sent to/);
    assert.deepEqual(stoppedKeys(), []);

    const clicked = await discord.click({
      user: ALICE.id,
      messageId: dm.id,
      customId: buttons(dm)[1]!.custom_id,
    });
    assert.equal(stoppedKeys().length, 1, 'the chosen stream is stopped at once');
    assert.match(text(clicked), /2\. \*\*Plex\*\* · Device 2.*stopped/);
    assert.equal(buttons(clicked as unknown as RecordedMessage)[1]?.disabled, true, 'its button is disabled');

    // The server no longer lists it: she is within the plan, the episode closes with no alert and no second DM.
    plex.setSessions([session(1)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    const [episode] = await episodes();
    assert.equal(episode?.state, 'resolved');
    assert.equal(alerts().length, 0);
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.match(text(warning()!), /back within your plan/);
    assert.deepEqual(buttons(warning()), [], 'no buttons left');
    await reset();
  });

  test('"Stop this one" stops nothing once the session key belongs to another device', async () => {
    plex.setSessions([session(11), session(12)]);
    await cycle();
    const dm = warning();
    assert.equal(buttons(dm).length, 2);
    // The server now lists another player under the second session's key (Jellyfin and Emby reuse session ids;
    // the key is what the button names).
    const reused = session(12);
    plex.setSessions([
      session(11),
      { ...reused, player: { ...reused.player, machineIdentifier: 'dev-other' } },
    ]);
    await cycle();
    const clicked = await discord.click({
      user: ALICE.id,
      messageId: dm!.id,
      customId: buttons(dm)[1]!.custom_id,
    });
    assert.equal(clicked.ephemeral, true);
    assert.match(text(clicked), /another device or account/);
    assert.deepEqual(stoppedKeys(), [], 'nothing is stopped');
    await reset();
  });

  test('when the grace runs out with `stop: newest`, only the newest stream is stopped; the DM says so', async () => {
    plex.setSessions([session(3)]);
    await cycle();
    bot.clock.advance(MINUTE);
    plex.setSessions([session(3), session(4)]);
    await cycle();
    assert.ok(warning());
    bot.clock.advance(60_000);
    await cycle();
    assert.deepEqual(stoppedKeys(), [], 'a minute into a two-minute grace: nothing yet');
    // A restart in the middle of the grace keeps its deadline.
    await bot.restart();
    bot.clock.advance(61_000);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(stoppedKeys().length, 1, 'one stream stopped');
    assert.match(text(warning()!), /grace period is over/);
    assert.match(text(warning()!), /2\. \*\*Plex\*\* · Device 4.*stopped/);
    assert.match(text(warning()!), /1\. \*\*Plex\*\* · Device 3.*kept/);
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'the warning was edited, not a second DM');
    assert.equal(alerts().length, 1, 'the admins are alerted when the grace ends');
    assert.match(text(alerts()[0]!), /Device 4[^\n]*\n\s*→ stopped/);
    await reset();
  });

  test('with `stop: all`, every stream is stopped when the grace runs out', async () => {
    await admin('plan', 'edit', { name: 'Family', stop: 'all', grace: 30 });
    plex.setSessions([session(5), session(6)]);
    await cycle();
    bot.clock.advance(31_000);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(stoppedKeys().length, 2);
    assert.equal(alerts().length, 1);
    await reset();
  });

  test('`count: locations`: two streams from one address count once; from two addresses they breach', async () => {
    await admin('plan', 'edit', { name: 'Family', grace: 0, count: 'locations' });
    plex.setSessions([session(7, '198.51.100.20'), session(8, '::ffff:198.51.100.20')]);
    await cycle();
    assert.deepEqual(stoppedKeys(), [], 'one household behind one address');
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    plex.setSessions([session(7, '198.51.100.20'), session(9, '192.0.2.99')]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(stoppedKeys().length, 2, 'two places: over the cap, every stream stopped (stop: all)');
    await reset();
    const [row] = await bot.bot.ctx.db.select().from(breachEpisodes).where(eq(breachEpisodes.state, 'grace'));
    assert.equal(row, undefined);
  });

  test('with `stop: newest` and no grace, a stream started while the episode is open stops only the newest', async () => {
    await admin('plan', 'edit', { name: 'Family', stop: 'newest', grace: 0, count: 'streams' });
    const named = (n: number): PlexSessionSpec => ({ ...session(n), session: { id: `fair-${n}` } });
    plex.setSessions([named(10)]);
    await cycle();
    bot.clock.advance(MINUTE);
    plex.setSessions([named(10), named(11)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.deepEqual(stoppedKeys(), ['fair-11'], 'the newest stream is stopped at once');
    // No read saw the member back within the cap in between: the episode is still open when a third stream starts.
    assert.equal((await episodes()).filter((e) => e.state !== 'resolved').length, 1);
    bot.clock.advance(MINUTE);
    plex.setSessions([named(10), named(12)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.deepEqual(
      stoppedKeys(),
      ['fair-11', 'fair-12'],
      'the episode keeps the plan’s rule: the oldest stays',
    );
    await reset();
  });
});
