// Who may use an admin command: Manage Server, a command-level allow in Server Settings → Integrations, or the
// admin role; and Discord's own denials (channel, member) in its documented precedence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AdminAccess,
  type AdminAccessInput,
  allChannelsId,
  type CommandOverrides,
  decideAdminAccess,
  type OverrideEntry,
} from '../../src/policy/admin-access.ts';

const GUILD = '1000000000000000001';
const ALL_CHANNELS = '1000000000000000000';
const HERE = '1000000000000000010';
const ELSEWHERE = '1000000000000000011';
const THREAD = '1000000000000000012';
const MODS = '500000000000000001';
const HELPERS = '500000000000000002';
const ADMIN_ROLE = '500000000000000003';
const ME = '600000000000000001';

const role = (id: string, permission: boolean): OverrideEntry => ({ id, type: 1, permission });
const user = (id: string, permission: boolean): OverrideEntry => ({ id, type: 2, permission });
const channel = (id: string, permission: boolean): OverrideEntry => ({ id, type: 3, permission });

interface Case {
  name: string;
  roles?: string[];
  manage?: boolean;
  administrator?: boolean;
  command?: OverrideEntry[] | null;
  app?: OverrideEntry[] | null;
  /** True: the overrides could not be read. */
  unreadable?: boolean;
  adminRole?: string | null;
  channelId?: string;
  parent?: string | null;
  expect: AdminAccess;
}

const allowed = (via: 'manage-server' | 'override' | 'admin-role'): AdminAccess => ({ allowed: true, via });
const denied = (why: 'channel' | 'member' | 'none'): AdminAccess => ({ allowed: false, denied: why });

const cases: Case[] = [
  { name: 'no overrides, no Manage Server: refused', expect: denied('none') },
  { name: 'Manage Server, no overrides', manage: true, expect: allowed('manage-server') },
  {
    name: 'a role allowed on the command',
    roles: [MODS],
    command: [role(MODS, true)],
    expect: allowed('override'),
  },
  { name: 'the member allowed on the command', command: [user(ME, true)], expect: allowed('override') },
  {
    name: 'the member denied beats their role allowed (user > role)',
    roles: [MODS],
    command: [role(MODS, true), user(ME, false)],
    expect: denied('member'),
  },
  {
    name: 'the member allowed beats their role denied',
    roles: [MODS],
    command: [role(MODS, false), user(ME, true)],
    expect: allowed('override'),
  },
  {
    name: 'between roles an allow wins',
    roles: [MODS, HELPERS],
    command: [role(HELPERS, false), role(MODS, true)],
    expect: allowed('override'),
  },
  {
    name: 'a role beats @everyone',
    roles: [MODS],
    command: [role(GUILD, false), role(MODS, true)],
    expect: allowed('override'),
  },
  {
    name: '@everyone allowed on the command lets everyone in',
    command: [role(GUILD, true)],
    expect: allowed('override'),
  },
  {
    name: '@everyone denied on the command refuses even Manage Server',
    manage: true,
    command: [role(GUILD, false)],
    expect: denied('member'),
  },
  {
    name: 'a role the member lacks changes nothing',
    roles: [HELPERS],
    command: [role(MODS, true)],
    expect: denied('none'),
  },
  {
    name: 'an app-level allow does not replace Manage Server (Discord still asks default_member_permissions)',
    roles: [MODS],
    app: [role(MODS, true)],
    expect: denied('none'),
  },
  {
    name: 'an app-level denial refuses Manage Server',
    manage: true,
    app: [user(ME, false)],
    expect: denied('member'),
  },
  {
    name: 'a command-level allow overrides an app-level denial',
    roles: [MODS],
    command: [role(MODS, true)],
    app: [role(MODS, false)],
    expect: allowed('override'),
  },
  {
    name: 'a command-level denial overrides an app-level allow',
    roles: [MODS],
    manage: true,
    command: [role(MODS, false)],
    app: [role(MODS, true)],
    expect: denied('member'),
  },
  {
    name: 'the command switched off in this channel refuses an allowed role',
    roles: [MODS],
    command: [role(MODS, true), channel(HERE, false)],
    expect: denied('channel'),
  },
  {
    name: 'switched off in another channel only',
    roles: [MODS],
    command: [role(MODS, true), channel(ELSEWHERE, false)],
    expect: allowed('override'),
  },
  {
    name: 'all channels off, this one on',
    roles: [MODS],
    command: [role(MODS, true), channel(ALL_CHANNELS, false), channel(HERE, true)],
    expect: allowed('override'),
  },
  {
    name: 'all channels off refuses Manage Server too',
    manage: true,
    command: [channel(ALL_CHANNELS, false)],
    expect: denied('channel'),
  },
  {
    name: 'the command-level channel entry overrides the app-level one',
    roles: [MODS],
    command: [role(MODS, true), channel(HERE, true)],
    app: [channel(HERE, false)],
    expect: allowed('override'),
  },
  {
    name: 'an app-level channel denial applies when the command has none for the channel',
    roles: [MODS],
    command: [role(MODS, true)],
    app: [channel(ALL_CHANNELS, false)],
    expect: denied('channel'),
  },
  {
    name: 'a thread follows its channel',
    roles: [MODS],
    command: [role(MODS, true), channel(HERE, false)],
    channelId: THREAD,
    parent: HERE,
    expect: denied('channel'),
  },
  {
    name: 'Administrators are never denied',
    administrator: true,
    command: [user(ME, false), channel(HERE, false)],
    expect: allowed('manage-server'),
  },
  { name: 'the admin role', roles: [ADMIN_ROLE], adminRole: ADMIN_ROLE, expect: allowed('admin-role') },
  {
    name: 'the admin role does not beat a denial',
    roles: [ADMIN_ROLE],
    adminRole: ADMIN_ROLE,
    command: [role(GUILD, false)],
    expect: denied('member'),
  },
  {
    name: 'the admin role is not the member’s',
    roles: [MODS],
    adminRole: ADMIN_ROLE,
    expect: denied('none'),
  },
  {
    name: 'unreadable overrides: Manage Server still counts',
    manage: true,
    unreadable: true,
    expect: allowed('manage-server'),
  },
  {
    name: 'unreadable overrides: the admin role still counts',
    roles: [ADMIN_ROLE],
    adminRole: ADMIN_ROLE,
    unreadable: true,
    expect: allowed('admin-role'),
  },
  { name: 'unreadable overrides: nothing else', roles: [MODS], unreadable: true, expect: denied('none') },
];

describe('decideAdminAccess', () => {
  for (const c of cases) {
    test(c.name, () => {
      const overrides: CommandOverrides | null = c.unreadable
        ? null
        : { command: c.command ?? null, app: c.app ?? null };
      const input: AdminAccessInput = {
        guildId: GUILD,
        member: {
          userId: ME,
          roleIds: c.roles ?? [],
          administrator: c.administrator ?? false,
          manageGuild: (c.manage ?? false) || (c.administrator ?? false),
        },
        channelId: c.channelId ?? HERE,
        parentChannelId: c.parent ?? null,
        overrides,
        adminRoleId: c.adminRole ?? null,
      };
      assert.deepEqual(decideAdminAccess(input), c.expect);
    });
  }

  test('"all channels" is the guild id minus one, without losing precision', () => {
    assert.equal(allChannelsId(GUILD), ALL_CHANNELS);
    assert.equal(allChannelsId('1234567890123456789'), '1234567890123456788');
  });
});
