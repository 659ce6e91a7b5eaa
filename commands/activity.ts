import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, discordTime, embed, plain, respond } from '../src/discord/reply.ts';
import { queryActivity } from '../src/services/activity.ts';
import { findMember } from '../src/services/members.ts';
import { requireServer, serverNames } from '../src/services/servers.ts';

export const activity: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('activity')
    .setDescription('Logged streams and downloads, newest first')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addUserOption((o) => o.setName('member').setDescription('Only this member'))
    .addStringOption((o) => o.setName('server').setDescription('Only this server').setAutocomplete(true))
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Streams or downloads')
        .addChoices({ name: 'streams', value: 'streams' }, { name: 'downloads', value: 'downloads' }),
    )
    .addIntegerOption((o) =>
      o.setName('page').setDescription('Page (1 = newest)').setMinValue(1).setMaxValue(1000),
    ),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: 'Ephemeral' });
    const user = interaction.options.getUser('member');
    const serverName = interaction.options.getString('server');
    const kind = (interaction.options.getString('kind') ?? undefined) as 'streams' | 'downloads' | undefined;
    const page = (interaction.options.getInteger('page') ?? 1) - 1;
    const server = serverName ? await requireServer(ctx.db, serverName) : undefined;
    const member = user ? await findMember(ctx.db, user.id) : undefined;
    const title = `Activity${kind ? `: ${kind}` : ''}${server ? ` on ${server.name}` : ''}`;
    if (user && !member) {
      return respond(interaction, {
        embeds: [
          embed(title, COLORS.info).setDescription(
            `<@${user.id}> is not linked to any media account, so nothing is logged for them.`,
          ),
        ],
      });
    }
    const { entries, more } = await queryActivity(ctx.db, {
      memberId: member?.id,
      serverId: server?.id,
      kind,
      page,
    });
    const lines = entries.map((e) => {
      const who = e.discordUserId ? `<@${e.discordUserId}>` : plain(e.account ?? 'unknown account');
      const icon = e.kind === 'stream' ? '▶️' : '⬇️';
      return `${icon} ${discordTime(e.at, 'R')} · **${plain(e.server)}** · ${who}\n  ${plain(e.title ?? 'unknown title')} · ${plain(e.detail)}`;
    });
    const e = embed(title, COLORS.info).setDescription(
      lines.length > 0
        ? lines.join('\n').slice(0, 4000)
        : page > 0
          ? 'No activity on this page.'
          : 'Nothing logged yet. Activity is kept when a server’s logging is on (`/server logging`).',
    );
    e.setFooter({ text: `Page ${page + 1}${more ? ` · more with page:${page + 2}` : ''}` });
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await serverNames(ctx.db));
  },
};
