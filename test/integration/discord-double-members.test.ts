// The Discord double's guild roles and GET /guilds/{id}/members, stand-alone, through @discordjs/rest: what the role
// sync relies on (https://discord.com/developers/docs/resources/guild#list-guild-members, role object in
// https://discord.com/developers/docs/topics/permissions#role-object).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { type APIGuild, type APIGuildMember, Routes } from 'discord-api-types/v10';
import { DiscordDouble } from '../doubles/discord/index.ts';

describe('Discord double: roles and the member list', () => {
  let double: DiscordDouble;
  let rest: REST;
  const users = ['300000000000000003', '300000000000000001', '300000000000000002'].map((id, i) => ({
    id,
    username: `user${i}`,
  }));
  const list = (query: Record<string, string>) =>
    rest.get(Routes.guildMembers(double.guildId), { query: new URLSearchParams(query) }) as Promise<
      APIGuildMember[]
    >;

  before(async () => {
    double = await DiscordDouble.start({ ownerId: '300000000000000001', members: users });
    rest = new REST({ api: double.apiUrl, retries: 0, timeout: 2000 }).setToken(double.token);
  });
  after(async () => double?.stop());

  test('pages by user id: limit defaults to 1, after is the highest id of the previous page', async () => {
    const ids = (members: APIGuildMember[]) => members.map((m) => m.user.id);
    const all = [double.botUser.id, ...users.map((u) => u.id)].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    assert.deepEqual(ids(await list({})), all.slice(0, 1));
    assert.deepEqual(ids(await list({ limit: '2' })), all.slice(0, 2));
    assert.deepEqual(ids(await list({ limit: '1000', after: all[1] ?? '' })), all.slice(2));
    assert.deepEqual(await list({ limit: '1000', after: all.at(-1) ?? '' }), []);
  });

  test('a limit outside 1–1000 is refused with 400 / 50035', async () => {
    for (const limit of ['0', '1001']) {
      await assert.rejects(
        list({ limit }),
        (err: unknown) => err instanceof DiscordAPIError && err.code === 50035,
      );
    }
  });

  test('roles: created roles are in the guild, members carry their role ids', async () => {
    const role = double.createRole({ name: 'Supporter', color: 0x123456 });
    const booster = double.createRole({ name: 'Server Booster', premiumSubscriber: true });
    const botRole = double.createRole({ name: 'SomeBot', botId: '300000000000000099' });
    assert.deepEqual(
      { managed: role.managed, tags: role.tags, color: role.colors.primary_color },
      { managed: false, tags: undefined, color: 0x123456 },
    );
    assert.deepEqual(booster.tags, { premium_subscriber: null });
    assert.equal(botRole.managed, true);
    const guild = (await rest.get(Routes.guild(double.guildId))) as APIGuild;
    assert.deepEqual(
      guild.roles.map((r) => r.name),
      ['@everyone', 'Supporter', 'Server Booster', 'SomeBot'],
    );
    const user = users[0]?.id ?? '';
    double.addRole(user, role.id);
    double.addRole(user, booster.id);
    double.removeRole(user, booster.id);
    const member = (await rest.get(Routes.guildMember(double.guildId, user))) as APIGuildMember;
    assert.deepEqual(member.roles, [role.id]);
  });

  test('without the Server Members Intent the list answers 403 / 50001 Missing Access', async () => {
    double.setMembersIntent(false);
    await assert.rejects(
      list({ limit: '1000' }),
      (err: unknown) => err instanceof DiscordAPIError && err.status === 403 && err.code === 50001,
    );
    double.setMembersIntent(true);
    assert.ok((await list({ limit: '1000' })).length > 0);
  });
});
