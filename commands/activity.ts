import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { type Pager, replyPaged } from '../src/discord/pages.ts';
import { COLORS, discordTime, embed, plain, respond } from '../src/discord/reply.ts';
import { queryActivity } from '../src/services/activity.ts';
import { findMember } from '../src/services/members.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import { requireServer, serverNames } from '../src/services/servers.ts';

const KINDS = ['streams', 'downloads'] as const;

const pager: Pager = {
  /** Filters: member id (ours), server id and name, kind. */
  async render(ctx, [memberId, serverId, serverName, kindFilter], page) {
    const kind = KINDS.find((k) => k === kindFilter);
    const title = `Activity${kind ? `: ${kind}` : ''}${serverName ? ` on ${plain(serverName)}` : ''}`;
    const { entries, more } = await queryActivity(ctx.db, {
      memberId: memberId ? Number(memberId) : undefined,
      serverId: serverId ? Number(serverId) : undefined,
      kind,
      page,
    });
    const lines = entries.map((e) => {
      const who = e.discordUserId ? `<@${e.discordUserId}>` : plain(e.account ?? 'unknown account');
      const icon = e.kind === 'stream' ? '▶️' : '⬇️';
      return `${icon} ${discordTime(e.at, 'R')} · **${plain(e.server)}** · ${who}\n  ${plain(e.title ?? 'unknown title')} · ${plain(e.detail)}`;
    });
    const e = embed(title, COLORS.info)
      .setDescription(
        lines.length > 0
          ? lines.join('\n').slice(0, 4000)
          : page > 0
            ? 'No older activity.'
            : 'Nothing logged yet. Activity is kept when a server’s logging is on (`/server logging`).',
      )
      .setFooter({ text: `Page ${page + 1} · newest first` });
    return { embeds: [e], hasNext: more };
  },
};

export const activity: Command = {
  adminOnly: true,
  pager,
  data: new SlashCommandBuilder()
    .setName('activity')
    .setDescription('Logged streams and downloads, newest first')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addUserOption((o) => o.setName('member').setDescription('Only this member'))
    .addStringOption((o) =>
      o.setName('server').setDescription('Only this server').setAutocomplete(true).setMaxLength(NAME_MAX),
    )
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Streams or downloads')
        .addChoices(...KINDS.map((k) => ({ name: k, value: k }))),
    ),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: 'Ephemeral' });
    const user = interaction.options.getUser('member');
    const serverName = interaction.options.getString('server');
    const server = serverName ? await requireServer(ctx.db, serverName) : undefined;
    const member = user ? await findMember(ctx.db, user.id) : undefined;
    if (user && !member) {
      return respond(interaction, {
        embeds: [
          embed('Activity', COLORS.info).setDescription(
            `<@${user.id}> is not linked to any media account, so nothing is logged for them.`,
          ),
        ],
      });
    }
    await replyPaged(interaction, ctx, pager, [
      member ? String(member.id) : '',
      server ? String(server.id) : '',
      // A server name may hold "|", which the button id uses as a separator; it is only a title.
      server ? server.name.replaceAll('|', '/').slice(0, 20) : '',
      interaction.options.getString('kind') ?? '',
    ]);
  },

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await serverNames(ctx.db));
  },
};
