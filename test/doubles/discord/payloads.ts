import type {
  APIApplication,
  APIAttachment,
  APIChannel,
  APIGuildMember,
  APIMessage,
  APIRole,
  APIUser,
  ApplicationFlags,
  GuildMemberFlags,
  RoleFlags,
} from 'discord-api-types/v10';
import { ChannelType, InteractionType, MessageType } from 'discord-api-types/v10';
import type { DoubleState, StoredMember, StoredMessage } from './state.ts';
import { BASIC_PERMISSIONS } from './state.ts';
import type { DoubleChannel, DoubleUser } from './types.ts';

export function userPayload(user: DoubleUser): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName ?? null,
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
}

export function memberPayload(member: StoredMember): APIGuildMember {
  return {
    user: userPayload(member.user),
    nick: null,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    communication_disabled_until: null,
    flags: 0 as GuildMemberFlags,
  };
}

export const CHANNEL_TYPES = {
  text: ChannelType.GuildText,
  voice: ChannelType.GuildVoice,
  category: ChannelType.GuildCategory,
} as const;

export function channelPayload(state: DoubleState, channel: Required<DoubleChannel>): APIChannel {
  const position = [...state.channels.keys()].indexOf(channel.id);
  const common = {
    id: channel.id,
    guild_id: state.guildId,
    name: channel.name,
    position,
    permission_overwrites: channel.overwrites,
    nsfw: false,
    flags: 0,
  };
  switch (channel.type) {
    case 'voice':
      return {
        ...common,
        type: ChannelType.GuildVoice,
        parent_id: null,
        bitrate: 64000,
        user_limit: 0,
        rtc_region: null,
        last_message_id: null,
        rate_limit_per_user: 0,
      };
    case 'category':
      return { ...common, type: ChannelType.GuildCategory, parent_id: null };
    default:
      return {
        ...common,
        type: ChannelType.GuildText,
        parent_id: null,
        topic: null,
        last_message_id: null,
        rate_limit_per_user: 0,
      };
  }
}

export function dmChannelPayload(state: DoubleState, user: DoubleUser): APIChannel {
  return {
    id: state.dmChannelFor(user.id),
    type: ChannelType.DM,
    name: null,
    last_message_id: null,
    recipients: [userPayload(user)],
  };
}

export function everyoneRole(state: DoubleState): APIRole {
  return {
    id: state.guildId,
    name: '@everyone',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 0,
    permissions: BASIC_PERMISSIONS,
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

/** The guild object of GET /guilds/{id} (REST); the gateway adds members, channels, … in GUILD_CREATE. */
export function guildPayload(state: DoubleState): Record<string, unknown> {
  return {
    id: state.guildId,
    name: 'Streamwarden Test Guild',
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: state.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [everyoneRole(state), ...state.roles.values()],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_members: 500000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    hub_type: null,
    incidents_data: null,
  };
}

export function guildCreatePayload(state: DoubleState): Record<string, unknown> {
  return {
    ...guildPayload(state),
    joined_at: state.members.get(state.botUser.id)?.joinedAt ?? state.guildCreatedAt,
    large: false,
    unavailable: false,
    lazy: true,
    member_count: state.members.size,
    voice_states: [],
    members: [...state.members.values()].map(memberPayload),
    channels: [...state.channels.values()].map((channel) => channelPayload(state, channel)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function applicationPayload(state: DoubleState): APIApplication {
  return {
    id: state.applicationId,
    name: state.botUser.username,
    icon: null,
    description: '',
    bot_public: false,
    bot_require_code_grant: false,
    bot: userPayload(state.botUser),
    owner: userPayload(state.users.get(state.ownerId) ?? state.botUser),
    summary: '',
    verify_key: '0'.repeat(64),
    team: null,
    flags: 0 as ApplicationFlags,
    flags_new: '0',
    approximate_guild_count: 1,
  };
}

function attachmentPayloads(message: StoredMessage): APIAttachment[] {
  return message.files.map((filename, index) => ({
    id: `${message.id}${index}`,
    filename,
    size: 0,
    url: `https://cdn.discordapp.com/attachments/${message.channelId}/${message.id}/${filename}`,
    proxy_url: `https://media.discordapp.net/attachments/${message.channelId}/${message.id}/${filename}`,
  }));
}

/** A complete message object, as Discord returns it from message-creating REST routes. */
export function messagePayload(state: DoubleState, message: StoredMessage): APIMessage {
  const base: APIMessage = {
    id: message.id,
    channel_id: message.channelId,
    author: userPayload(state.botUser),
    content: message.content ?? '',
    timestamp: message.timestamp,
    edited_timestamp: message.editedTimestamp,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: attachmentPayloads(message),
    embeds: message.embeds,
    pinned: false,
    type: message.interaction ? MessageType.ChatInputCommand : MessageType.Default,
    flags: message.flags,
    components: message.components as APIMessage['components'],
  };
  if (!message.interaction) return base;
  const invoker = state.users.get(message.interaction.userId);
  return {
    ...base,
    webhook_id: state.applicationId,
    application_id: state.applicationId,
    interaction_metadata: {
      id: message.interaction.id,
      type: InteractionType.ApplicationCommand,
      user: userPayload(invoker ?? { id: message.interaction.userId, username: 'unknown' }),
      authorizing_integration_owners: { '0': state.guildId },
    },
  };
}
