import { SlashCommandBuilder } from 'discord.js';
import { mayUseAdminCommand } from '../src/discord/admin-access.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, plain, respond } from '../src/discord/reply.ts';
import { dayMonth } from '../src/i18n/format.ts';
import { languageOf, localizations, translator } from '../src/i18n/index.ts';
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
    .setNameLocalizations(localizations('commands.history.name'))
    .setDescription(
      `Your last ${HISTORY_WEEKS} weeks: downloads and stream-cap breaches (only you see the answer)`,
    )
    .setDescriptionLocalizations(localizations('commands.history.description', { count: HISTORY_WEEKS }))
    .addUserOption((o) =>
      o
        .setName('member')
        .setNameLocalizations(localizations('commands.history.member'))
        .setDescription('Admins: whose history to show')
        .setDescriptionLocalizations(localizations('commands.history.memberDescription')),
    ),

  async execute(interaction, ctx) {
    const lang = languageOf(interaction.locale);
    const t = translator(lang);
    const other = interaction.options.getUser('member');
    if (other && other.id !== interaction.user.id && !(await mayUseAdminCommand(interaction, ctx, 'user'))) {
      throw new UserError(t('standing.history.othersRefused'));
    }
    const target = other ?? interaction.user;
    const guildMember = other ? interaction.options.getMember('member') : interaction.member;
    const displayName =
      (guildMember && 'displayName' in guildMember ? guildMember.displayName : null) ??
      target.globalName ??
      target.username;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const forAdmins = other !== null && other.id !== interaction.user.id;
    const standing = await memberInfoEmbed(ctx, { id: target.id, displayName }, { forAdmins, lang });
    const member = await findMember(ctx.db, target.id);
    if (!member) return respond(interaction, { embeds: [standing] });

    const zone = ctx.config.timezone;
    const { weeks, allotment } = await memberHistory(ctx.db, member, ctx.clock(), zone);
    const label = (w: { weekStart: Date }, i: number) =>
      i === weeks.length - 1 ? t('standing.history.thisWeek') : dayMonth(lang, w.weekStart, zone);
    const [week, used] = [t('standing.history.week'), t('standing.history.downloads')];
    const [weekWidth, usedWidth] = [Math.max(10, week.length + 2), Math.max(12, used.length + 2)];
    const rows = weeks.map(
      (w, i) =>
        `${label(w, i).padEnd(weekWidth)}${`${w.used} / ${allotment}`.padEnd(usedWidth)}${w.breaches}`,
    );
    const who = forAdmins ? plain(displayName) : t('standing.history.you');
    const table = embed(t('standing.history.title', { count: HISTORY_WEEKS }), COLORS.info)
      .setDescription(
        `${t('standing.history.intro', { who, zone })}\n` +
          `\`\`\`\n${week.padEnd(weekWidth)}${used.padEnd(usedWidth)}${t('standing.history.breaches')}\n${rows.join('\n')}\n\`\`\``,
      )
      .setImage(`attachment://${FILE}`)
      .setFooter({ text: t('standing.history.footer', { count: allotment }) });
    const png = drawHistoryChart({
      title: forAdmins
        ? t('standing.history.chartTitleOf', { name: displayName })
        : t('standing.history.chartTitle'),
      subtitle: t('standing.history.chartSubtitle', { count: HISTORY_WEEKS, zone }),
      weeks: weeks.map((w, i) => ({ label: label(w, i), used: w.used, breaches: w.breaches })),
      allotment,
      legend: {
        downloads: t('standing.history.chartDownloads'),
        breaches: t('standing.history.chartBreaches'),
        allotment: t('standing.history.chartAllotment', { count: allotment }),
        axis: t('report.chart.count'),
      },
    });
    await respond(interaction, { embeds: [table, standing], files: [{ name: FILE, attachment: png }] });
  },
};
