// Every message the bot sends goes through here or notify/: mentions are off unless a member is meant to be pinged.
import {
  type ActionRowBuilder,
  type APIEmbed,
  type ButtonBuilder,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  MessageFlags,
} from 'discord.js';
import { COLORS, NO_MENTIONS, safe } from '../notify/format.ts';

export { COLORS, discordTime } from '../notify/format.ts';

export interface ReplyBody {
  content?: string;
  embeds?: (APIEmbed | EmbedBuilder)[];
  components?: ActionRowBuilder<ButtonBuilder>[];
  files?: Array<{ name: string; attachment: Buffer }>;
}

/** Answers an interaction privately, whether it was deferred, replied to, or neither. */
export async function respond(interaction: ChatInputCommandInteraction, body: ReplyBody): Promise<void> {
  const payload = { ...body, allowedMentions: NO_MENTIONS };
  if (interaction.deferred) await interaction.editReply(payload);
  else if (interaction.replied) await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
}

export function embed(title: string, color: number = COLORS.info): EmbedBuilder {
  return new EmbedBuilder().setTitle(title).setColor(color);
}

export const ok = (text: string) => ({ embeds: [embed('Done', COLORS.ok).setDescription(text)] });
export const refusal = (text: string) => ({ embeds: [embed('Not done', COLORS.bad).setDescription(text)] });

/** Escapes Discord markdown in text a member controls (usernames, titles) and breaks @ so it never pings. */
export const plain = safe;
