import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { respond } from '../src/discord/reply.ts';
import { languageOf } from '../src/i18n/index.ts';
import { weeklyReportMessage } from '../src/report/render.ts';
import { buildWeeklyReport, type WhichWeek } from '../src/services/report.ts';

export const report: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('report')
    .setDescription('Reports on what the community did')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('week')
        .setDescription('Streams, breaches, downloads and outages of one week, with a chart')
        .addStringOption((o) =>
          o
            .setName('week')
            .setDescription('Which week (default: last week, the one that ended on Sunday)')
            .addChoices({ name: 'last', value: 'last' }, { name: 'this (so far)', value: 'this' }),
        ),
    ),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: 'Ephemeral' });
    const which: WhichWeek = interaction.options.getString('week') === 'this' ? 'this' : 'last';
    const data = await buildWeeklyReport(ctx.db, ctx.clock(), ctx.config.timezone, which);
    // The same report as the one posted each week, in the reader's Discord language.
    await respond(interaction, weeklyReportMessage(data, languageOf(interaction.locale)));
  },
};
