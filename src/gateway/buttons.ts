// Button clicks: a grace warning's "Stop this one" (in the member's DM), a link request's Approve/Refuse, and the
// Previous/Next of paged answers (src/discord/pages.ts), each checked against who may press it.

import { type ButtonInteraction, MessageFlags } from 'discord.js';
import { stopFromWarning } from '../act/warnings.ts';
import type { AppContext } from '../context.ts';
import { requireAdminCommand } from '../discord/admin-access.ts';
import type { Command } from '../discord/command.ts';
import { buttons, decodePageId, PAGE_BUTTONS_TTL_MS } from '../discord/pages.ts';
import { refusal } from '../discord/reply.ts';
import { languageOf, translator } from '../i18n/index.ts';
import { fitMessage, NO_MENTIONS } from '../notify/format.ts';
import { parseLinkRequestButtonId } from '../notify/link-requests.ts';
import { parseStopButtonId } from '../notify/notices.ts';
import { decideLinkRequest } from '../services/link-requests.ts';
import { UserError } from '../user-error.ts';

async function turnPage(
  interaction: ButtonInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  const state = decodePageId(interaction.customId);
  const command = state ? commands.get(state.command) : undefined;
  if (!state || !command?.pager) throw new UserError('This button no longer works. Run the command again.');
  const again = `Run \`/${state.command}\` yourself to get your own pages.`;
  if (interaction.user.id !== state.owner) {
    throw new UserError(`Only the person who ran \`/${state.command}\` can turn its pages. ${again}`);
  }
  if (command.adminOnly) await requireAdminCommand(interaction, ctx, state.command);
  if (ctx.clock().getTime() - state.issuedAt.getTime() > PAGE_BUTTONS_TTL_MS) {
    throw new UserError(
      `These buttons stopped working 15 minutes after the command. Run \`/${state.command}\` again.`,
    );
  }
  const view = await command.pager.render(ctx, state.filters, state.page);
  await interaction.update({
    ...fitMessage({ embeds: view.embeds.map((e) => e.toJSON()) }),
    components: buttons(state, view.hasNext),
    allowedMentions: NO_MENTIONS,
  });
}

/** The button path of handleInteraction: refusals are private, and nothing else is touched. */
export async function handleButton(
  interaction: ButtonInteraction,
  commands: ReadonlyMap<string, Command>,
  ctx: AppContext,
): Promise<void> {
  const lang = languageOf(interaction.locale);
  const t = translator(lang);
  try {
    // A warning's "Stop this one" lives in a DM: it is checked against the member it was sent to instead.
    const stop = parseStopButtonId(interaction.customId);
    if (stop) {
      const message = await stopFromWarning(ctx, { ...stop, userId: interaction.user.id, lang }, () =>
        interaction.deferUpdate(),
      );
      await interaction.editReply({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return;
    }
    if (interaction.guildId !== ctx.config.guildId) {
      throw new UserError(t('common.onlyCommunity'));
    }
    const request = parseLinkRequestButtonId(interaction.customId);
    if (request) {
      // The link is the admins' own, as with `/user link`: whoever may use /user decides.
      await requireAdminCommand(interaction, ctx, 'user', 'Approving or refusing a link change');
      const message = await decideLinkRequest(ctx, { ...request, adminId: interaction.user.id });
      await interaction.update({ ...fitMessage(message), allowedMentions: NO_MENTIONS });
      return;
    }
    await turnPage(interaction, commands, ctx);
  } catch (err) {
    if (!(err instanceof UserError)) ctx.log.error({ err, button: interaction.customId }, 'button failed');
    const message = err instanceof UserError ? err.message : t('common.buttonFailed');
    const body = {
      ...refusal(message, t('common.notDone')),
      allowedMentions: NO_MENTIONS,
      flags: MessageFlags.Ephemeral,
    } as const;
    await (interaction.replied || interaction.deferred
      ? interaction.followUp(body)
      : interaction.reply(body)
    ).catch((e) => ctx.log.warn({ err: e }, 'button reply failed'));
  }
}
