import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { REST } from '@discordjs/rest';
import type { Interaction } from 'discord.js';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  SlashCommandBuilder,
} from 'discord.js';
import type { DiscordDoubleOptions } from '../doubles/discord/index.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';

const ALICE = { id: '2000000000000000001', username: 'alice', globalName: 'Alice' };
const BOB = { id: '2000000000000000002', username: 'bob' };
const GENERAL = '3000000000000000001';
const ALERTS = '3000000000000000002';

const OPTIONS: DiscordDoubleOptions = {
  members: [ALICE, BOB],
  channels: [
    { id: GENERAL, name: 'general' },
    { id: ALERTS, name: 'alerts' },
  ],
};

const commands = [
  new SlashCommandBuilder()
    .setName('cap')
    .setDescription('Stream caps')
    .addSubcommand((sub) =>
      sub
        .setName('set')
        .setDescription('Set a member cap')
        .addUserOption((o) => o.setName('member').setDescription('Member').setRequired(true))
        .addIntegerOption((o) =>
          o.setName('streams').setDescription('Streams').setRequired(true).setMinValue(0),
        )
        .addStringOption((o) => o.setName('server').setDescription('Media server').setAutocomplete(true))
        .addBooleanOption((o) => o.setName('notify').setDescription('Notify the member'))
        .addChannelOption((o) =>
          o.setName('channel').setDescription('Log channel').addChannelTypes(ChannelType.GuildText),
        ),
    )
    .addSubcommand((sub) => sub.setName('show').setDescription('Show caps')),
  new SlashCommandBuilder().setName('ping').setDescription('Replies pong'),
  new SlashCommandBuilder().setName('silent').setDescription('Never answers'),
].map((command) => command.toJSON());

async function register(double: DiscordDouble): Promise<void> {
  const rest = new REST({ api: double.apiUrl, retries: 0, timeout: 2000 }).setToken(double.token);
  await rest.put(Routes.applicationGuildCommands(double.applicationId, double.guildId), { body: commands });
}

function newClient(double: DiscordDouble): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: double.apiUrl, retries: 0, timeout: 2000 },
  });
}

/** Starts a double with registered commands and a logged-in, ready client answering with `handler`. */
async function withBot(
  handler: (interaction: Interaction) => Promise<void>,
  run: (double: DiscordDouble, client: Client) => Promise<void>,
): Promise<void> {
  const double = await DiscordDouble.start(OPTIONS);
  const client = newClient(double);
  try {
    await register(double);
    client.on(Events.InteractionCreate, (interaction) => {
      handler(interaction).catch((error: unknown) => console.error('handler failed', error));
    });
    const ready = once(client, Events.ClientReady);
    await client.login(double.token);
    await ready;
    await double.waitForReady();
    await run(double, client);
  } finally {
    await client.destroy();
    await double.stop();
  }
}

