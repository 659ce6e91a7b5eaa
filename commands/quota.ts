import { SlashCommandBuilder } from 'discord.js';
import { mayUseAdminCommand } from '../src/discord/admin-access.ts';
import type { Command } from '../src/discord/command.ts';
import { respond } from '../src/discord/reply.ts';
import { memberInfoEmbed } from '../src/services/standing.ts';
import { UserError } from '../src/user-error.ts';

export const quota: Command = {
  adminOnly: false,
  data: new SlashCommandBuilder()
    .setName('quota')
    .setDescription('Your streams and downloads this week (only you see the answer)')
    .addUserOption((o) => o.setName('member').setDescription('Admins: whose standing to show')),

  async execute(interaction, ctx) {
    const other = interaction.options.getUser('member');
    if (other && other.id !== interaction.user.id && !(await mayUseAdminCommand(interaction, ctx, 'user'))) {
      throw new UserError(
        'Only admins can look at someone else’s streams and downloads. Run `/quota` without `member` to see yours.',
      );
    }
    const target = other ?? interaction.user;
    const member = other ? interaction.options.getMember('member') : interaction.member;
    const displayName =
      (member && 'displayName' in member ? member.displayName : null) ?? target.globalName ?? target.username;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const forAdmins = other !== null && other.id !== interaction.user.id;
    const e = await memberInfoEmbed(ctx, { id: target.id, displayName }, { forAdmins });
    await respond(interaction, { embeds: [e] });
  },
};
