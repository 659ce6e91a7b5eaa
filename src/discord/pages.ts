// Previous/Next buttons for paged answers (/audit, /activity). The whole state lives in the button's custom_id
// (command, owner, when issued, page, filters), so paging needs no memory and survives a restart. Only the person who
// ran the command can page, and the buttons stop PAGE_BUTTONS_TTL_MS after the command, by the bot's clock.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  type ChatInputCommandInteraction,
  type EmbedBuilder,
} from 'discord.js';
import type { AppContext } from '../context.ts';
import { respond } from './reply.ts';

const PREFIX = 'page';
/** Discord's limit on a component's custom_id. */
const MAX_CUSTOM_ID = 100;

export const PAGE_BUTTONS_TTL_MS = 15 * 60 * 1000;

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

export function buttons(state: PageState, hasNext: boolean): ActionRowBuilder<ButtonBuilder>[] {
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
