import { SlashCommandBuilder } from 'discord.js';
import { DateTime } from 'luxon';
import { mayUseAdminCommand } from '../src/discord/admin-access.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, plain, respond } from '../src/discord/reply.ts';
import { drawHistoryChart } from '../src/report/chart.ts';
import { HISTORY_WEEKS, memberHistory } from '../src/services/history.ts';
import { findMember } from '../src/services/members.ts';
import { memberInfoEmbed } from '../src/services/standing.ts';
import { UserError } from '../src/user-error.ts';

const FILE = 'history.png';

export const history: Command = {
  adminOnly: false,
  data: new SlashCommandBuilder()
    .setName('history')
    .setDescription(
      `Your last ${HISTORY_WEEKS} weeks: downloads and stream-cap breaches (only you see the answer)`,
    )
    .addUserOption((o) => o.setName('member').setDescription('Admins: whose history to show')),

  async execute(interaction, ctx) {
    const other = interaction.options.getUser('member');
    if (other && other.id !== interaction.user.id && !(await mayUseAdminCommand(interaction, ctx, 'user'))) {
      throw new UserError(
        'Only admins can look at someone else’s history. Run `/history` without `member` to see yours.',
      );
    }
    const target = other ?? interaction.user;
    const guildMember = other ? interaction.options.getMember('member') : interaction.member;
    const displayName =
      (guildMember && 'displayName' in guildMember ? guildMember.displayName : null) ??
      target.globalName ??
      target.username;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const forAdmins = other !== null && other.id !== interaction.user.id;
    const standing = await memberInfoEmbed(ctx, { id: target.id, displayName }, { forAdmins });
    const member = await findMember(ctx.db, target.id);
    if (!member) return respond(interaction, { embeds: [standing] });

    const zone = ctx.config.timezone;
    const { weeks, allotment } = await memberHistory(ctx.db, member, ctx.clock(), zone);
    const label = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('d LLL');
    const rows = weeks.map(
      (w, i) =>
        `${(i === weeks.length - 1 ? 'this week' : label(w.weekStart)).padEnd(10)}${`${w.used} / ${allotment}`.padEnd(12)}${w.breaches}`,
    );
    const who = forAdmins ? plain(displayName) : 'You';
    const table = embed(`History: last ${HISTORY_WEEKS} weeks`, COLORS.info)
      .setDescription(
        `${who}, week by week (weeks start on Sunday, ${zone}).\n` +
          `\`\`\`\n${'Week of'.padEnd(10)}${'Downloads'.padEnd(12)}Breaches\n${rows.join('\n')}\n\`\`\``,
      )
      .setImage(`attachment://${FILE}`)
      .setFooter({ text: `Downloads are shown against today’s allotment (${allotment} a week).` });
    const png = drawHistoryChart({
      title: forAdmins ? `History of ${displayName}` : 'Your history',
      subtitle: `Last ${HISTORY_WEEKS} weeks, Sunday to Sunday in ${zone}`,
      weeks: weeks.map((w, i) => ({
        label: i === weeks.length - 1 ? 'this week' : label(w.weekStart),
        used: w.used,
        breaches: w.breaches,
      })),
      allotment,
    });
    await respond(interaction, { embeds: [table, standing], files: [{ name: FILE, attachment: png }] });
  },
};
