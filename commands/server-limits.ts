// `/server limits`: the subcommand's options and its answer (the rule itself is src/decide/server-limits.ts).
import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import type { AppContext } from '../src/context.ts';
import { ok, plain, respond } from '../src/discord/reply.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import { LIMIT_MAX, type LimitClear, limitsText, setServerLimits } from '../src/services/server-limits.ts';

export const limitsSubcommand = (s: SlashCommandSubcommandBuilder) =>
  s
    .setName('limits')
    .setDescription('Cap the streams and transcodes at once on one server, whatever the plans say')
    .addStringOption((o) =>
      o
        .setName('server')
        .setDescription('Server')
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(NAME_MAX),
    )
    .addIntegerOption((o) =>
      o
        .setName('streams')
        .setDescription('At most this many streams at once (0 removes the cap)')
        .setMinValue(0)
        .setMaxValue(LIMIT_MAX),
    )
    .addIntegerOption((o) =>
      o
        .setName('transcodes')
        .setDescription('At most this many transcoded streams at once (0 removes the cap)')
        .setMinValue(0)
        .setMaxValue(LIMIT_MAX),
    )
    .addStringOption((o) =>
      o
        .setName('clear')
        .setDescription('Remove a cap')
        .addChoices(
          { name: 'streams', value: 'streams' },
          { name: 'transcodes', value: 'transcodes' },
          { name: 'both', value: 'both' },
        ),
    );

export async function runLimits(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void> {
  const row = await setServerLimits(ctx, interaction.user.id, interaction.options.getString('server', true), {
    streams: interaction.options.getInteger('streams'),
    transcodes: interaction.options.getInteger('transcodes'),
    clear: interaction.options.getString('clear') as LimitClear | null,
  });
  const limits = limitsText(row);
  const what =
    limits === 'none'
      ? 'no limits of its own: only the plans cap streams there.'
      : `${limits}, whatever the plans say. The newest streams over a limit are stopped (never the owner’s), ` +
        'after the member’s plan grace.';
  return respond(interaction, ok(`**${plain(row.name)}**: ${what}`));
}
