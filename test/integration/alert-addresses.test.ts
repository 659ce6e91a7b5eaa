// Alerts carry members' IP addresses: the owner can leave them out (`/enforcement hide-addresses`), and is warned
// when the alerts channel can be read by everyone (checked over REST from the @everyone role's permissions and
// the channel's permission overwrites) when it is set and in /status.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PermissionFlagsBits } from 'discord.js';
import { settings } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminCommands, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';

const ADMIN = { id: '232000000000000001', username: 'owner' };
const BOB = { id: '232000000000000002', username: 'bob' };
const ALERTS = { id: '332000000000000002', name: 'alerts' };
const STAFF = { id: '332000000000000003', name: 'staff' };
const PLEX_TOKEN = 'plex-token-addresses-1';
const bobPlex = { id: 7202, title: 'bob_plex' };

describe('IP addresses in alerts', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: PlexDouble;
  const admin = (...args: Parameters<ReturnType<typeof adminCommands>>) =>
    adminCommands(discord, ADMIN.id)(...args);

  const status = async () => text(await discord.invoke({ user: ADMIN.id, command: 'status', admin: true }));

  /** A breach of Bob's cap of one, and the text of the alert it posted. */
  async function breachAlert(first: number): Promise<string> {
    const before = discord.messagesIn(ALERTS.id).length;
    plex.setSessions([
      playingMovie(bobPlex, first, '198.51.100.'),
      playingMovie(bobPlex, first + 1, '198.51.100.'),
    ]);
    await admin('enforcement', 'run-now');
    plex.setSessions([]);
    await admin('enforcement', 'run-now');
    const posted = discord.messagesIn(ALERTS.id).slice(before);
    assert.equal(posted.length, 1, 'one alert');
    return text(posted[0] as Parameters<typeof text>[0]);
  }

  let botRole = '';
  /** #staff: hidden from @everyone, open to the bot's own role (created when the bot was invited). */
  const staffOnly = () => [
    { id: discord.guildId, type: 0 as const, allow: '0', deny: String(PermissionFlagsBits.ViewChannel) },
    { id: botRole, type: 0 as const, allow: String(PermissionFlagsBits.ViewChannel), deny: '0' },
  ];

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, BOB],
      channels: [ALERTS, STAFF],
    });
    botRole = discord.createRole({ name: 'Streamwarden', botId: discord.botUser.id }).id;
    discord.addRole(discord.botUser.id, botRole);
    // The @everyone overwrite names the guild id, known once the double runs; the bot's own role may still use it.
    discord.setOverwrites(STAFF.id, staffOnly());
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'Main' });
    plex.setAccounts([{ id: 7202, name: 'bob_plex' }]);
    bot = await startTestBot({ discord, schedule: 'paused' });
    await admin('server', 'add', { platform: 'plex', name: 'Main', url: plex.url, token: PLEX_TOKEN });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: BOB.id, server: 'Main', account: 'bob_plex' });
    await admin('user', 'plan', { member: BOB.id, plan: 'Solo' });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('a channel everyone can read gets a warning when set and in /status; a restricted one does not', async () => {
    const set = text(await admin('enforcement', 'alerts-channel', { channel: ALERTS.id }));
    assert.match(set, /Alerts will be posted/);
    assert.match(set, /Everyone in the server can read .*IP addresses.*hide-addresses/s);
    assert.match(await status(), /Alerts channel[\s\S]*Everyone in the server can read/);

    const staff = text(await admin('enforcement', 'alerts-channel', { channel: STAFF.id }));
    assert.doesNotMatch(staff, /Everyone in the server/);
    assert.doesNotMatch(await status(), /Alerts channel/);

    // An @everyone overwrite that allows viewing makes it public again.
    discord.setOverwrites(STAFF.id, [
      { id: discord.guildId, type: 0, allow: String(PermissionFlagsBits.ViewChannel), deny: '0' },
    ]);
    assert.match(await status(), /Everyone in the server can read/);
    discord.setOverwrites(STAFF.id, staffOnly());
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  });

  test('alerts show addresses by default and leave them out once hidden; the warning goes away', async () => {
    assert.match(await breachAlert(11), /198\.51\.100\.11/);
    const on = text(await admin('enforcement', 'hide-addresses', { enabled: true }));
    assert.match(on, /Hide members’ IP addresses in alerts: \*\*on\*\*/);
    const hidden = await breachAlert(21);
    assert.match(hidden, /Movie 21/, `the alert still lists the streams: ${hidden}`);
    assert.doesNotMatch(hidden, /198\.51\.100\./);
    assert.doesNotMatch(await status(), /Alerts channel/);
    assert.doesNotMatch(
      text(await admin('enforcement', 'alerts-channel', { channel: ALERTS.id })),
      /Everyone in the server/,
    );
  });

  test('a channel hidden from the bot too is refused, and the alerts stay where they were', async () => {
    discord.setOverwrites(STAFF.id, [
      { id: discord.guildId, type: 0, allow: '0', deny: String(PermissionFlagsBits.ViewChannel) },
    ]);
    const postsBefore = discord.messagesIn(STAFF.id).length;
    const reply = text(await admin('enforcement', 'alerts-channel', { channel: STAFF.id }));
    assert.match(reply, /can’t use <#\d+>: it lacks View Channels, .*Nothing was changed/s);
    assert.equal(discord.messagesIn(STAFF.id).length, postsBefore, 'no test message');
    const [row] = await bot.bot.ctx.db.select().from(settings);
    assert.equal(row?.alertsChannelId, ALERTS.id);
    discord.setOverwrites(STAFF.id, staffOnly());
  });
});
