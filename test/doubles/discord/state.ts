import type {
  APIApplicationCommandPermission,
  APIEmbed,
  APIRole,
  RESTPutAPIApplicationCommandsJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Upload } from './message-body.ts';
import type {
  DiscordDoubleOptions,
  DoubleChannel,
  DoubleUser,
  RecordedMessage,
  RecordedRequest,
} from './types.ts';

const DISCORD_EPOCH = 1420070400000n;

/** Every permission bit Discord defines today (what Discord reports for administrators and owners). */
export const ALL_PERMISSIONS = '2251799813685247';

/** What @everyone may do in the double's guild, and what ordinary members get in interactions. */
export const BASIC_PERMISSIONS = (
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseExternalEmojis |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands
).toString();

export const DEFAULT_GUILD_ID = '1000000000000000001';
export const DEFAULT_APPLICATION_ID = '1000000000000000002';
export const DEFAULT_OWNER_ID = '1000000000000000003';

/** One command definition as the bot sent it (guild or global). */
export type CommandDefinition =
  | RESTPutAPIApplicationGuildCommandsJSONBody[number]
  | RESTPutAPIApplicationCommandsJSONBody[number];

export interface StoredMember {
  user: DoubleUser;
  joinedAt: string;
  /** Role ids (the member payload's `roles`; @everyone is implied, never listed). */
  roles: string[];
}

export interface StoredMessage {
  id: string;
  channelId: string;
  content: string | null;
  embeds: APIEmbed[];
  components: unknown[];
  allowedMentions: unknown;
  flags: number;
  files: string[];
  timestamp: string;
  editedTimestamp: string | null;
  /** Set for interaction responses and follow-ups (sent through the application's webhook). */
  interaction?: { id: string; userId: string };
}

/** Mutable world of the double: one guild, its members and channels, DMs, commands, and what was recorded. */
export class DoubleState {
  readonly guildId: string;
  readonly applicationId: string;
  readonly botUser: DoubleUser;
  readonly token: string;
  readonly ownerId: string;
  readonly guildCreatedAt = new Date().toISOString();
  readonly users = new Map<string, DoubleUser>();
  /** Guild members by user id, the bot included. */
  readonly members = new Map<string, StoredMember>();
  /** Guild roles besides @everyone (whose id is the guild id), by id. */
  readonly roles = new Map<string, APIRole>();
  /** Whether the application has the privileged Server Members Intent toggled on (GET /guilds/{id}/members). */
  membersIntent = true;
  /** Whether the bot is in the guild (false until DiscordDouble.invite when started with `invited: false`). */
  invited: boolean;
  readonly channels = new Map<string, Required<DoubleChannel>>();
  readonly dmChannelByUser = new Map<string, string>();
  readonly closedDms = new Set<string>();
  /**
   * Messages by `channelId:nonce`, for `enforce_nonce`. Discord: "If true and nonce is present, it will be checked
   * for uniqueness in the past few minutes. If another message was created by the same author with the same nonce,
   * that message will be returned and no new message will be created."
   * (https://discord.com/developers/docs/resources/message#create-message-jsonform-params)
   * A nonce is remembered from the first message posted with it for `nonceWindowMs` ("a few minutes"), or until
   * `DiscordDouble.expireNonces()` (those minutes have passed); after that the same nonce posts a new message.
   */
  readonly nonces = new Map<string, { message: StoredMessage; at: number }>();
  nonceWindowMs = 3 * 60_000;
  /** Faults for the next POST /channels/{id}/messages, consumed one per request (see DiscordDouble.failNextMessages). */
  readonly messageFaults: Array<{ status: number } | { delayMs: number }> = [];
  readonly messagesByChannel = new Map<string, StoredMessage[]>();
  readonly requests: RecordedRequest[] = [];
  /** Every file the bot uploaded (multipart `files[n]`), in order. */
  readonly uploads: Upload[] = [];
  guildCommandDefs: RESTPutAPIApplicationGuildCommandsJSONBody | null = null;
  globalCommandDefs: RESTPutAPIApplicationCommandsJSONBody | null = null;
  /** Command ids by scope and name, stable across re-registration like on Discord. */
  readonly commandIds = new Map<string, string>();
  commandWrites = 0;
  /** Command permission overrides by command id (the application id: the app-wide ones). */
  readonly commandPermissions = new Map<string, APIApplicationCommandPermission[]>();
  /** When set, the GET permission routes answer this error (DiscordDouble.failCommandPermissions). */
  commandPermissionsFault: { status: number; code: number; message: string } | null = null;
  /** How long the GET permission routes take to answer (DiscordDouble.slowCommandPermissions). */
  commandPermissionsDelayMs = 0;
  private sequence = 0;

