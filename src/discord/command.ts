import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { AppContext } from '../context.ts';
import type { Pager } from './pages.ts';

export interface Command {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Admin commands default to Manage Server in Discord; the bot checks again itself (admin-access.ts). */
  adminOnly: boolean;
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: AppContext): Promise<void>;
  /** Renders the pages its Previous/Next buttons turn to (src/gateway/buttons.ts). */
  pager?: Pager;
}
