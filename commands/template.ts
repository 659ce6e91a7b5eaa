import { PermissionFlagsBits, SlashCommandBuilder, type SlashCommandStringOption } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, ok, respond } from '../src/discord/reply.ts';
import { LANGUAGES, languageName } from '../src/i18n/index.ts';
import {
  renderTemplate,
  TEMPLATE_DESCRIPTIONS,
  TEMPLATE_NAMES,
  TEMPLATE_PLACEHOLDERS,
} from '../src/policy/templates.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import {
  customLanguages,
  loadTemplates,
  requireLanguage,
  requireTemplateName,
  resetTemplate,
  sampleValues,
  setTemplate,
  templateSource,
} from '../src/services/templates.ts';

/** The optional `language` of set, reset and preview: the shipped languages, by their own names. */
const languageOption = (o: SlashCommandStringOption) =>
  o
    .setName('language')
    .setDescription("Which language's text (default: the server's language)")
    .addChoices(LANGUAGES.map((l) => ({ name: languageName(l), value: l })));

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
        )
        .addStringOption(languageOption),
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
        )
        .addStringOption(languageOption),
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
        )
        .addStringOption(languageOption),
    ),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const lang = await requireLanguage(ctx.db, interaction.options.getString('language'));
    const inLang = ` in ${languageName(lang)}`;
    if (sub === 'set') {
      const name = await setTemplate(
        ctx.db,
        actor,
        interaction.options.getString('name', true),
        interaction.options.getString('text', true),
        lang,
      );
      const text = templateSource(await loadTemplates(ctx.db), name, lang).text;
      return respond(
        interaction,
        ok(
          `Template **${name}**${inLang} saved. Preview:\n${renderTemplate(text, sampleValues(name, lang))}`,
        ),
      );
    }
    if (sub === 'reset') {
      const name = await resetTemplate(ctx.db, actor, interaction.options.getString('name', true), lang);
      const from = templateSource(await loadTemplates(ctx.db), name, lang).from;
      const now = from === 'shipped' ? 'the default text' : "the server's default language's text";
      return respond(interaction, ok(`Template **${name}**${inLang} is back to ${now}.`));
    }
    const all = await loadTemplates(ctx.db);
    if (sub === 'preview') {
      const name = requireTemplateName(interaction.options.getString('name', true));
      const source = templateSource(all, name, lang);
      const origin = {
        own: 'customised',
        'default-language': `customised in ${languageName(all.defaultLanguage)}, the server's default language`,
        shipped: 'default',
      }[source.from];
      const e = embed(`Preview: ${name}${inLang} (${origin})`, COLORS.info)
        .setDescription(renderTemplate(source.text, sampleValues(name, lang)))
        .addFields({ name: 'Template text', value: codeBlock(source.text).slice(0, 1024) });
      return respond(interaction, { embeds: [e] });
    }
    const e = embed('Notice templates', COLORS.info).setDescription(
      'Change one with `/template set`, see it filled in with `/template preview`, undo with `/template reset`. ' +
        `Each takes a \`language\`; without one, the server's default language (${languageName(all.defaultLanguage)}). ` +
        "A member whose language has no text of its own gets the default language's, else the shipped text in " +
        'their language. A template saved with `{limit}` still works: it is filled like `{cap}` or `{allotment}`.',
    );
    for (const name of TEMPLATE_NAMES) {
      const own = customLanguages(all, name);
      e.addFields({
        name: `${name}${own.length > 0 ? ' (customised)' : ''}`,
        value:
          `${TEMPLATE_DESCRIPTIONS[name]}\nPlaceholders: ${TEMPLATE_PLACEHOLDERS[name].map((p) => `\`{${p}}\``).join(' ')}` +
          (own.length > 0 ? `\nOwn text in: ${own.map(languageName).join(', ')}` : ''),
      });
    }
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction) {
    await suggest(interaction, [...TEMPLATE_NAMES]);
  },
};
