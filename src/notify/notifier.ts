// One Notifier interface; the Discord implementation sends DMs and admin alerts, email goes through the Mailer.
import type { APIEmbed, Client } from 'discord.js';
import type { Logger } from '../log.ts';
import type { Mailer } from './email.ts';
import { fitMessage, NO_MENTIONS } from './format.ts';

export interface NoticeMessage {
  content?: string;
  embeds: APIEmbed[];
  /** Attachments (the weekly report's chart); an embed shows one with `attachment://<name>`. */
  files?: Array<{ name: string; attachment: Buffer }>;
}

/** `messageId` is the Discord message that was posted (alerts), so it can be edited later. */
export type Delivery = { ok: true; messageId?: string } | { ok: false; reason: string };

export interface Notifier {
  /** Sends a direct message; a member with closed DMs gives { ok: false, reason }. */
  dm(discordUserId: string, message: NoticeMessage): Promise<Delivery>;
  /** Posts in the admins' alerts channel (or says why it could not). */
  alert(channelId: string | null, message: NoticeMessage): Promise<Delivery>;
  /** Replaces the content of an alert posted earlier (e.g. when a stop turned out not to work). */
  editAlert(channelId: string | null, messageId: string, message: NoticeMessage): Promise<Delivery>;
  email(to: string | null, subject: string, text: string): Promise<Delivery>;
}

const discordReason = (err: unknown): string => {
  const e = err as { code?: number; status?: number; message?: string };
  if (e.code === 50007) return 'the member does not accept direct messages from this server';
  if (e.code === 10003 || e.code === 10013) return 'Discord no longer knows this channel or user';
  if (e.code === 50001 || e.code === 50013) return 'the bot lacks permission to post there';
  return `Discord refused the message (${e.status ?? e.code ?? 'error'})`;
};

export class DiscordNotifier implements Notifier {
  constructor(
    private readonly client: Client,
    private readonly mailer: Mailer | null,
    private readonly log: Logger,
  ) {}

  async dm(discordUserId: string, message: NoticeMessage): Promise<Delivery> {
    try {
      const user = await this.client.users.fetch(discordUserId);
      await user.send({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return { ok: true };
    } catch (err) {
      this.log.warn({ err, user: discordUserId }, 'direct message not delivered');
      return { ok: false, reason: discordReason(err) };
    }
  }

  async alert(channelId: string | null, message: NoticeMessage): Promise<Delivery> {
    if (!channelId) return { ok: false, reason: 'no alerts channel is set (`/enforcement alerts-channel`)' };
    try {
      const channel = await this.client.channels.fetch(channelId);
      if (!channel?.isSendable()) return { ok: false, reason: 'the alerts channel is not a text channel' };
      const sent = await channel.send({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return { ok: true, messageId: sent.id };
    } catch (err) {
      this.log.warn({ err, channel: channelId }, 'alert not delivered');
      return { ok: false, reason: discordReason(err) };
    }
  }

  async editAlert(channelId: string | null, messageId: string, message: NoticeMessage): Promise<Delivery> {
    if (!channelId) return { ok: false, reason: 'no alerts channel is set (`/enforcement alerts-channel`)' };
    try {
      const channel = await this.client.channels.fetch(channelId);
      if (!channel?.isTextBased()) return { ok: false, reason: 'the alerts channel is not a text channel' };
      await channel.messages.edit(messageId, { ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return { ok: true, messageId };
    } catch (err) {
      this.log.warn({ err, channel: channelId }, 'alert not updated');
      return { ok: false, reason: discordReason(err) };
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
      return { ok: false, reason: (err as Error).message };
    }
  }
}
