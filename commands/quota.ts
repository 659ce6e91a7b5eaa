import { SlashCommandBuilder } from 'discord.js';
import { mayUseAdminCommand } from '../src/discord/admin-access.ts';
import type { Command } from '../src/discord/command.ts';
import { respond } from '../src/discord/reply.ts';
import { languageOf, localizations, translator } from '../src/i18n/index.ts';
import { memberInfoEmbed } from '../src/services/standing.ts';
import { UserError } from '../src/user-error.ts';

export const quota: Command = {
  adminOnly: false,
  data: new SlashCommandBuilder()
    .setName('quota')
    .setNameLocalizations(localizations('commands.quota.name'))
    .setDescription('Your streams and downloads this week (only you see the answer)')
    .setDescriptionLocalizations(localizations('commands.quota.description'))
    .addUserOption((o) =>
      o
        .setName('member')
        .setNameLocalizations(localizations('commands.quota.member'))
        .setDescription('Admins: whose standing to show')
        .setDescriptionLocalizations(localizations('commands.quota.memberDescription')),
    ),

  async execute(interaction, ctx) {
    const lang = languageOf(interaction.locale);
    const other = interaction.options.getUser('member');
    if (other && other.id !== interaction.user.id && !(await mayUseAdminCommand(interaction, ctx, 'user'))) {
      throw new UserError(translator(lang)('standing.quota.othersRefused'));
    }
    const target = other ?? interaction.user;
    const member = other ? interaction.options.getMember('member') : interaction.member;
    const displayName =
      (member && 'displayName' in member ? member.displayName : null) ?? target.globalName ?? target.username;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const forAdmins = other !== null && other.id !== interaction.user.id;
    const e = await memberInfoEmbed(ctx, { id: target.id, displayName }, { forAdmins, lang });
    await respond(interaction, { embeds: [e] });
  },
};
