// Who can read a channel, and what the bot may do in it, read over REST: the @everyone role's permissions
// (GET /guilds/{id}, its role whose id is the guild id) and the channel's permission overwrites
// (GET /channels/{id}, `permission_overwrites`: {id, type 0 = role / 1 = member, allow, deny} as bit strings,
// https://discord.com/developers/docs/resources/channel#overwrite-object), and for the bot its member's roles
// (GET /guilds/{id}/members/{bot}), computed in Discord's order by permissions.ts. Alerts show members' IP
// addresses, so admins are warned when their channel is public.
import {
  type APIChannel,
  type APIGuild,
  type APIGuildMember,
  PermissionFlagsBits,
  type REST,
  Routes,
} from 'discord.js';
import { channelPermissions, type Overwrite } from './permissions.ts';

export type Visibility = 'everyone' | 'restricted' | 'unknown';

const overwritesOf = (channel: APIChannel): Overwrite[] =>
  'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [];

/** The guild's roles and owner and the channel's overwrites, read over REST. */
async function readChannel(rest: REST, guildId: string, channelId: string) {
  const [guild, channel] = (await Promise.all([
    rest.get(Routes.guild(guildId)),
    rest.get(Routes.channel(channelId)),
  ])) as [APIGuild, APIChannel];
  return { guild, overwrites: overwritesOf(channel) };
}

export async function channelVisibility(rest: REST, guildId: string, channelId: string): Promise<Visibility> {
  try {
    const { guild, overwrites } = await readChannel(rest, guildId, channelId);
    // Someone with no role: the @everyone role and the @everyone overwrite only.
    const everyone = channelPermissions({
      guildId,
      ownerId: null,
      roles: guild.roles,
      member: { userId: '', roleIds: [] },
      overwrites,
    });
    const view = PermissionFlagsBits.ViewChannel;
    return (everyone & view) === view ? 'everyone' : 'restricted';
  } catch {
    return 'unknown';
  }
}

/** The bot's own permissions in a channel (its roles, the channel's overwrites); throws when they can't be read. */
export async function botChannelPermissions(
  rest: REST,
  guildId: string,
  channelId: string,
  botUserId: string,
): Promise<bigint> {
  const [{ guild, overwrites }, member] = await Promise.all([
    readChannel(rest, guildId, channelId),
    rest.get(Routes.guildMember(guildId, botUserId)) as Promise<APIGuildMember>,
  ]);
  return channelPermissions({
    guildId,
    ownerId: guild.owner_id,
    roles: guild.roles,
    member: { userId: botUserId, roleIds: member.roles },
    overwrites,
  });
}

/** The warning for an alerts channel, or null when there is nothing to say. */
export async function alertsChannelWarning(
  rest: REST,
  guildId: string,
  channelId: string | null,
  hideAddresses: boolean,
): Promise<string | null> {
  if (!channelId || hideAddresses) return null;
  const visibility = await channelVisibility(rest, guildId, channelId);
  if (visibility === 'everyone')
    return `Everyone in the server can read <#${channelId}>, and alerts show members’ IP addresses. Restrict the channel to admins, or turn on \`/enforcement hide-addresses\`.`;
  if (visibility === 'unknown')
    return `Couldn’t check who can read <#${channelId}> (the bot needs to see the channel). Alerts show members’ IP addresses: keep it to admins, or turn on \`/enforcement hide-addresses\`.`;
  return null;
}
