import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, ok, respond } from '../src/discord/reply.ts';
import {
  renderTemplate,
  TEMPLATE_DESCRIPTIONS,
  TEMPLATE_NAMES,
  TEMPLATE_PLACEHOLDERS,
} from '../src/policy/templates.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import {
  loadTemplates,
  requireTemplateName,
  resetTemplate,
  sampleValues,
  setTemplate,
} from '../src/services/templates.ts';

const codeBlock = (text: string) => `\`\`\`\n${text.replace(/```/g, '`\u200b``')}\n\`\`\``;

export const template: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('template')
    .setDescription('Edit the text of notices (DMs, alerts, on-screen message, email)')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => s.setName('list').setDescription('List the templates and their placeholders'))
    .addSubcommand((s) =>
      s
        .setName('set')
        .setDescription('Replace a template (use \\n for a new line)')
        .addStringOption((o) =>
          o
            .setName('name')
            .setDescription('Template')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        )
        .addStringOption((o) =>
          o
            .setName('text')
            .setDescription('New text with {placeholders}')
            .setRequired(true)
            .setMaxLength(4000),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('reset')
        .setDescription('Go back to the default text')
        .addStringOption((o) =>
          o
            .setName('name')
            .setDescription('Template')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('preview')
        .setDescription('Show a template filled with sample values')
        .addStringOption((o) =>
          o
            .setName('name')
            .setDescription('Template')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        ),
    ),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    await interaction.deferReply({ flags: 'Ephemeral' });
    if (sub === 'set') {
      const name = await setTemplate(
        ctx.db,
        actor,
        interaction.options.getString('name', true),
        interaction.options.getString('text', true),
      );
      const text = (await loadTemplates(ctx.db))[name].text;
      return respond(
        interaction,
        ok(`Template **${name}** saved. Preview:\n${renderTemplate(text, sampleValues(name))}`),
      );
    }
    if (sub === 'reset') {
      const name = await resetTemplate(ctx.db, actor, interaction.options.getString('name', true));
      return respond(interaction, ok(`Template **${name}** is back to the default.`));
    }
    const all = await loadTemplates(ctx.db);
    if (sub === 'preview') {
      const name = requireTemplateName(interaction.options.getString('name', true));
      const e = embed(`Preview: ${name}${all[name].custom ? ' (customised)' : ' (default)'}`, COLORS.info)
        .setDescription(renderTemplate(all[name].text, sampleValues(name)))
        .addFields({ name: 'Template text', value: codeBlock(all[name].text).slice(0, 1024) });
      return respond(interaction, { embeds: [e] });
    }
    const e = embed('Notice templates', COLORS.info).setDescription(
      'Change one with `/template set`, see it filled in with `/template preview`, undo with `/template reset`. ' +
        'A template saved with `{limit}` still works: it is filled like `{cap}` or `{allotment}`.',
    );
    for (const name of TEMPLATE_NAMES) {
      e.addFields({
        name: `${name}${all[name].custom ? ' (customised)' : ''}`,
        value: `${TEMPLATE_DESCRIPTIONS[name]}\nPlaceholders: ${TEMPLATE_PLACEHOLDERS[name].map((p) => `\`{${p}}\``).join(' ')}`,
      });
    }
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction) {
    await suggest(interaction, [...TEMPLATE_NAMES]);
  },
};
