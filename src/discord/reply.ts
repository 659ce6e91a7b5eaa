// Every message the bot sends goes through here or notify/: mentions are off unless a member is meant to be pinged,
// and every reply is fitted to Discord's size limits (fitMessage) so that no input can make an answer fail.
import {
  type ActionRowBuilder,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
  type ButtonBuilder,
  type ChatInputCommandInteraction,
  EmbedBuilder,
  type EmbedFooterOptions,
  MessageFlags,
  type RestOrArray,
  type StringSelectMenuBuilder,
} from 'discord.js';
import { COLORS, fitMessage, NO_MENTIONS, safe } from '../notify/format.ts';

export { COLORS, discordTime, quoted } from '../notify/format.ts';

export interface ReplyBody {
  content?: string;
  embeds?: (APIEmbed | EmbedBuilder)[];
  components?: Array<
    | ActionRowBuilder<ButtonBuilder>
    | ActionRowBuilder<StringSelectMenuBuilder>
    | APIActionRowComponent<APIButtonComponent>
  >;
  files?: Array<{ name: string; attachment: Buffer }>;
}

/**
 * An EmbedBuilder whose text setters store the text as given instead of throwing when it is too long (discord.js
 * validates lengths in the setter, which made a long name crash the error handler). `respond` shortens it to
 * Discord's limits in one place.
 */
class ReplyEmbed extends EmbedBuilder {
  override setTitle(title: string | null): this {
    this.data.title = title ?? undefined;
    return this;
  }
  override setDescription(description: string | null): this {
    this.data.description = description ?? undefined;
    return this;
  }
  override setFooter(options: EmbedFooterOptions | null): this {
    this.data.footer = options ? { text: options.text, icon_url: options.iconURL } : undefined;
    return this;
  }
  override addFields(...fields: RestOrArray<APIEmbedField>): this {
    this.data.fields = [...(this.data.fields ?? []), ...fields.flat()];
    return this;
  }
}

/** Answers an interaction privately, whether it was deferred, replied to, or neither. */
export async function respond(interaction: ChatInputCommandInteraction, body: ReplyBody): Promise<void> {
  const fitted = fitMessage({
    ...(body.content !== undefined ? { content: body.content } : {}),
    ...(body.embeds ? { embeds: body.embeds.map((e) => (e instanceof EmbedBuilder ? e.toJSON() : e)) } : {}),
  });
  const payload = {
    ...fitted,
    ...(body.components ? { components: body.components } : {}),
    ...(body.files ? { files: body.files } : {}),
    allowedMentions: NO_MENTIONS,
  };
  if (interaction.deferred) await interaction.editReply(payload);
  else if (interaction.replied) await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
}

export function embed(title: string, color: number = COLORS.info): EmbedBuilder {
  return new ReplyEmbed().setTitle(title).setColor(color);
}

/** "Done" with `text`; the title comes translated from a command that answers in the member's language. */
export const ok = (text: string, title = 'Done') => ({
  embeds: [embed(title, COLORS.ok).setDescription(text)],
});
export const refusal = (text: string, title = 'Not done') => ({
  embeds: [embed(title, COLORS.bad).setDescription(text)],
});

/** Escapes Discord markdown in text a member controls (usernames, titles) and breaks @ so it never pings. */
export const plain = safe;
