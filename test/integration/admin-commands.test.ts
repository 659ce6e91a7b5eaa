// The administration surface through the real bot: real interaction payloads in, what the bot posts and stores out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PermissionFlagsBits } from 'discord.js';
import { count } from 'drizzle-orm';
import { auditLog, mediaAccounts, mediaServers, members, plans, settings } from '../../src/db/schema.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '200000000000000001', username: 'owner' };
const ALICE = { id: '200000000000000002', username: 'alice' };
const BOB = { id: '200000000000000003', username: '@everyone' };
const GENERAL = { id: '300000000000000001', name: 'general' };
const ALERTS = { id: '300000000000000002', name: 'alerts' };

describe('administration commands', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: Awaited<ReturnType<typeof startPlexTvDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  const db = () => bot.bot.ctx.db;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const snapshot = async () => ({
    plans: await db().select().from(plans),
    members: await db().select().from(members),
    servers: await db().select().from(mediaServers),
    links: await db().select().from(mediaAccounts),
    settings: await db().select().from(settings),
    audit: (await db().select({ n: count() }).from(auditLog))[0]?.n,
  });
  /** Runs a command that must be refused: answered privately, and nothing in the database changes. */
  const refused = async (run: () => Promise<InteractionReply>, pattern: RegExp) => {
    const beforeState = await snapshot();
    const reply = await run();
    assert.equal(reply.ephemeral, true, 'a refusal is private');
    assert.match(text(reply), pattern);
    assert.deepEqual(await snapshot(), beforeState, 'a refusal changes nothing');
    return reply;
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB],
      channels: [GENERAL, ALERTS],
    });
    plex = await startPlexDouble({ token: 'plex-owner-token-1234', premium: true, friendlyName: 'Basement' });
    plex.setAccounts([{ id: 5001, name: 'alice_plex' }]);
    plexTv = await startPlexTvDouble({
      token: 'plex-owner-token-1234',
      friends: [
        { id: 5001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    jellyfin = await startJellyfinDouble({ token: 'jf-api-key-abcdef123456', serverName: 'Jelly' });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url } });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
    await jellyfin?.stop();
  });

  test('registers the guild commands at start-up, and not again when unchanged', async () => {
    const defs = discord.guildCommands();
    assert.ok(defs);
    assert.deepEqual(defs.map((d) => d.name).sort(), [
      'activity',
      'audit',
      'enforcement',
      'history',
      'link',
      'plan',
      'quota',
      'report',
      'server',
      'status',
      'template',
      'user',
    ]);
    const writes = discord.commandWrites;
    await bot.restart();
    assert.equal(discord.commandWrites, writes, 'unchanged definitions are not re-registered');
  });

  test('plans: create, list, edit, refusals', async () => {
    const created = await admin('plan', 'create', {
      name: 'Family',
      'stream-cap': 2,
      downloads: true,
      'download-allotment': 5,
    });
    assert.equal(created.ephemeral, true);
    assert.match(text(created), /Plan created.*Family.*stream cap 2/s);
    await refused(
      () => admin('plan', 'create', { name: 'family', 'stream-cap': 3, downloads: false }),
      /already exists/,
    );
    await refused(
      () =>
        admin('plan', 'create', { name: 'Bad', 'stream-cap': 1, downloads: false, 'download-allotment': 3 }),
      /without downloads/,
    );
    await refused(
      () => admin('plan', 'create', { name: '   ', 'stream-cap': 1, downloads: false }),
      /name must be/,
    );
    await refused(() => admin('plan', 'edit', { name: 'Nope', 'stream-cap': 3 }), /no plan named “Nope”/);
    await refused(() => admin('plan', 'edit', { name: 'Family' }), /Nothing to change/);
    const edited = await admin('plan', 'edit', { name: 'Family', 'stream-cap': 3 });
    assert.match(text(edited), /stream cap 3/);
    const list = await admin('plan', 'list');
    assert.match(text(list), /Family/);
    const [row] = await db().select().from(plans);
    assert.equal(row?.streamCap, 3);
  });

  test('non-admins cannot run admin commands, even if Discord let them', async () => {
    const before = await snapshot();
    const reply = await discord.invoke({
      user: ALICE.id,
      command: 'plan',
      subcommand: 'create',
      options: { name: 'Free', 'stream-cap': 9, downloads: false },
    });
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /Manage Server/);
    assert.deepEqual(await snapshot(), before);
  });

  test('servers: add checks the connection and reports Plex Pass; refusals say why', async () => {
    await refused(
      () =>
        admin('server', 'add', {
          platform: 'plex',
          name: 'Main',
          url: 'not a url',
          token: 'plex-owner-token-1234',
        }),
      /not a valid address/,
    );
    const wrongToken = await refused(
      () =>
        admin('server', 'add', { platform: 'plex', name: 'Main', url: plex.url, token: 'wrong-token-9999' }),
      /refused the token/,
    );
    assert.doesNotMatch(JSON.stringify(wrongToken.raw), /wrong-token-9999/, 'the token is never echoed');
    await refused(
      () =>
        admin('server', 'add', {
          platform: 'jellyfin',
          name: 'Dead',
          url: 'http://127.0.0.1:9',
          token: 'abcdefgh1234',
        }),
      /Could not connect/,
    );
    const added = await admin('server', 'add', {
      platform: 'plex',
      name: 'Main',
      url: plex.url,
      token: 'plex-owner-token-1234',
    });
    assert.match(text(added), /Basement/);
    assert.match(text(added), /Plex Pass: \*\*active\*\*/);
    assert.doesNotMatch(JSON.stringify(added.raw), /plex-owner-token-1234/);
    const [stored] = await db().select().from(mediaServers);
    assert.ok(stored);
    assert.doesNotMatch(stored.tokenEncrypted, /plex-owner-token-1234/, 'tokens are stored encrypted');
    await refused(
      () =>
        admin('server', 'add', {
          platform: 'plex',
          name: 'main',
          url: plex.url,
          token: 'plex-owner-token-1234',
        }),
      /already exists/,
    );
    const jf = await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-api-key-abcdef123456',
    });
    assert.match(text(jf), /Connected: Jelly/);
    assert.doesNotMatch(text(jf), /Plex Pass/);
  });

  test('servers: list never shows tokens; test and logging', async () => {
    const list = await admin('server', 'list');
    assert.match(text(list), /Main \(Plex\)/);
    assert.match(text(list), /Jelly \(Jellyfin\)/);
    assert.doesNotMatch(JSON.stringify(list.raw), /plex-owner-token-1234|jf-api-key-abcdef123456/);
    // The servers and what each logs; their health is /status's alone.
    assert.match(text(list), /Logging \(`\/server logging`\): streams on, downloads on/);
    assert.match(text(list), /health, push and what works there: `\/status`/);
    assert.doesNotMatch(text(list), /Last poll|Can stop streams|🟢|🔴/);
    const ok = await admin('server', 'test', { name: 'Main' });
    assert.match(text(ok), /Main: connected/);
    plex.fault = 'unauthorized';
    const bad = await admin('server', 'test', { name: 'Main' });
    assert.match(text(bad), /refused the token/);
    plex.fault = null;
    const logging = await admin('server', 'logging', { name: 'Main', downloads: false });
    assert.match(text(logging), /download logging off/);
    await refused(() => admin('server', 'logging', { name: 'Main' }), /Nothing to change/);
  });

  test('autocomplete suggests plan and server names', async () => {
    const plansSuggested = await discord.autocomplete({
      user: ADMIN.id,
      command: 'plan',
      subcommand: 'edit',
      options: { name: 'fa' },
      focused: 'name',
      admin: true,
    });
    assert.deepEqual(
      plansSuggested.map((c) => c.value),
      ['Family'],
    );
    const servers = await discord.autocomplete({
      user: ADMIN.id,
      command: 'server',
      subcommand: 'test',
      options: { name: '' },
      focused: 'name',
      admin: true,
    });
    assert.deepEqual(
      servers.map((c) => c.value),
      ['Jelly', 'Main'],
    );
  });

  test('users: link (checked against the server), plan, allotment, info', async () => {
    await refused(
      () => admin('user', 'link', { member: ALICE.id, server: 'Main', account: 'nobody_here' }),
      /no account named “nobody\\_here”/,
    );
    const linked = await admin('user', 'link', { member: ALICE.id, server: 'Main', account: 'ALICE_PLEX' });
    assert.match(text(linked), /linked to \*\*alice\\_plex\*\* on \*\*Main\*\*/);
    const [link] = await db().select().from(mediaAccounts);
    assert.equal(link?.accountId, '5001', 'the platform account id is learnt at link time');
    await refused(
      () => admin('user', 'link', { member: BOB.id, server: 'Main', account: 'alice_plex' }),
      /already linked/,
    );
    await refused(() => admin('user', 'plan', { member: ALICE.id, plan: 'Gold' }), /no plan named “Gold”/);
    assert.match(
      text(await admin('user', 'plan', { member: ALICE.id, plan: 'family' })),
      /now on \*\*Family\*\*/,
    );
    assert.match(text(await admin('user', 'allotment', { member: ALICE.id, downloads: 7 })), /7\*\* a week/);
    const info = await admin('user', 'info', { member: ALICE.id });
    assert.match(text(info), /Family/);
    assert.match(text(info), /0 of 7/);
    await refused(() => admin('plan', 'delete', { name: 'Family' }), /1 member is on “Family”/);
  });

  test('a member whose name is @everyone never pings anyone', async () => {
    const reply = await admin('user', 'info', { member: BOB.id });
    assert.deepEqual(reply.allowedMentions, { parse: [] });
    assert.doesNotMatch(text(reply), /(^|[^\u200b])@everyone/);
  });

  test('enforcement switches, alerts channel and settings', async () => {
    const channel = ALERTS;
    assert.match(text(await admin('enforcement', 'dry-run', { enabled: true })), /Dry run.*on/);
    const postsBefore = discord.messagesIn(channel.id).length;
    assert.match(
      text(await admin('enforcement', 'alerts-channel', { channel: channel.id })),
      new RegExp(`${channel.id}.*a test message was posted there`),
    );
    const posted = discord.messagesIn(channel.id).slice(postsBefore);
    assert.deepEqual(
      posted.map((m) => m.content),
      ['Streamwarden will post alerts here.'],
    );
    assert.deepEqual(posted[0]?.allowedMentions, { parse: [] });
    const status = await admin('enforcement', 'settings');
    assert.match(text(status), /Enforcement settings/);
    assert.match(text(status), /Stream caps\n\*\*on\*\* \(`\/enforcement stream-caps`\)/);
    assert.match(
      text(status),
      /Download allotments \(DM and alert when over\)\n\*\*on\*\* \(`\/enforcement download-allotments`\)/,
    );
    assert.match(
      text(status),
      /Switching downloads off when over the allotment\noff \(`\/enforcement switch-off-downloads`\)/,
    );
    assert.match(text(status), /Dry run.*\*\*on\*\*/s);
    assert.match(text(status), new RegExp(`<#${channel.id}>`));
    assert.match(text(status), /\*\/5 \* \* \* \*/);
    const [row] = await db().select().from(settings);
    assert.equal(row?.dryRun, true);
    assert.equal(row?.alertsChannelId, channel.id);
  });

  test('a channel where the bot lacks a permission is refused, naming it; allowed for its role, it is used', async () => {
    const { AttachFiles, SendMessages, ViewChannel } = PermissionFlagsBits;
    // The server took Attach Files from everyone in #general (the weekly report's chart needs it).
    discord.setOverwrites(GENERAL.id, [
      { id: discord.guildId, type: 0, allow: '0', deny: String(AttachFiles) },
    ]);
    const postsBefore = discord.messagesIn(GENERAL.id).length;
    const reply = await refused(
      () => admin('enforcement', 'reports-channel', { channel: GENERAL.id }),
      /can’t use <#\d+>: it lacks Attach Files there\. .*Nothing was changed/s,
    );
    assert.doesNotMatch(text(reply), /View Channels|Send Messages|Embed Links/);
    // Unseen and unable to post: every missing permission is named.
    discord.setOverwrites(GENERAL.id, [
      { id: discord.guildId, type: 0, allow: '0', deny: String(SendMessages | AttachFiles) },
    ]);
    await refused(
      () => admin('enforcement', 'alerts-channel', { channel: GENERAL.id }),
      /lacks Send Messages, Embed Links and Attach Files there/,
    );
    assert.equal(discord.messagesIn(GENERAL.id).length, postsBefore, 'no test message in a refused channel');

    // The bot's own role (created when it was invited) gets them back by a role overwrite: the channel is used.
    const botRole = discord.createRole({ name: 'Streamwarden', botId: discord.botUser.id });
    discord.addRole(discord.botUser.id, botRole.id);
    discord.setOverwrites(GENERAL.id, [
      { id: discord.guildId, type: 0, allow: '0', deny: String(ViewChannel | SendMessages | AttachFiles) },
      { id: botRole.id, type: 0, allow: String(ViewChannel | SendMessages | AttachFiles), deny: '0' },
    ]);
    assert.match(
      text(await admin('enforcement', 'reports-channel', { channel: GENERAL.id })),
      /weekly report will be posted in <#\d+>.*a test message was posted there/,
    );
    assert.deepEqual(
      discord
        .messagesIn(GENERAL.id)
        .slice(postsBefore)
        .map((m) => m.content),
      ['Streamwarden will post the weekly report here.'],
    );
    const [row] = await db().select().from(settings);
    assert.equal(row?.reportsChannelId, GENERAL.id);
    discord.setOverwrites(GENERAL.id, []);
  });

  test('templates: set with a bad placeholder is refused; set, preview, reset', async () => {
    await refused(() => admin('template', 'set', { name: 'stream-dm', text: 'Hi {membr}' }), /membr/);
    await refused(() => admin('template', 'set', { name: 'nope', text: 'Hi' }), /no template “nope”/);
    const set = await admin('template', 'set', {
      name: 'stream-dm',
      text: 'Hey {member}, {count} of {limit}!',
    });
    assert.match(text(set), /Hey Alex, 3 of 2!/);
    assert.match(text(await admin('template', 'list')), /stream-dm \(customised\)/);
    assert.match(text(await admin('template', 'preview', { name: 'stream-dm' })), /Hey Alex/);
    assert.match(text(await admin('template', 'reset', { name: 'stream-dm' })), /back to the default/);
  });

  test('/quota: a member who is not linked is told who to ask; others are admin-only', async () => {
    const mine = await discord.invoke({ user: BOB.id, command: 'quota' });
    assert.equal(mine.ephemeral, true);
    assert.match(text(mine), /not linked.*Manage Server/s);
    await refused(
      () => discord.invoke({ user: BOB.id, command: 'quota', options: { member: ALICE.id } }),
      /Only admins/,
    );
    const alice = await discord.invoke({ user: ALICE.id, command: 'quota' });
    assert.match(text(alice), /Family/);
    assert.match(text(alice), /0 of 7/);
  });

  test('every admin change is in the audit log with before and after', async () => {
    const rows = await db().select().from(auditLog);
    const actions = new Set(rows.map((r) => r.action));
    for (const a of [
      'plan.create',
      'plan.edit',
      'server.add',
      'server.logging',
      'user.link',
      'user.plan',
      'user.allotment',
      'template.set',
    ]) {
      assert.ok(actions.has(a), a);
    }
    const edit = rows.find((r) => r.action === 'plan.edit');
    assert.ok(edit);
    assert.equal((edit.before as { streamCap: number }).streamCap, 2);
    assert.equal((edit.after as { streamCap: number }).streamCap, 3);
    assert.ok(rows.every((r) => r.actorDiscordId === ADMIN.id));
  });

  test('removing a server removes its links', async () => {
    assert.match(text(await admin('server', 'remove', { name: 'Main' })), /removed/);
    assert.equal((await db().select().from(mediaAccounts)).length, 0);
    await refused(() => admin('server', 'remove', { name: 'Main' }), /no server named/);
  });
});
