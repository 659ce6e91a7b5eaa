import {
  type ChatInputCommandInteraction,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, ok, plain, respond } from '../src/discord/reply.ts';
import { MEMBERS_INTENT_HELP } from '../src/engine/role-sync.ts';
import { describeOverQuota } from '../src/policy/over-quota.ts';
import { createPlan, deletePlan, editPlan, listPlans, NAME_MAX, planNames } from '../src/services/plans.ts';
import { bindRole, type RoleRef, rolesByPlan, unbindRole } from '../src/services/role-plans.ts';
import type { RoleSyncReport } from '../src/types/running.ts';
import {
  breachRules,
  countOption,
  describePlan,
  homeOption,
  homeWords,
  householdsWords,
  overQuotaOption,
  pausedOptions,
  pausedWords,
  planOptions,
  stopOption,
  transcodeOptions,
  transcodeWords,
} from './plan-options.ts';

/** The ROLE option as the service needs it (discord.js gives a cached Role or the raw API role). */
function roleOption(interaction: ChatInputCommandInteraction): RoleRef {
  const role = interaction.options.getRole('role', true);
  const tags = role.tags ?? null;
  const botId = tags
    ? 'botId' in tags
      ? tags.botId
      : 'bot_id' in tags
        ? tags.bot_id
        : undefined
    : undefined;
  return { id: role.id, name: role.name, managed: role.managed, botId: botId ?? null };
}

/** What the sync run right after a binding did, for the admin. */
function syncReply(done: string, report: RoleSyncReport) {
  if (report.outcome === 'unavailable') {
    return {
      embeds: [
        embed('Done', COLORS.ok).setDescription(done),
        embed('Role sync unavailable', COLORS.warn).setDescription(MEMBERS_INTENT_HELP),
      ],
    };
  }
  if (report.outcome === 'failed') {
    return ok(
      `${done}\nDiscord did not list the members just now; the next role sync (within a minute) applies it.`,
    );
  }
  const n = report.changes.length;
  return ok(
    `${done}\nRole sync: ${n === 0 ? 'no member’s plan changed' : `${n} member${n === 1 ? '’s plan' : 's’ plans'} changed (each was told by DM)`}.`,
  );
}

const planAndRole = (s: SlashCommandSubcommandBuilder) =>
  s
    .addStringOption((o) =>
      o.setName('plan').setDescription('Plan').setRequired(true).setAutocomplete(true).setMaxLength(NAME_MAX),
    )
    .addRoleOption((o) => o.setName('role').setDescription('Discord role').setRequired(true));

export const plan: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('plan')
    .setDescription('Manage plans: stream caps and download allotments')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      planOptions(
        s
          .setName('create')
          .setDescription('Create a plan')
          .addStringOption((o) =>
            o.setName('name').setDescription('Plan name').setRequired(true).setMaxLength(40),
          ),
        true,
      ),
    )
    .addSubcommand((s) =>
      planOptions(
        s
          .setName('edit')
          .setDescription('Change a plan')
          .addStringOption((o) =>
            o
              .setName('name')
              .setDescription('Plan')
              .setRequired(true)
              .setAutocomplete(true)
              .setMaxLength(NAME_MAX),
          )
          .addStringOption((o) => o.setName('rename').setDescription('New name').setMaxLength(40)),
        false,
      ),
    )
    .addSubcommand((s) =>
      s
        .setName('delete')
        .setDescription('Delete a plan nobody is on')
        .addStringOption((o) =>
          o
            .setName('name')
            .setDescription('Plan')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        ),
    )
    .addSubcommand((s) => s.setName('list').setDescription('List the plans'))
    .addSubcommand((s) =>
      planAndRole(s.setName('role').setDescription('Give a plan to every member who holds a Discord role')),
    )
    .addSubcommand((s) => planAndRole(s.setName('unrole').setDescription('Stop a role from giving a plan'))),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    await interaction.deferReply({ flags: 'Ephemeral' });
    if (sub === 'create') {
      const created = await createPlan(ctx.db, actor, interaction.options.getString('name', true), {
        streams: interaction.options.getInteger('stream-cap', true),
        downloads: interaction.options.getBoolean('downloads', true),
        weeklyDownloads: interaction.options.getInteger('download-allotment'),
        grace: interaction.options.getInteger('grace') ?? undefined,
        stop: stopOption(interaction.options.getString('stop')),
        count: countOption(interaction.options.getString('count')),
        ...pausedOptions(interaction),
        ...homeOption(interaction),
        ...transcodeOptions(interaction),
        ...overQuotaOption(interaction),
      });
      return respond(interaction, ok(`Plan created. ${describePlan(created)}.`));
    }
    if (sub === 'edit') {
      const { after } = await editPlan(ctx.db, actor, interaction.options.getString('name', true), {
        newName: interaction.options.getString('rename') ?? undefined,
        streams: interaction.options.getInteger('stream-cap') ?? undefined,
        downloads: interaction.options.getBoolean('downloads') ?? undefined,
        weeklyDownloads: interaction.options.getInteger('download-allotment') ?? undefined,
        grace: interaction.options.getInteger('grace') ?? undefined,
        stop: stopOption(interaction.options.getString('stop')),
        count: countOption(interaction.options.getString('count')),
        ...pausedOptions(interaction),
        ...homeOption(interaction),
        ...transcodeOptions(interaction),
        ...overQuotaOption(interaction),
      });
      await ctx.reconcileDownloadSwitches();
      return respond(interaction, ok(`Plan updated. ${describePlan(after)}.`));
    }
    if (sub === 'delete') {
      const deleted = await deletePlan(ctx.db, actor, interaction.options.getString('name', true));
      return respond(interaction, ok(`Plan **${plain(deleted.name)}** deleted.`));
    }
    if (sub === 'role' || sub === 'unrole') {
      const role = roleOption(interaction);
      const planName = interaction.options.getString('plan', true);
      const { plan: bound } =
        sub === 'role'
          ? await bindRole(ctx.db, ctx.config.guildId, actor, planName, role)
          : await unbindRole(ctx.db, actor, planName, role);
      const done =
        sub === 'role'
          ? `Members with <@&${role.id}> get **${plain(bound.name)}** (unless an admin set their plan with \`/user plan\`; the highest stream cap wins when several roles give plans).`
          : `<@&${role.id}> no longer gives **${plain(bound.name)}**.`;
      return respond(interaction, syncReply(done, await ctx.roleSync.run()));
    }
    const rows = await listPlans(ctx.db);
    const roles = await rolesByPlan(ctx.db);
    const e = embed('Plans');
    if (rows.length === 0) e.setDescription('No plans yet. Create one with `/plan create`.');
    for (const p of rows.slice(0, 25)) {
      e.addFields({
        name: p.name,
        value:
          `Stream cap: **${p.streamCap}** at once\n` +
          (p.downloadsAllowed
            ? `Download allotment: **${p.weeklyDownloads ?? 0}** a week\nOver the allotment: ${describeOverQuota(p)}`
            : 'Downloads: not allowed') +
          `\nOver the stream cap: ${breachRules(p)}` +
          `\nPaused streams: ${pausedWords(p)}` +
          `\nStreams at home: ${homeWords(p)}` +
          `\nHouseholds: ${householdsWords(p.households)}` +
          `\nConverted streams: ${transcodeWords(p)}` +
          `\nMembers: ${p.memberCount}` +
          ((roles.get(p.id) ?? []).length > 0
            ? `\nRoles: ${(roles.get(p.id) ?? []).map((id) => `<@&${id}>`).join(' ')}`
            : ''),
        inline: true,
      });
    }
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await planNames(ctx.db));
  },
};
