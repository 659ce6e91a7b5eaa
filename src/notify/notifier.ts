// One Notifier interface; the Discord implementation sends DMs and admin alerts, email goes through the Mailer.
import type {
  APIActionRowComponent,
  APIButtonComponent,
  APIEmbed,
  Client,
  Message,
  TextBasedChannel,
} from 'discord.js';
import type { Logger } from '../log.ts';
import type { Mailer } from './email.ts';
import { fitMessage, NO_MENTIONS } from './format.ts';

export interface NoticeMessage {
  content?: string;
  embeds: APIEmbed[];
  /** Attachments (the weekly report's chart); an embed shows one with `attachment://<name>`. */
  files?: Array<{ name: string; attachment: Buffer }>;
  /** Message components as Discord's JSON (action rows of buttons: the warning's "Stop this one"). */
  components?: APIActionRowComponent<APIButtonComponent>[];
}

/**
 * `messageId` is the Discord message that was posted (alerts), so it can be edited later. A failure is
 * `retryable` when trying again later may work (Discord answered 5xx or 429, a timeout, a network error), and not
 * when it cannot (DMs closed, channel gone, no permission, no alerts channel set).
 */
export type Delivery =
  | { ok: true; messageId?: string; channelId?: string }
  | { ok: false; reason: string; retryable?: boolean };

export interface SendOptions {
  /**
   * Discord message nonce, sent with `enforce_nonce`: Discord returns the message created earlier with the same
   * nonce instead of creating a second one, so a retry after a timeout never posts twice.
   */
  nonce?: string;
  /**
   * An earlier attempt at this message, made at this time, may have reached Discord, and so long ago that the nonce
   * no longer guards against a second copy (`NONCE_TRUSTED_MS`): the channel's recent messages are searched for
   * that copy first, and it is answered instead of posting again.
   */
  earlierAttemptAt?: Date;
}

/**
 * How long after a message's first attempt its nonce is trusted to de-duplicate retries. Discord checks an
 * `enforce_nonce` nonce "for uniqueness in the past few minutes" (Create Message, JSON params); two minutes stays
 * well inside that, and a later retry looks for the earlier copy instead (`SendOptions.earlierAttemptAt`).
 */
export const NONCE_TRUSTED_MS = 2 * 60_000;
/** How many of a channel's latest messages are searched for an earlier copy (Get Channel Messages' default). */
const RECENT_MESSAGES = 50;
/** Clock difference allowed between the bot and Discord when telling an earlier copy by its time. */
const CLOCK_SLACK_MS = 60_000;

export interface Notifier {
  /** Sends a direct message; a member with closed DMs gives { ok: false, reason }. */
  dm(discordUserId: string, message: NoticeMessage, options?: SendOptions): Promise<Delivery>;
  /** Posts in the admins' alerts channel (or says why it could not). */
  alert(channelId: string | null, message: NoticeMessage, options?: SendOptions): Promise<Delivery>;
  /** Replaces the content of an alert posted earlier (e.g. when a stop turned out not to work). */
  editAlert(channelId: string | null, messageId: string, message: NoticeMessage): Promise<Delivery>;
  email(to: string | null, subject: string, text: string): Promise<Delivery>;
}

function failure(err: unknown): { ok: false; reason: string; retryable: boolean } {
  const e = err as { code?: number | string; status?: number; name?: string };
  if (e.code === 50007)
    return {
      ok: false,
      reason: 'the member does not accept direct messages from this server',
      retryable: false,
    };
  if (e.code === 10003 || e.code === 10013)
    return { ok: false, reason: 'Discord no longer knows this channel or user', retryable: false };
  if (e.code === 50001 || e.code === 50013)
    return { ok: false, reason: 'the bot lacks permission to post there', retryable: false };
  // No HTTP status (a timeout, a reset connection), a server error or a rate limit: worth another try later.
  const status = typeof e.status === 'number' ? e.status : null;
  const retryable = status === null || status >= 500 || status === 429;
  const why = status ?? (typeof e.code === 'string' ? e.code : (e.name ?? 'error'));
  return { ok: false, reason: `Discord did not take the message (${why})`, retryable };
}

const nonceOptions = (o?: SendOptions) => (o?.nonce ? { nonce: o.nonce, enforceNonce: true } : {});