test('connects, caches the guild, and answers a deferred ephemeral subcommand with an embed', async () => {
  await withBot(
    async (interaction) => {
      if (!interaction.isChatInputCommand() || interaction.commandName !== 'cap') return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const member = interaction.options.getUser('member', true);
      const channel = interaction.options.getChannel('channel');
      const description = [
        interaction.options.getSubcommand(),
        member.username,
        interaction.options.getMember('member') ? 'member' : 'no-member',
        interaction.options.getInteger('streams', true),
        interaction.options.getString('server'),
        interaction.options.getBoolean('notify'),
        channel?.name,
        interaction.channelId,
        interaction.memberPermissions?.has('Administrator') ? 'admin' : 'user',
      ].join('|');
      await interaction.editReply({
        embeds: [new EmbedBuilder().setTitle('Cap set').setDescription(description)],
      });
    },
    async (double, client) => {
      assert.equal(client.user?.id, double.botUser.id);
      const guild = client.guilds.cache.get(double.guildId);
      assert.ok(guild, 'guild cached from GUILD_CREATE');
      assert.equal(guild.channels.cache.get(ALERTS)?.name, 'alerts');
      assert.equal(guild.members.cache.get(ALICE.id)?.user.username, 'alice');
      assert.equal(double.commandWrites, 1);
      assert.deepEqual(
        double.guildCommands()?.map((c) => c.name),
        ['cap', 'ping', 'silent'],
      );

      const reply = await double.invoke({
        user: ALICE.id,
        command: 'cap',
        subcommand: 'set',
        options: { member: BOB.id, streams: 2, server: 'plex', notify: true, channel: ALERTS },
      });
      assert.equal(reply.deferred, true);
      assert.equal(reply.ephemeral, true);
      assert.equal(reply.content, null);
      assert.equal(reply.embeds[0]?.title, 'Cap set');
      assert.equal(reply.embeds[0]?.description, `set|bob|member|2|plex|true|alerts|${GENERAL}|user`);
      assert.equal(reply.raw.length, 2);

      const callback = double.requests.find((r) => r.path.endsWith('/callback'));
      assert.equal(callback?.query.get('with_response'), 'false');
      assert.equal(callback?.headers.authorization, undefined, 'interaction callbacks carry no token');
      assert.ok(double.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original')));

      const admin = await double.invoke({
        user: BOB.id,
        command: 'cap',
        subcommand: 'set',
        options: { member: ALICE.id, streams: 0 },
        admin: true,
        channelId: ALERTS,
      });
      assert.match(admin.embeds[0]?.description ?? '', new RegExp(`\\|${ALERTS}\\|admin$`));
    },
  );
});

test('reply() answers with type 4; follow-ups keep updating the returned reply', async () => {
  let responseContent: string | undefined;
  await withBot(
    async (interaction) => {
      if (!interaction.isChatInputCommand() || interaction.commandName !== 'ping') return;
      const response = await interaction.reply({
        content: 'pong @everyone',
        allowedMentions: { parse: [] },
        withResponse: true,
      });
      responseContent = response.resource?.message?.content;
      await interaction.followUp({ content: 'later', flags: MessageFlags.Ephemeral });
    },
    async (double) => {
      const reply = await double.invoke({ user: ALICE.id, command: 'ping' });
      assert.equal(reply.deferred, false);
      assert.equal(reply.ephemeral, false);
      assert.equal(reply.content, 'pong @everyone');
      assert.deepEqual(reply.allowedMentions, { parse: [] });
      const deadline = Date.now() + 2000;
      while (reply.followUps.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        reply.followUps.map((f) => [f.content, f.ephemeral]),
        [['later', true]],
      );
      assert.equal(responseContent, 'pong @everyone');
    },
  );
});

test('autocomplete round trip marks the focused option and returns the choices', async () => {
  await withBot(
    async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const focused = interaction.options.getFocused(true);
      const servers = ['plex-main', 'plex-4k', 'jellyfin'];
      await interaction.respond(
        servers
          .filter((s) => s.startsWith(focused.value))
          .map((s) => ({ name: `${focused.name}:${s}`, value: s })),
      );
    },
    async (double) => {
      const choices = await double.autocomplete({
        user: ALICE.id,
        command: 'cap',
        subcommand: 'set',
        options: { server: 'plex', streams: 1 },
        focused: 'server',
      });
      assert.deepEqual(choices, [
        { name: 'server:plex-main', value: 'plex-main' },
        { name: 'server:plex-4k', value: 'plex-4k' },
      ]);
    },
  );
});

test('DMs and channel messages are recorded; closed DMs reject with 50007', async () => {
  await withBot(
    async () => {},
    async (double, client) => {
      const alice = await client.users.fetch(ALICE.id);
      await alice.send({ content: 'You are over your cap', allowedMentions: { parse: [] } });
      assert.deepEqual(
        double.dmsTo(ALICE.id).map((m) => [m.content, m.allowedMentions]),
        [['You are over your cap', { parse: [] }]],
      );

      double.closeDms(BOB.id);
      const bob = await client.users.fetch(BOB.id);
      await assert.rejects(bob.send('hello'), (error: unknown) => {
        assert.ok(error instanceof DiscordAPIError);
        assert.equal(error.code, 50007);
        assert.equal(error.status, 403);
        return true;
      });
      assert.deepEqual(double.dmsTo(BOB.id), []);

      const alerts = await client.channels.fetch(ALERTS);
      assert.ok(alerts?.isSendable());
      const sent = await alerts.send({ embeds: [new EmbedBuilder().setTitle('Over the stream cap')] });
      assert.equal(sent.channelId, ALERTS);
      assert.deepEqual(
        double.messagesIn(ALERTS).map((m) => m.embeds[0]?.title),
        ['Over the stream cap'],
      );
      assert.deepEqual(double.messagesIn(GENERAL), []);
      await assert.rejects(alerts.send('x'.repeat(2001)), (error: unknown) => {
        assert.ok(error instanceof DiscordAPIError);
        assert.equal(error.code, 50035, 'Discord rejects content over 2000 characters');
        return true;
      });

      double.clearRecords();
      assert.equal(double.requests.length, 0);
      assert.deepEqual(double.messagesIn(ALERTS), []);
    },
  );
});

