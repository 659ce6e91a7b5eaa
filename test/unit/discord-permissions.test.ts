// The bot's permissions in a channel, computed as Discord does (topics/permissions#permission-overwrites), the
// invite link, and the slow retry while the bot is not in its server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiscordAPIError, PermissionFlagsBits as P } from 'discord.js';
import { waitForGuildAccess } from '../../src/discord/guild-access.ts';
import {
  channelPermissions,
  inviteUrl,
  missingChannelPermissions,
  type Overwrite,
  type PermissionInput,
  REQUIRED_PERMISSIONS,
} from '../../src/discord/permissions.ts';

const GUILD = '100';
const BOT = '200';
const ROLE_A = '301';
const ROLE_B = '302';
const bits = (...flags: bigint[]) => flags.reduce((a, f) => a | f, 0n).toString();
const CHANNEL = bits(P.ViewChannel, P.SendMessages, P.EmbedLinks, P.AttachFiles);

function input(over: Partial<PermissionInput> & { everyone?: string; roleIds?: string[] }): PermissionInput {
  return {
    guildId: GUILD,
    ownerId: '999',
    roles: over.roles ?? [
      { id: GUILD, permissions: over.everyone ?? CHANNEL },
      { id: ROLE_A, permissions: '0' },
      { id: ROLE_B, permissions: '0' },
    ],
    member: { userId: BOT, roleIds: over.roleIds ?? [] },
    overwrites: over.overwrites ?? [],
  };
}
const ow = (id: string, type: 0 | 1, allow: bigint[], deny: bigint[]): Overwrite => ({
  id,
  type,
  allow: bits(...allow),
  deny: bits(...deny),
});

describe('channelPermissions', () => {
  const cases: Array<[string, PermissionInput, string[]]> = [
    ['@everyone allows all four, no overwrites', input({}), []],
    [
      '@everyone has nothing',
      input({ everyone: '0' }),
      ['View Channels', 'Send Messages', 'Embed Links', 'Attach Files'],
    ],
    [
      'a role of the bot grants what @everyone lacks',
      input({
        everyone: '0',
        roleIds: [ROLE_A],
        roles: [
          { id: GUILD, permissions: '0' },
          { id: ROLE_A, permissions: CHANNEL },
        ],
      }),
      [],
    ],
    [
      'a role the bot does not have grants nothing',
      input({
        everyone: '0',
        roles: [
          { id: GUILD, permissions: '0' },
          { id: ROLE_A, permissions: CHANNEL },
        ],
      }),
      ['View Channels', 'Send Messages', 'Embed Links', 'Attach Files'],
    ],
    [
      'Administrator allows everything, overwrites or not',
      input({
        roleIds: [ROLE_A],
        roles: [
          { id: GUILD, permissions: '0' },
          { id: ROLE_A, permissions: bits(P.Administrator) },
        ],
        overwrites: [ow(BOT, 1, [], [P.ViewChannel])],
      }),
      [],
    ],
    [
      'the @everyone overwrite denies Attach Files',
      input({ overwrites: [ow(GUILD, 0, [], [P.AttachFiles])] }),
      ['Attach Files'],
    ],
    [
      'a role overwrite allows back what the @everyone overwrite denies',
      input({
        roleIds: [ROLE_A],
        overwrites: [ow(GUILD, 0, [], [P.AttachFiles]), ow(ROLE_A, 0, [P.AttachFiles], [])],
      }),
      [],
    ],
    [
      'role overwrites: an allow of one role wins over a deny of another',
      input({
        roleIds: [ROLE_A, ROLE_B],
        overwrites: [ow(ROLE_A, 0, [], [P.EmbedLinks]), ow(ROLE_B, 0, [P.EmbedLinks], [])],
      }),
      [],
    ],
    [
      'the member overwrite comes last: it denies what a role overwrite allows',
      input({
        roleIds: [ROLE_A],
        overwrites: [ow(ROLE_A, 0, [P.EmbedLinks], []), ow(BOT, 1, [], [P.EmbedLinks])],
      }),
      ['Embed Links'],
    ],
    [
      'another member’s overwrite does not apply',
      input({ overwrites: [ow('201', 1, [], [P.SendMessages])] }),
      [],
    ],
    [
      'without View Channels nothing else applies',
      input({ overwrites: [ow(GUILD, 0, [], [P.ViewChannel])] }),
      ['View Channels', 'Send Messages', 'Embed Links', 'Attach Files'],
    ],
    [
      'without Send Messages, Embed Links and Attach Files do not apply',
      input({
        overwrites: [ow(GUILD, 0, [], [P.SendMessages])],
      }),
      ['Send Messages', 'Embed Links', 'Attach Files'],
    ],
  ];
  for (const [name, given, missing] of cases)
    test(name, () => assert.deepEqual(missingChannelPermissions(channelPermissions(given)), missing));

  test('the owner of the server has every permission', () => {
    const owner = { ...input({ everyone: '0' }), ownerId: BOT };
    assert.deepEqual(missingChannelPermissions(channelPermissions(owner)), []);
  });
});

