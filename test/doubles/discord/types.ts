import type { APIEmbed } from 'discord-api-types/v10';

export interface DoubleUser {
  id: string;
  username: string;
  globalName?: string | null;
  bot?: boolean;
}

/** Guild channel known to the double. `type` defaults to `'text'`. */
export interface DoubleChannel {
  id: string;
  name: string;
  type?: 'text' | 'voice' | 'category';
  /**
   * Permission overwrites as Discord sends them (resources/channel#overwrite-object: `type` 0 = role, 1 = member;
   * `allow`/`deny` permission bit sets as decimal strings). The @everyone role's id is the guild id. Default: none.
   */
  overwrites?: Array<{ id: string; type: 0 | 1; allow: string; deny: string }>;
}

export interface DiscordDoubleOptions {
  guildId?: string;
  applicationId?: string;
  /** Defaults to a bot user whose id equals the application id (as on Discord). */
  botUser?: DoubleUser;
  token?: string;
  /** Guild owner. When not among `members` it is added as a member (username `guild-owner`). */
  ownerId?: string;
  /** Guild members besides the bot. */
  members?: DoubleUser[];
  /** Default: text channels `general` and `alerts`. */
  channels?: DoubleChannel[];
  /** False: the bot has not been added to the guild yet (see DiscordDouble.invite). Default true. */
  invited?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path without the `/api/v10` prefix, e.g. `/webhooks/1/abc/messages/@original`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw string (multipart uploads, invalid JSON), or null when empty. */
  body: unknown;
}

/** A message the bot posted (channel message, DM, interaction reply or follow-up). */
export interface RecordedMessage {
  id: string;
  content: string | null;
  embeds: APIEmbed[];
  components: unknown[];
  allowedMentions: unknown;
  /** File names of multipart uploads. */
  files: string[];
}

export interface InteractionFollowUp {
  id: string;
  content: string | null;
  embeds: APIEmbed[];
  ephemeral: boolean;
  allowedMentions: unknown;
}

/** Live view of how the bot answered one interaction; keeps updating after `invoke` resolves. */
export interface InteractionReply {
  /** True when the first callback was type 5 (deferred channel message). */
  deferred: boolean;
  /** flags & 64 on the callback or on an edit. */
  ephemeral: boolean;
  content: string | null;
  embeds: APIEmbed[];
  components: unknown[];
  /** `allowed_mentions` of the latest body that set it, as sent. */
  allowedMentions: unknown;
  followUps: InteractionFollowUp[];
  /** Every body the bot sent for this interaction (callbacks, edits, follow-ups), in order. */
  raw: unknown[];
  /** Data of a type 9 (modal) callback, when the bot answered with a modal. */
  modal: unknown;
  /** True after DELETE …/messages/@original. */
  deleted: boolean;
  /** Id of the message that answers (a component's UPDATE_MESSAGE: the message the button is on). */
  messageId: string | null;
}

export interface ClickOptions {
  /** The clicking member's user id. */
  user: string;
  /** The message the button is on (an interaction reply's `messageId`, or a channel message id). */
  messageId: string;
  customId: string;
  /** Picks these values in the string select `customId` instead of clicking a button. */
  values?: string[];
  admin?: boolean;
  /** Click a button on an ephemeral message someone else was answered with (see ComponentRequest). */
  evenIfHidden?: boolean;
  /**
   * The invoker's Discord language (`locale`; default `en-US`). Discord sends it on every interaction but PING, and
   * `guild_locale` on those from a guild ("Interaction Object" in Discord's docs:
   * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object).
   */
  locale?: string;
  timeoutMs?: number;
}

export interface InvokeOptions {
  /** Invoking member's user id (must be a guild member). */
  user: string;
  command: string;
  subcommand?: string;
  group?: string;
  /** User, channel and role options are given as ids. */
  options?: Record<string, string | number | boolean>;
  /** Default: true for the guild owner, false otherwise. */
  admin?: boolean;
  /** Default: the first text channel. */
  channelId?: string;
  /**
   * The invoker's Discord language (`locale`; default `en-US`). Discord sends it on every interaction but PING, and
   * `guild_locale` on those from a guild ("Interaction Object" in Discord's docs:
   * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object).
   */
  locale?: string;
  /** The server's language (`guild_locale`, and the partial guild's `locale`); default `en-US`. */
  guildLocale?: string;
  timeoutMs?: number;
  /**
   * Send string values past the option's min/max_length as given, as Discord does for a client that loaded an
   * older, looser definition (or when it counts characters differently): the bot must check them itself.
   */
  unchecked?: boolean;
  /** Send the interaction as if from another guild the bot is in (guild_id and guild.id set to this id). */
  fromGuild?: string;
}

export interface AutocompleteOptions {
  user: string;
  command: string;
  subcommand?: string;
  group?: string;
  options?: Record<string, string | number | boolean>;
  /** Name of the focused option; its value defaults to `''` when absent from `options`. */
  focused: string;
  admin?: boolean;
  channelId?: string;
  timeoutMs?: number;
  /** Send the interaction as if from another guild the bot is in (guild_id and guild.id set to this id). */
  fromGuild?: string;
}

export interface AutocompleteChoice {
  name: string;
  value: string | number;
}