test('invoke explains mistakes and timeouts', async () => {
  await withBot(
    async () => {},
    async (double) => {
      await assert.rejects(
        double.invoke({ user: ALICE.id, command: 'nope' }),
        /command \/nope is not registered/,
      );
      await assert.rejects(
        double.invoke({
          user: ALICE.id,
          command: 'cap',
          subcommand: 'set',
          options: { streams: 1, bogus: 'x' },
        }),
        /has no option "bogus" \(has: member, streams, server, notify, channel\)/,
      );
      await assert.rejects(
        double.invoke({ user: ALICE.id, command: 'cap', subcommand: 'set', options: { streams: 1 } }),
        /required option "member" missing/,
      );
      await assert.rejects(double.invoke({ user: '999', command: 'ping' }), /not a member/);
      await assert.rejects(
        double.invoke({
          user: ALICE.id,
          command: 'cap',
          subcommand: 'set',
          options: { member: BOB.id, streams: -1 },
        }),
        /below min_value 0/,
      );
      const rest = new REST({ api: double.apiUrl, retries: 0, timeout: 2000 }).setToken(double.token);
      const route = Routes.applicationGuildCommands(double.applicationId, double.guildId);
      await assert.rejects(
        rest.put(route, { body: [{ name: 'Bad Name', description: 'x' }] }),
        /Invalid Form Body/,
      );
      await rest.put(route, { body: commands });
      assert.equal(double.commandWrites, 2);
      await assert.rejects(
        double.invoke({ user: ALICE.id, command: 'silent', timeoutMs: 200 }),
        /got no final answer within 200 ms; received: nothing/,
      );
    },
  );
});

test('the client resumes after a dropped gateway connection', async () => {
  await withBot(
    async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    },
    async (double, client) => {
      const resumed = once(client, Events.ShardResume);
      double.disconnectGateway();
      await resumed;
      const reply = await double.invoke({ user: ALICE.id, command: 'ping' });
      assert.equal(reply.content, 'still here');
    },
  );
});

test('a wrong token fails login with TokenInvalid', async () => {
  const double = await DiscordDouble.start(OPTIONS);
  const client = newClient(double);
  try {
    await assert.rejects(client.login('not-the-token'), (error: unknown) => {
      assert.equal((error as { code?: unknown }).code, 'TokenInvalid');
      return true;
    });
    const gatewayRequest = double.requests.find((r) => r.path === '/gateway/bot');
    assert.equal(gatewayRequest?.headers.authorization, 'Bot not-the-token');
  } finally {
    await client.destroy();
    await double.stop();
  }
});

test('command permission overrides: discord.js reads the GET routes and gets APPLICATION_COMMAND_PERMISSIONS_UPDATE', async () => {
  await withBot(
    async () => {},
    async (double, client) => {
      const registered = (await client.rest.get(
        Routes.applicationGuildCommands(double.applicationId, double.guildId),
      )) as Array<{ id: string; name: string }>;
      const idOf = (name: string) => registered.find((c) => c.name === name)?.id ?? '';
      const manager = client.application?.commands.permissions;
      assert.ok(manager);
      assert.equal((await manager.fetch({ guild: double.guildId })).size, 0, 'none set: an empty list');

      // Discord sends it whatever the intents (the client has Guilds only).
      const updated = once(client, Events.ApplicationCommandPermissionsUpdate);
      const entries = [
        { id: '1000000000000000050', type: 1, permission: true },
        { id: '1000000000000000000', type: 3, permission: false },
      ];
      double.setCommandPermissions('ping', entries);
      const [data] = await updated;
      assert.deepEqual(data, {
        permissions: entries,
        id: idOf('ping'),
        guildId: double.guildId,
        applicationId: double.applicationId,
      });

      double.setCommandPermissions(null, [{ id: double.guildId, type: 1, permission: false }], {
        event: false,
      });
      const all = await manager.fetch({ guild: double.guildId });
      assert.deepEqual(all.get(idOf('ping')), entries);
      assert.deepEqual(all.get(double.applicationId), [{ id: double.guildId, type: 1, permission: false }]);
      assert.deepEqual(await manager.fetch({ guild: double.guildId, command: idOf('ping') }), entries);
      await assert.rejects(
        manager.fetch({ guild: double.guildId, command: idOf('cap') }),
        (err: unknown) => err instanceof DiscordAPIError && err.status === 404 && err.code === 10066,
      );
      double.failCommandPermissions({ status: 503 });
      await assert.rejects(manager.fetch({ guild: double.guildId }), (err: unknown) => {
        return (err as { status?: number }).status === 503;
      });
    },
  );
});
