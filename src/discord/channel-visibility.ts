// Whether everyone in the community can read a channel, read over REST: the @everyone role's permissions
// (GET /guilds/{id}, its role whose id is the guild id) and the channel's permission overwrites
// (GET /channels/{id}, `permission_overwrites`: {id, type 0 = role / 1 = member, allow, deny} as bit strings,
// https://discord.com/developers/docs/resources/channel#overwrite-object). Per Discord's permission hierarchy
// (topics/permissions#permission-overwrites), the @everyone overwrite's deny, then its allow, apply on top of the
// role's base permissions. Alerts show members' IP addresses, so admins are warned when their channel is public.
import { type APIChannel, type APIGuild, PermissionFlagsBits, type REST, Routes } from 'discord.js';

export type Visibility = 'everyone' | 'restricted' | 'unknown';

export async function channelVisibility(rest: REST, guildId: string, channelId: string): Promise<Visibility> {
  try {
    const [guild, channel] = (await Promise.all([
      rest.get(Routes.guild(guildId)),
      rest.get(Routes.channel(channelId)),
    ])) as [APIGuild, APIChannel];
    const view = PermissionFlagsBits.ViewChannel;
    const everyone = guild.roles.find((r) => r.id === guildId);
    let visible = everyone ? (BigInt(everyone.permissions) & view) === view : false;
    const overwrites = 'permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : [];
    const overwrite = overwrites.find((o) => o.id === guildId);
    if (overwrite && (BigInt(overwrite.deny) & view) === view) visible = false;
    if (overwrite && (BigInt(overwrite.allow) & view) === view) visible = true;
    return visible ? 'everyone' : 'restricted';
  } catch {
    return 'unknown';
  }
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
