// Letting moderators use admin commands: the real bot reads the command permission overrides the owner set in
// Server Settings → Integrations (the Discord double's GET routes), follows their changes
// (APPLICATION_COMMAND_PERMISSIONS_UPDATE), and also accepts an admin role set with `/enforcement admin-role`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { mediaAccounts, mediaServers, members } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log.ts';
import { putLinkToAdmins } from '../../src/services/link-requests.ts';
import { saveLink } from '../../src/services/members.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';

const OWNER = { id: '250000000000000001', username: 'owner' };
const MOD = { id: '250000000000000002', username: 'mod' };
const HELPER = { id: '250000000000000003', username: 'helper' };
const ALICE = { id: '250000000000000004', username: 'alice', displayName: 'alice' };
const GENERAL = { id: '350000000000000001', name: 'general' };
const ALERTS = { id: '350000000000000002', name: 'alerts' };
const OPS = { id: '350000000000000003', name: 'ops' };

async function until(what: string, check: () => boolean, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ROLE = 1;
const USER = 2;
const CHANNEL = 3;

describe('moderators and admin commands', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  const logLines: string[] = [];
  let mods = '';
  let helpers = '';

  const plan = (user: string, channelId = GENERAL.id) =>
    discord.invoke({ user, command: 'plan', subcommand: 'list', channelId });
  const owner = (command: string, subcommand: string, options: Record<string, string | boolean> = {}) =>
    discord.invoke({ user: OWNER.id, command, subcommand, options, admin: true });
  const refused = (reply: InteractionReply) => /Not done/.test(text(reply));
  const permissionReads = () =>
    discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/commands/permissions')).length;

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: OWNER.id,
      members: [OWNER, MOD, HELPER, ALICE],
      channels: [GENERAL, ALERTS, OPS],
    });
    mods = discord.createRole({ name: 'Mods' }).id;
    helpers = discord.createRole({ name: 'Helpers' }).id;
    discord.addRole(MOD.id, mods);
    discord.addRole(HELPER.id, helpers);
    bot = await startTestBot({
      discord,
      log: createLogger('debug', { destination: { write: (line: string) => void logLines.push(line) } }),
    });
    await owner('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await discord.invoke({
      user: OWNER.id,
      command: 'plan',
      subcommand: 'create',
      options: { name: 'Solo', 'stream-cap': 1, downloads: false },
    });
  });
  after(async () => {
    await bot?.stop();
    await discord?.stop();
  });

  test('without overrides a moderator is refused, and told what would let them in', async () => {
    const reply = await plan(MOD.id);
    assert.ok(refused(reply), 'refused');
    assert.match(text(reply), /`\/plan` is for the server’s admins: it needs Manage Server/);
    assert.match(text(reply), /allowed for `\/plan` in Server Settings → Integrations/);
    assert.match(text(reply), /none is set: `\/enforcement admin-role`/);
    assert.ok(!refused(await plan(OWNER.id)), 'Manage Server still works');
  });

  test('a role allowed for /plan in Integrations runs /plan, and only /plan', async () => {
    discord.setCommandPermissions('plan', [{ id: mods, type: ROLE, permission: true }]);
    assert.ok(!refused(await plan(MOD.id)), 'the allowed role runs /plan');
    const server = await discord.invoke({ user: MOD.id, command: 'server', subcommand: 'list' });
    assert.ok(refused(server), '/server has no override');
    assert.ok(refused(await plan(HELPER.id)), 'a member without the role');
    // Autocomplete follows the same rule.
    const suggest = (user: string) =>
      discord.autocomplete({ user, command: 'plan', subcommand: 'delete', focused: 'name' });
    assert.deepEqual(
      (await suggest(MOD.id)).map((c) => c.name),
      ['Solo'],
    );
    assert.deepEqual(await suggest(HELPER.id), []);
  });

  test('the overrides are read once and kept (10 minutes), not on every command', async () => {
    const reads = permissionReads();
    await plan(MOD.id);
    await plan(MOD.id);
    assert.equal(permissionReads(), reads);
    bot.clock.advance(10 * MINUTE);
    // Past 10 minutes they are read again in the background, once; the kept ones answer meanwhile.
    assert.ok(!refused(await plan(MOD.id)), 'the kept overrides answer');
    await until('read again', () => permissionReads() === reads + 1);
    await plan(MOD.id);
    assert.equal(permissionReads(), reads + 1);
  });

  test('a member denied on /plan is refused, whatever their role', async () => {
    discord.setCommandPermissions('plan', [
      { id: mods, type: ROLE, permission: true },
      { id: MOD.id, type: USER, permission: false },
    ]);
    const reply = await plan(MOD.id);
    assert.ok(refused(reply), 'refused');
    assert.match(text(reply), /Server Settings → Integrations → Streamwarden denies you `\/plan`/);
  });

  test('a channel where /plan is switched off refuses there, and only there', async () => {
    discord.setCommandPermissions('plan', [
      { id: mods, type: ROLE, permission: true },
      { id: OPS.id, type: CHANNEL, permission: false },
    ]);
    const there = await plan(MOD.id, OPS.id);
    assert.ok(refused(there), 'refused there');
    assert.match(text(there), /switched off in this channel/);
    assert.ok(!refused(await plan(MOD.id, GENERAL.id)), 'allowed elsewhere');
  });

  test('a change is picked up when APPLICATION_COMMAND_PERMISSIONS_UPDATE arrives', async () => {
    discord.setCommandPermissions('plan', [], { event: false });
    assert.ok(!refused(await plan(MOD.id)), 'before the event the kept overrides still apply');
    assert.ok(discord.sendPermissionsUpdate('plan'), 'the event was sent');
    assert.ok(refused(await plan(MOD.id)), 'after it, the allow is gone');
    // The app-wide entry: an allow there does not replace Manage Server (Discord keeps default_member_permissions),
    // a denial there refuses even Manage Server.
    discord.setCommandPermissions(null, [{ id: mods, type: ROLE, permission: true }]);
    assert.ok(refused(await plan(MOD.id)), 'an app-wide allow is not enough');
    discord.setCommandPermissions(null, [{ id: OWNER.id, type: USER, permission: false }]);
    assert.ok(!refused(await plan(OWNER.id)), 'the owner has Administrator: never denied');
    discord.setCommandPermissions(null, [{ id: mods, type: ROLE, permission: false }]);
    discord.setCommandPermissions('plan', [{ id: mods, type: ROLE, permission: true }]);
    assert.ok(!refused(await plan(MOD.id)), 'the command-level allow overrides the app-wide denial');
    discord.setCommandPermissions(null, []);
  });

  test('the admin role: set, shown, used, cleared; its mention never pings', async () => {
    const wrong = await owner('enforcement', 'admin-role', {});
    assert.match(text(wrong), /Name the role/);
    const everyone = await owner('enforcement', 'admin-role', { role: discord.guildId });
    assert.match(text(everyone), /@everyone would make every member/);

    const set = await owner('enforcement', 'admin-role', { role: helpers });
    assert.match(text(set), new RegExp(`Members with <@&${helpers}> now count as Streamwarden admins`));
    assert.deepEqual(set.allowedMentions, { parse: [] });
    const status = await owner('enforcement', 'settings');
    assert.match(text(status), new RegExp(`Admin role\\n<@&${helpers}>`));

    assert.ok(!refused(await plan(HELPER.id)), 'the admin role runs /plan');
    const quota = await discord.invoke({ user: HELPER.id, command: 'quota', options: { member: ALICE.id } });
    assert.ok(!/Only admins/.test(text(quota)), 'another member’s /quota');
    const notMod = await plan(ALICE.id);
    assert.match(text(notMod), new RegExp(`the Streamwarden admin role \\(<@&${helpers}>\\)`));
    assert.deepEqual(notMod.allowedMentions, { parse: [] });

    await owner('enforcement', 'admin-role', { clear: true });
    assert.ok(refused(await plan(HELPER.id)), 'refused once cleared');
    const aliceQuota = await discord.invoke({
      user: HELPER.id,
      command: 'quota',
      options: { member: ALICE.id },
    });
    assert.match(text(aliceQuota), /Only admins can look at someone else’s streams and downloads/);
  });

  test('a link request’s Approve/Refuse follows /user’s overrides', async () => {
    const ctx = bot.bot.ctx;
    const [server] = await ctx.db
      .insert(mediaServers)
      .values({ name: 'Jelly', platform: 'jellyfin', url: 'http://127.0.0.1:9', tokenEncrypted: 'x' })
      .returning();
    assert.ok(server, 'server stored');
    await saveLink(
      ctx,
      OWNER.id,
      ALICE,
      server,
      { accountName: 'alice_a', accountId: '1' },
      { action: 'user.link' },
    );
    const [member] = await ctx.db.select().from(members).where(eq(members.discordUserId, ALICE.id));
    assert.ok(member, 'member stored');
    const [previous] = await ctx.db
      .select()
      .from(mediaAccounts)
      .where(and(eq(mediaAccounts.memberId, member.id), eq(mediaAccounts.serverId, server.id)));
    assert.ok(previous, 'link stored');
    const asked = await putLinkToAdmins(
      ctx,
      { id: ALICE.id, displayName: 'alice' },
      server,
      { accountName: 'alice_b', accountId: '2' },
      previous,
      'Quick Connect',
    );
    assert.equal(asked.kind, 'requested');
    const alert = discord.messagesIn(ALERTS.id).at(-1);
    assert.ok(alert, 'an alert was posted');
    const [approve] = (alert.components as Array<{ components: Array<{ custom_id: string }> }>)[0]!
      .components;
    assert.ok(approve, 'an Approve button');
    const click = (user: string) => discord.click({ user, messageId: alert.id, customId: approve.custom_id });

    const before = await click(MOD.id);
    assert.equal(before.ephemeral, true);
    assert.match(text(before), /Approving or refusing a link change is for the server’s admins/);
    assert.match(text(before), /allowed for `\/user`/);

    // Allowed on /user, but /user is switched off in the alerts channel: no button there either.
    discord.setCommandPermissions('user', [
      { id: mods, type: ROLE, permission: true },
      { id: ALERTS.id, type: CHANNEL, permission: false },
    ]);
    assert.match(text(await click(MOD.id)), /switched off in this channel/);

    discord.setCommandPermissions('user', [{ id: mods, type: ROLE, permission: true }]);
    const approved = await click(MOD.id);
    assert.match(text(approved), new RegExp(`Approved by <@${MOD.id}>`));
  });

  test('when the overrides cannot be read: Manage Server and the admin role only, logged once', async () => {
    discord.setCommandPermissions('plan', [{ id: mods, type: ROLE, permission: true }]);
    assert.ok(!refused(await plan(MOD.id)), 'allowed while readable');
    await owner('enforcement', 'admin-role', { role: helpers });
    discord.failCommandPermissions({ status: 503 });
    discord.sendPermissionsUpdate('plan');
    const logged = logLines.length;

    const mod = await plan(MOD.id);
    assert.match(text(mod), /cannot read the permissions set in Server Settings → Integrations/);
    assert.ok(!refused(await plan(OWNER.id)), 'Manage Server');
    assert.ok(!refused(await plan(HELPER.id)), 'the admin role');
    bot.clock.advance(MINUTE);
    assert.ok(refused(await plan(MOD.id)), 'still unreadable a minute later');
    const warnings = logLines.slice(logged).filter((l) => /cannot read the command permissions/.test(l));
    assert.equal(warnings.length, 1, 'logged once');
    assert.ok(!warnings[0]!.includes(discord.token), 'no token in the log');

    discord.failCommandPermissions(null);
    bot.clock.advance(MINUTE);
    assert.ok(!refused(await plan(MOD.id)), 'read again after a minute');
    assert.ok(
      logLines.slice(logged).some((l) => /command permissions can be read again/.test(l)),
      'logged',
    );
  });

  test('a slow read does not hold a command past Discord’s 3 seconds: it answers as if unreadable', async () => {
    discord.slowCommandPermissions(8_000);
    discord.sendPermissionsUpdate('plan');
    // Answered well before the read: waiting for it (8 s) would run past the 5 s given here.
    const reply = await discord.invoke({
      user: MOD.id,
      command: 'plan',
      subcommand: 'list',
      channelId: GENERAL.id,
      timeoutMs: 5_000,
    });
    assert.match(text(reply), /cannot read the permissions set in Server Settings → Integrations/);
    assert.ok(!refused(await plan(OWNER.id)), 'Manage Server meanwhile');
    // The read goes on, and is used once it lands.
    discord.slowCommandPermissions(0);
    const deadline = Date.now() + 30_000;
    while (refused(await plan(MOD.id))) {
      assert.ok(Date.now() < deadline, 'the late read is used');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
});