  constructor(options: DiscordDoubleOptions) {
    this.guildId = options.guildId ?? DEFAULT_GUILD_ID;
    this.applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
    this.botUser = options.botUser ?? { id: this.applicationId, username: 'Streamwarden', bot: true };
    this.token =
      options.token ??
      `${Buffer.from(this.botUser.id).toString('base64url')}.ZG91Ymxl.streamwarden-discord-double-token`;
    this.ownerId = options.ownerId ?? DEFAULT_OWNER_ID;
    this.invited = options.invited ?? true;
    this.addMember({ ...this.botUser, bot: this.botUser.bot ?? true });
    for (const member of options.members ?? []) this.addMember(member);
    if (!this.members.has(this.ownerId)) this.addMember({ id: this.ownerId, username: 'guild-owner' });
    const channels = options.channels ?? [
      { id: '1000000000000000010', name: 'general' },
      { id: '1000000000000000011', name: 'alerts' },
    ];
    for (const channel of channels) this.addChannel(channel);
  }

  nextId(): string {
    this.sequence += 1;
    return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | BigInt(this.sequence & 0x3fffff)).toString();
  }

  addMember(user: DoubleUser): void {
    this.users.set(user.id, user);
    const existing = this.members.get(user.id);
    this.members.set(user.id, {
      user,
      joinedAt: existing?.joinedAt ?? new Date().toISOString(),
      roles: existing?.roles ?? [],
    });
  }

  addChannel(channel: DoubleChannel): Required<DoubleChannel> {
    const stored = {
      id: channel.id,
      name: channel.name,
      type: channel.type ?? 'text',
      overwrites: channel.overwrites ?? [],
    };
    this.channels.set(channel.id, stored);
    return stored;
  }

  firstTextChannel(): Required<DoubleChannel> {
    for (const channel of this.channels.values()) if (channel.type === 'text') return channel;
    throw new Error('DiscordDouble: the guild has no text channel');
  }

  dmChannelFor(userId: string): string {
    let id = this.dmChannelByUser.get(userId);
    if (id === undefined) {
      id = this.nextId();
      this.dmChannelByUser.set(userId, id);
    }
    return id;
  }

  /** The user whose DM channel this is, if it is one. */
  dmRecipient(channelId: string): string | undefined {
    for (const [userId, id] of this.dmChannelByUser) if (id === channelId) return userId;
    return undefined;
  }

  /** A new bot message built from a create body; `interaction` marks interaction responses and follow-ups. */
  newMessage(
    channelId: string,
    fields: {
      content?: string | null;
      embeds?: APIEmbed[];
      components?: unknown[];
      allowedMentions?: unknown;
      files: string[];
    },
    flags: number,
    interaction?: StoredMessage['interaction'],
  ): StoredMessage {
    return {
      id: this.nextId(),
      channelId,
      content: fields.content ?? null,
      embeds: fields.embeds ?? [],
      components: fields.components ?? [],
      allowedMentions: fields.allowedMentions,
      flags,
      files: fields.files,
      timestamp: new Date().toISOString(),
      editedTimestamp: null,
      ...(interaction ? { interaction } : {}),
    };
  }

  storeMessage(message: StoredMessage): void {
    const list = this.messagesByChannel.get(message.channelId) ?? [];
    list.push(message);
    this.messagesByChannel.set(message.channelId, list);
  }

  /** Messages posted with POST /channels/{id}/messages (interaction replies live in the interaction tracker). */
  channelMessages(channelId: string): RecordedMessage[] {
    return (this.messagesByChannel.get(channelId) ?? []).map((message) => ({
      id: message.id,
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      allowedMentions: message.allowedMentions,
      files: message.files,
    }));
  }

  findMessage(channelId: string, messageId: string): StoredMessage | undefined {
    return this.messagesByChannel.get(channelId)?.find((message) => message.id === messageId);
  }

  commandId(scope: 'guild' | 'global', name: string): string {
    const key = `${scope}:${name}`;
    let id = this.commandIds.get(key);
    if (id === undefined) {
      id = this.nextId();
      this.commandIds.set(key, id);
    }
    return id;
  }

  clearRecords(): void {
    this.nonces.clear();
    this.messageFaults.length = 0;
    this.requests.length = 0;
    this.uploads.length = 0;
    this.messagesByChannel.clear();
  }
}
