// The one interaction path: find the command, check admin rights, run it, and turn errors into private answers.

import { randomUUID } from 'node:crypto';
import type { AutocompleteInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js';
import type { AppContext } from '../context.ts';
import { isDatabaseUnavailable } from '../db/client.ts';
import { mayUseAdminCommand, requireAdminCommand } from '../discord/admin-access.ts';
import type { Command } from '../discord/command.ts';
import { checkOptionValues } from '../discord/option-limits.ts';
import { refusal, respond } from '../discord/reply.ts';
import { languageOf, translator } from '../i18n/index.ts';
import { rememberLocale } from '../services/languages.ts';
import { UserError } from '../user-error.ts';
import { handleButton } from './buttons.ts';

function inOwnGuild(interaction: Interaction, ctx: AppContext): boolean {
  return interaction.inGuild() && interaction.guildId === ctx.config.guildId;
}

const definitions = new WeakMap<Command, ReturnType<Command['data']['toJSON']>>();
/** The command's definition as registered, built once per command. */
function definition(command: Command) {
  let json = definitions.get(command);
  if (!json) {
    json = command.data.toJSON();
    definitions.set(command, json);
  }
  return json;
}

/**
 * Handles one interaction. Never rejects: an error while answering (even while answering an error) is logged, so
 * no input can make the process exit.
 */
export async function handleInteraction(
  interaction: Interaction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  try {
    if (interaction.isAutocomplete()) await autocomplete(interaction, commands, ctx);
    else if (interaction.isChatInputCommand()) await chatInput(interaction, commands, ctx);
    else if (interaction.isButton()) await handleButton(interaction, commands, ctx);
  } catch (err) {
    ctx.log.error({ err }, 'interaction handler failed');
  }
}

async function autocomplete(
  interaction: AutocompleteInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  const command = commands.get(interaction.commandName);
  if (!command?.autocomplete) return;
  // Names are only suggested in the bot's own community, as commands only run there.
  if (!inOwnGuild(interaction, ctx)) return void (await interaction.respond([]));
  if (command.adminOnly && !(await mayUseAdminCommand(interaction, ctx, command.data.name)))
    return void (await interaction.respond([]));
  try {
    await command.autocomplete(interaction, ctx);
  } catch (err) {
    ctx.log.warn({ err, command: interaction.commandName }, 'autocomplete failed');
    if (!interaction.responded) await interaction.respond([]).catch(() => {});
  }
}

async function chatInput(
  interaction: ChatInputCommandInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  const command = commands.get(interaction.commandName);
  if (!command) return;
  const t = translator(languageOf(interaction.locale));
  try {
    if (!inOwnGuild(interaction, ctx)) throw new UserError(t('common.onlyCommunity'));
    // Notices without an interaction (DMs) are written in the language the member last used a command in.
    await rememberLocale(ctx.db, interaction.user.id, interaction.locale, interaction.guildLocale).catch(
      (err: unknown) => {
        if (isDatabaseUnavailable(err)) throw err;
        ctx.log.warn({ err }, 'could not store the member’s language');
      },
    );
    if (command.adminOnly) await requireAdminCommand(interaction, ctx, command.data.name);
    checkOptionValues(definition(command).options, interaction.options.data);
    await command.execute(interaction, ctx);
  } catch (err) {
    if (err instanceof UserError) {
      await respond(interaction, refusal(err.message, t('common.notDone'))).catch((e) =>
        ctx.log.warn({ err: e }, 'reply failed'),
      );
      return;
    }
    if (isDatabaseUnavailable(err)) {
      ctx.log.warn({ err, command: interaction.commandName }, 'command refused: the database is unavailable');
      await respond(interaction, refusal(t('common.databaseUnavailable'), t('common.notDone'))).catch((e) =>
        ctx.log.warn({ err: e }, 'reply failed'),
      );
      return;
    }
    const id = randomUUID().slice(0, 8);
    ctx.log.error(
      { err, errorId: id, command: interaction.commandName, sub: interaction.options.getSubcommand(false) },
      'command failed',
    );
    await respond(interaction, refusal(t('common.failed', { id }), t('common.notDone'))).catch((e) =>
      ctx.log.warn({ err: e }, 'reply failed'),
    );
  }
}