test('the invite link asks for both scopes and exactly the permissions the bot uses', () => {
  assert.equal(
    REQUIRED_PERMISSIONS,
    P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles | P.ReadMessageHistory,
  );
  assert.equal(REQUIRED_PERMISSIONS, 117760n);
  const url = new URL(inviteUrl('42', GUILD));
  assert.equal(url.origin + url.pathname, 'https://discord.com/oauth2/authorize');
  assert.equal(url.searchParams.get('scope'), 'bot applications.commands');
  assert.equal(url.searchParams.get('permissions'), '117760');
  assert.equal(url.searchParams.get('client_id'), '42');
  assert.equal(url.searchParams.get('guild_id'), GUILD);
});

describe('waitForGuildAccess', () => {
  const missingAccess = () =>
    new DiscordAPIError({ message: 'Missing Access', code: 50001 }, 50001, 403, 'PUT', '/x', {
      body: undefined,
      files: undefined,
    });

  test('retries with a doubling wait up to the longest, until access comes', async () => {
    const waits: number[] = [];
    let tries = 0;
    await waitForGuildAccess({
      attempt: async () => {
        tries += 1;
        if (tries < 5) throw missingAccess();
      },
      onJoin: () => () => {},
      onWaiting: (ms) => waits.push(ms),
      retry: { firstMs: 5, maxMs: 20 },
    });
    assert.equal(tries, 5);
    assert.deepEqual(waits, [5, 10, 20, 20]);
  });

  test('joining the server wakes the wait at once', async () => {
    let wake = () => {};
    let tries = 0;
    const done = waitForGuildAccess({
      attempt: async () => {
        tries += 1;
        if (tries < 2) throw missingAccess();
      },
      onJoin: (w) => {
        wake = w;
        return () => {};
      },
      onWaiting: () => setImmediate(() => wake()),
      retry: { firstMs: 600_000, maxMs: 600_000 },
    });
    await done;
    assert.equal(tries, 2);
  });

  test('another error is not waited out', async () => {
    await assert.rejects(
      waitForGuildAccess({
        attempt: async () => {
          throw new Error('boom');
        },
        onJoin: () => () => {},
        onWaiting: () => assert.fail('no wait'),
      }),
      /boom/,
    );
  });

  test('an abort ends the wait', async () => {
    const stop = new AbortController();
    await assert.rejects(
      waitForGuildAccess({
        attempt: async () => {
          throw missingAccess();
        },
        onJoin: () => () => {},
        onWaiting: () => setImmediate(() => stop.abort()),
        signal: stop.signal,
        retry: { firstMs: 600_000, maxMs: 600_000 },
      }),
      { name: 'AbortError' },
    );
  });
});
