// What the bot needs in Discord, and a channel's permissions computed the way Discord computes them
// (https://discord.com/developers/docs/topics/permissions#permission-overwrites): the base permissions are the
// @everyone role's OR every role of the member; Administrator (or owning the guild) allows everything; then the
// channel's overwrites apply in order: the @everyone overwrite (deny, then allow), all the member's role overwrites
// together (their denies, then their allows), the member's own overwrite (deny, then allow). Then the implicit
// rules (same page, #implicit-permissions): without View Channel nothing else applies, and without Send Messages a
// channel's Embed Links and Attach Files don't either. Pure: the payloads are read over REST elsewhere.
import { PermissionFlagsBits } from 'discord.js';

/** Each permission the bot uses in a channel, with the name Discord's settings show and why it is needed. */
export const CHANNEL_PERMISSIONS = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channels', why: 'to see the channel' },
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages', why: 'to post alerts and reports' },
  { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links', why: 'alerts and reports are embeds' },
  { flag: PermissionFlagsBits.AttachFiles, name: 'Attach Files', why: 'the weekly report’s chart' },
] as const;

/**
 * Everything the bot needs in the server: the channel permissions above, plus Read Message History (after a
 * failed answer, the notifier looks for its own copy among a channel's recent messages before posting again).
 * The bot reads roles but never changes them, so it needs no Manage Roles.
 */
export const REQUIRED_PERMISSIONS =
  CHANNEL_PERMISSIONS.reduce((all, p) => all | p.flag, 0n) | PermissionFlagsBits.ReadMessageHistory;

/** The link that adds the bot to one server with exactly the permissions it needs (OAuth2 bot authorization flow,
 *  https://discord.com/developers/docs/topics/oauth2#bot-authorization-flow: `guild_id` preselects the server). */
export function inviteUrl(applicationId: string, guildId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: 'bot applications.commands',
    permissions: REQUIRED_PERMISSIONS.toString(),
    guild_id: guildId,
    disable_guild_select: 'true',
  });
  return `https://discord.com/oauth2/authorize?${query.toString().replaceAll('+', '%20')}`;
}

export interface RoleGrant {
  id: string;
  /** The role's permissions, a decimal bit string as Discord sends it. */
  permissions: string;
}

export interface Overwrite {
  id: string;
  /** 0 = role, 1 = member (https://discord.com/developers/docs/resources/channel#overwrite-object). */
  type: 0 | 1;
  allow: string;
  deny: string;
}

export interface PermissionInput {
  guildId: string;
  ownerId: string | null;
  /** Every role of the guild, @everyone (whose id is the guild id) included. */
  roles: readonly RoleGrant[];
  member: { userId: string; roleIds: readonly string[] };
  overwrites: readonly Overwrite[];
}

const ALL = (1n << 64n) - 1n;

/** The member's permissions in the channel, as a bit set. */
export function channelPermissions(input: PermissionInput): bigint {
  if (input.ownerId !== null && input.member.userId === input.ownerId) return ALL;
  const byId = new Map(input.roles.map((r) => [r.id, BigInt(r.permissions)]));
  let base = byId.get(input.guildId) ?? 0n;
  for (const id of input.member.roleIds) base |= byId.get(id) ?? 0n;
  if ((base & PermissionFlagsBits.Administrator) !== 0n) return ALL;
  let perms = base;
  const everyone = input.overwrites.find((o) => o.type === 0 && o.id === input.guildId);
  if (everyone) perms = (perms & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of input.overwrites) {
    if (o.type !== 0 || o.id === input.guildId || !input.member.roleIds.includes(o.id)) continue;
    allow |= BigInt(o.allow);
    deny |= BigInt(o.deny);
  }
  perms = (perms & ~deny) | allow;
  const own = input.overwrites.find((o) => o.type === 1 && o.id === input.member.userId);
  if (own) perms = (perms & ~BigInt(own.deny)) | BigInt(own.allow);
  if ((perms & PermissionFlagsBits.ViewChannel) === 0n) return 0n;
  if ((perms & PermissionFlagsBits.SendMessages) === 0n)
    perms &= ~(PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.AttachFiles);
  return perms;
}

/** The names of the channel permissions the bot lacks in `granted`, in the order Discord's settings list them. */
export function missingChannelPermissions(granted: bigint): string[] {
  return CHANNEL_PERMISSIONS.filter((p) => (granted & p.flag) !== p.flag).map((p) => p.name);
}
