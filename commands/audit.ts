import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { Command } from '../src/discord/command.ts';
import { type Pager, replyPaged } from '../src/discord/pages.ts';
import { COLORS, discordTime, embed, plain } from '../src/discord/reply.ts';
import { AUDIT_KINDS, type AuditKind, describeChange, queryAudit } from '../src/services/audit-log.ts';

const target = (t: string) => (t.startsWith('member:') ? `<@${t.slice('member:'.length)}>` : plain(t));

const pager: Pager = {
  async render(ctx, [memberId, adminId, kind], page) {
    const { entries, more } = await queryAudit(ctx.db, {
      memberId: memberId || undefined,
      adminId: adminId || undefined,
      kind: AUDIT_KINDS.find((k): k is AuditKind => k === kind),
      page,
    });
    const lines = entries.map((a) => {
      const change = describeChange(a.before, a.after)
        .map((l) => `  ${plain(l).slice(0, 200)}`)
        .join('\n');
      return `${discordTime(a.createdAt, 'f')} · <@${a.actorDiscordId}> · \`${a.action}\` · ${target(a.target)}\n${change}`;
    });
    const e = embed('Audit log', COLORS.info)
      .setDescription(
        lines.length > 0
          ? lines.join('\n').slice(0, 4000)
          : page > 0
            ? 'No older changes.'
            : 'No change made through the bot matches.',
      )
      .setFooter({ text: `Page ${page + 1} · newest first` });
    return { embeds: [e], hasNext: more };
  },
};

export const audit: Command = {
  adminOnly: true,
  pager,
  data: new SlashCommandBuilder()
    .setName('audit')
    .setDescription('Every change made through the bot, newest first')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addUserOption((o) => o.setName('member').setDescription('Only changes about this member'))
    .addUserOption((o) => o.setName('admin').setDescription('Only changes made by this admin'))
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Only this kind of change')
        .addChoices(...AUDIT_KINDS.map((k) => ({ name: k, value: k }))),
    ),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: 'Ephemeral' });
    await replyPaged(interaction, ctx, pager, [
      interaction.options.getUser('member')?.id ?? '',
      interaction.options.getUser('admin')?.id ?? '',
      interaction.options.getString('kind') ?? '',
    ]);
  },
};