/** What tells a copy of the message: its text and each embed's title and description (as sent, fitted). */
const fingerprint = (content: string | null | undefined, embeds: ReadonlyArray<Partial<APIEmbed>>) =>
  JSON.stringify([content ?? '', embeds.map((e) => [e.title ?? null, e.description ?? null])]);

/** The bot's own copy of `message` posted in `channel` since `since`, or null (fetched messages carry no nonce). */
async function earlierCopy(
  client: Client,
  channel: TextBasedChannel,
  message: NoticeMessage,
  since: Date,
): Promise<Message | null> {
  const recent = await channel.messages.fetch({ limit: RECENT_MESSAGES });
  const wanted = fingerprint(message.content, message.embeds);
  return (
    recent.find(
      (m) =>
        m.author.id === client.user?.id &&
        m.createdTimestamp >= since.getTime() - CLOCK_SLACK_MS &&
        fingerprint(
          m.content,
          m.embeds.map((e) => e.data),
        ) === wanted,
    ) ?? null
  );
}

export class DiscordNotifier implements Notifier {
  constructor(
    private readonly client: Client,
    private readonly mailer: Mailer | null,
    private readonly log: Logger,
  ) {}

  async dm(discordUserId: string, message: NoticeMessage, options?: SendOptions): Promise<Delivery> {
    try {
      const user = await this.client.users.fetch(discordUserId);
      const fitted = fitMessage(message);
      if (options?.earlierAttemptAt) {
        const copy = await earlierCopy(this.client, await user.createDM(), fitted, options.earlierAttemptAt);
        if (copy) return { ok: true, messageId: copy.id, channelId: copy.channelId };
      }
      const sent = await user.send({
        ...fitted,
        allowedMentions: NO_MENTIONS,
        ...nonceOptions(options),
      });
      return { ok: true, messageId: sent.id, channelId: sent.channelId };
    } catch (err) {
      this.log.warn({ err, user: discordUserId }, 'direct message not delivered');
      return failure(err);
    }
  }

  async alert(channelId: string | null, message: NoticeMessage, options?: SendOptions): Promise<Delivery> {
    if (!channelId) return { ok: false, reason: 'no alerts channel is set (`/enforcement alerts-channel`)' };
    try {
      const channel = await this.client.channels.fetch(channelId, { allowUnknownGuild: true });
      if (!channel?.isSendable() || !channel.isTextBased())
        return { ok: false, reason: 'the alerts channel is not a text channel' };
      const fitted = fitMessage(message);
      if (options?.earlierAttemptAt) {
        const copy = await earlierCopy(this.client, channel, fitted, options.earlierAttemptAt);
        if (copy) return { ok: true, messageId: copy.id };
      }
      const sent = await channel.send({
        ...fitted,
        allowedMentions: NO_MENTIONS,
        ...nonceOptions(options),
      });
      return { ok: true, messageId: sent.id };
    } catch (err) {
      this.log.warn({ err, channel: channelId }, 'alert not delivered');
      return failure(err);
    }
  }

  async editAlert(channelId: string | null, messageId: string, message: NoticeMessage): Promise<Delivery> {
    if (!channelId) return { ok: false, reason: 'no alerts channel is set (`/enforcement alerts-channel`)' };
    try {
      const channel = await this.client.channels.fetch(channelId, { allowUnknownGuild: true });
      if (!channel?.isTextBased()) return { ok: false, reason: 'the alerts channel is not a text channel' };
      await channel.messages.edit(messageId, { ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return { ok: true, messageId };
    } catch (err) {
      this.log.warn({ err, channel: channelId }, 'alert not updated');
      return failure(err);
    }
  }

  async email(to: string | null, subject: string, text: string): Promise<Delivery> {
    if (!this.mailer) return { ok: false, reason: 'email is not configured' };
    if (!to) return { ok: false, reason: 'no email address is known for this member' };
    try {
      await this.mailer.send({ to, subject, text });
      return { ok: true };
    } catch (err) {
      this.log.warn({ err }, 'email not delivered');
      // An SMTP 5xx answer is permanent; anything else (a connection refused, a 4xx "try later") may pass later.
      const code = (err as { responseCode?: number }).responseCode;
      return { ok: false, reason: (err as Error).message, retryable: !(code && code >= 500) };
    }
  }
}
