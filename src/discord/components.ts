// Previous/Next buttons for paged answers (/audit, /activity). The whole state lives in the button's custom_id
// (command, owner, when issued, page, filters), so paging needs no memory and survives a restart. Only the person who
// ran the command can page, and the buttons stop PAGE_BUTTONS_TTL_MS after the command, by the bot's clock.
import {
  ActionRowBuilder,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
  type EmbedBuilder,
  MessageFlags,
} from 'discord.js';
import type { AppContext } from '../context.ts';
import { fitMessage, NO_MENTIONS } from '../notify/format.ts';
import { parseLinkRequestButtonId } from '../notify/link-requests.ts';
import { parseStopButtonId } from '../notify/notices.ts';
import { decideLinkRequest } from '../services/link-requests.ts';
import { stopFromWarning } from '../services/warnings.ts';
import { requireAdminCommand } from './admin-access.ts';
import type { Command } from './command.ts';
import { UserError } from './errors.ts';
import { refusal, respond } from './reply.ts';

export const PAGE_BUTTONS_TTL_MS = 15 * 60 * 1000;
const PREFIX = 'page';
/** Discord's limit on a component's custom_id. */
const MAX_CUSTOM_ID = 100;

export interface PageView {
  embeds: EmbedBuilder[];
  hasNext: boolean;
}

/** A command whose answer pages: filters are strings (ids, names) carried in the buttons. */
export interface Pager {
  render(ctx: AppContext, filters: readonly string[], page: number): Promise<PageView>;
}

export interface PageState {
  command: string;
  owner: string;
  issuedAt: Date;
  page: number;
  filters: string[];
}

export function encodePageId(state: PageState): string {
  if (state.filters.some((f) => f.includes('|'))) throw new Error('a page filter cannot contain "|"');
  const id = [
    PREFIX,
    state.command,
    state.owner,
    Math.floor(state.issuedAt.getTime() / 1000).toString(36),
    String(state.page),
    ...state.filters,
  ].join('|');
  if (id.length > MAX_CUSTOM_ID) throw new Error(`page button id too long (${id.length})`);
  return id;
}

export function decodePageId(customId: string): PageState | null {
  const [prefix, command, owner, issued, page, ...filters] = customId.split('|');
  if (prefix !== PREFIX || !command || !owner || !issued || !page) return null;
  const issuedSeconds = Number.parseInt(issued, 36);
  const pageNumber = Number(page);
  if (!Number.isFinite(issuedSeconds) || !Number.isInteger(pageNumber) || pageNumber < 0) return null;
  return { command, owner, issuedAt: new Date(issuedSeconds * 1000), page: pageNumber, filters };
}

function buttons(state: PageState, hasNext: boolean): ActionRowBuilder<ButtonBuilder>[] {
  if (state.page === 0 && !hasNext) return [];
  const to = (page: number) => encodePageId({ ...state, page });
  return [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(to(Math.max(0, state.page - 1)))
        .setLabel('Previous')
        .setStyle(ButtonStyle.Secondary)
        .setDisabled(state.page === 0),
      new ButtonBuilder()
        .setCustomId(to(state.page + 1))
        .setLabel('Next')
        .setStyle(ButtonStyle.Secondary)
        .setDisabled(!hasNext),
    ),
  ];
}

/** Answers a command with its first page and, when there is more, the buttons. */
export async function replyPaged(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  pager: Pager,
  filters: string[],
): Promise<void> {
  const state: PageState = {
    command: interaction.commandName,
    owner: interaction.user.id,
    issuedAt: ctx.clock(),
    page: 0,
    filters,
  };
  const view = await pager.render(ctx, filters, 0);
  await respond(interaction, { embeds: view.embeds, components: buttons(state, view.hasNext) });
}

async function turnPage(
  interaction: ButtonInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  const state = decodePageId(interaction.customId);
  const command = state ? commands.get(state.command) : undefined;
  if (!state || !command?.pager) throw new UserError('This button no longer works. Run the command again.');
  const again = `Run \`/${state.command}\` yourself to get your own pages.`;
  if (interaction.user.id !== state.owner) {
    throw new UserError(`Only the person who ran \`/${state.command}\` can turn its pages. ${again}`);
  }
  if (command.adminOnly) await requireAdminCommand(interaction, ctx, state.command);
  if (ctx.clock().getTime() - state.issuedAt.getTime() > PAGE_BUTTONS_TTL_MS) {
    throw new UserError(
      `These buttons stopped working 15 minutes after the command. Run \`/${state.command}\` again.`,
    );
  }
  const view = await command.pager.render(ctx, state.filters, state.page);
  await interaction.update({
    ...fitMessage({ embeds: view.embeds.map((e) => e.toJSON()) }),
    components: buttons(state, view.hasNext),
    allowedMentions: NO_MENTIONS,
  });
}

/** The button path of handleInteraction: refusals are private, and nothing else is touched. */
export async function handleButton(
  interaction: ButtonInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  try {
    // A warning's "Stop this one" lives in a DM: it is checked against the member it was sent to instead.
    const stop = parseStopButtonId(interaction.customId);
    if (stop) {
      const message = await stopFromWarning(ctx, { ...stop, userId: interaction.user.id }, () =>
        interaction.deferUpdate(),
      );
      await interaction.editReply({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return;
    }
    if (interaction.guildId !== ctx.config.guildId) {
      throw new UserError('Streamwarden only answers in its community server.');
    }
    const request = parseLinkRequestButtonId(interaction.customId);
    if (request) {
      // The link is the admins' own, as with `/user link`: whoever may use /user decides.
      await requireAdminCommand(interaction, ctx, 'user', 'Approving or refusing a link change');
      const message = await decideLinkRequest(ctx, { ...request, adminId: interaction.user.id });
      await interaction.update({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return;
    }
    await turnPage(interaction, commands, ctx);
  } catch (err) {
    if (!(err instanceof UserError)) ctx.log.error({ err, button: interaction.customId }, 'button failed');
    const message =
      err instanceof UserError ? err.message : 'Something went wrong on our side; run the command again.';
    const body = {
      ...refusal(message),
      allowedMentions: NO_MENTIONS,
      flags: MessageFlags.Ephemeral,
    } as const;
    await (interaction.replied || interaction.deferred
      ? interaction.followUp(body)
      : interaction.reply(body)
    ).catch((e) => ctx.log.warn({ err: e }, 'button reply failed'));
  }
}
