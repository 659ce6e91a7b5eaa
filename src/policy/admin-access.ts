// Who may use an admin command (or a button an admin command owns): whoever Discord lets use it (no override denies
// them here) and who has Manage Server, an allow for the command in Server Settings → Integrations, or the
// Streamwarden admin role. Pure: the caller reads the overrides.
//
// Discord's rules for command permission overrides ("Application Command Permissions Object" in
// https://discord.com/developers/docs/interactions/application-commands#permissions, and the Permissions v2 change
// of the change log, https://discord.com/developers/docs/change-log#upcoming-application-command-permission-changes):
// - an entry's `type` is 1 role, 2 user, 3 channel; the @everyone role's id is the guild id, "all channels" is
//   guild_id - 1;
// - command-level entries override the app-level ones (the entry whose id is the application id), per context:
//   where the command has no entry for the channel, or for the member, the app-level one applies;
// - a command-level allow lets a member in even without the command's default_member_permissions; an app-level
//   allow does not (the member still needs default_member_permissions, Manage Server for our admin commands);
// - a channel's entries apply to the threads in it;
// - "Members with the Administrator permission can use all commands."
// Between a member's roles an allow wins, as in channel permission overwrites
// (https://discord.com/developers/docs/topics/permissions#permission-overwrites).

/** Discord's application command permission types. */
export const OVERRIDE_TYPE = { role: 1, user: 2, channel: 3 } as const;

export interface OverrideEntry {
  id: string;
  type: number;
  permission: boolean;
}

/** The overrides that bear on one command: its own entries and the app-wide ones (null: none set). */
export interface CommandOverrides {
  command: readonly OverrideEntry[] | null;
  app: readonly OverrideEntry[] | null;
}

export interface AdminAccessInput {
  guildId: string;
  member: {
    userId: string;
    /** Role ids besides @everyone. */
    roleIds: readonly string[];
    administrator: boolean;
    manageGuild: boolean;
  };
  /** Where it was used; for a thread, also its parent channel. */
  channelId: string;
  parentChannelId?: string | null;
  /** null: the overrides could not be read (Manage Server and the admin role still count). */
  overrides: CommandOverrides | null;
  adminRoleId: string | null;
}

export type AdminAccess =
  | { allowed: true; via: 'manage-server' | 'override' | 'admin-role' }
  /** `channel`: an override switches the command off here; `member`: an override denies this member; `none`: no grant. */
  | { allowed: false; denied: 'channel' | 'member' | 'none' };

type Found = { level: 'command' | 'app'; allow: boolean } | null;

/** The member's own entry, else their roles' (an allow wins), else @everyone's, in one list. */
function memberEntry(entries: readonly OverrideEntry[], input: AdminAccessInput): boolean | null {
  const { member, guildId } = input;
  const user = entries.find((e) => e.type === OVERRIDE_TYPE.user && e.id === member.userId);
  if (user) return user.permission;
  const roles = entries.filter(
    (e) => e.type === OVERRIDE_TYPE.role && e.id !== guildId && member.roleIds.includes(e.id),
  );
  if (roles.length > 0) return roles.some((e) => e.permission);
  const everyone = entries.find((e) => e.type === OVERRIDE_TYPE.role && e.id === guildId);
  return everyone ? everyone.permission : null;
}

/** This channel's entry (or its parent's, for a thread), else the "all channels" one, in one list. */
function channelEntry(entries: readonly OverrideEntry[], input: AdminAccessInput): boolean | null {
  const channels = entries.filter((e) => e.type === OVERRIDE_TYPE.channel);
  const here =
    channels.find((e) => e.id === input.channelId) ??
    (input.parentChannelId ? channels.find((e) => e.id === input.parentChannelId) : undefined);
  if (here) return here.permission;
  const all = channels.find((e) => e.id === allChannelsId(input.guildId));
  return all ? all.permission : null;
}

/** The "all channels" constant: guild_id - 1. */
export function allChannelsId(guildId: string): string {
  return (BigInt(guildId) - 1n).toString();
}

function firstFound(
  overrides: CommandOverrides,
  pick: (entries: readonly OverrideEntry[]) => boolean | null,
): Found {
  for (const level of ['command', 'app'] as const) {
    const entries = overrides[level];
    const allow = entries ? pick(entries) : null;
    if (allow !== null) return { level, allow };
  }
  return null;
}

export function decideAdminAccess(input: AdminAccessInput): AdminAccess {
  const { member, overrides, adminRoleId } = input;
  const hasAdminRole = adminRoleId !== null && member.roleIds.includes(adminRoleId);
  const manage = member.administrator || member.manageGuild;
  if (overrides === null) {
    if (manage) return { allowed: true, via: 'manage-server' };
    if (hasAdminRole) return { allowed: true, via: 'admin-role' };
    return { allowed: false, denied: 'none' };
  }
  // What Discord itself refuses: a denial for this channel or this member (never an Administrator). Discord checks
  // it before it sends a slash command; a button reaches anyone who sees its message, so it is checked here.
  if (!member.administrator) {
    const channel = firstFound(overrides, (entries) => channelEntry(entries, input));
    if (channel?.allow === false) return { allowed: false, denied: 'channel' };
  }
  const who = firstFound(overrides, (entries) => memberEntry(entries, input));
  if (!member.administrator && who?.allow === false) return { allowed: false, denied: 'member' };
  if (manage) return { allowed: true, via: 'manage-server' };
  if (who?.level === 'command' && who.allow) return { allowed: true, via: 'override' };
  if (hasAdminRole) return { allowed: true, via: 'admin-role' };
  return { allowed: false, denied: 'none' };
}
