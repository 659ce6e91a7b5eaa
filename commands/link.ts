import { ActionRowBuilder, ButtonBuilder, ButtonStyle, SlashCommandBuilder } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, discordTime, embed, ok, plain, refusal, respond } from '../src/discord/reply.ts';
import { languageOf, localizations, type Translate, translator } from '../src/i18n/index.ts';
import type { DiscordUserRef } from '../src/services/members.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import {
  beginSelfLink,
  SELF_LINK_MAX_WAIT_MS,
  type SelfLinkOutcome,
  type SelfLinkStart,
} from '../src/services/self-link.ts';
import { serverNames } from '../src/services/servers.ts';
import { UserError } from '../src/user-error.ts';

type Started = Extract<SelfLinkStart, { kind: 'started' }>;

function signInReply(started: Started, expiresAt: Date, t: Translate) {
  const server = plain(started.server.name);
  const expires = t('link.expires', { relative: discordTime(expiresAt, 'R') });
  const code = plain(started.code.code);
  if (started.method === 'plex-pin' && started.code.url) {
    const e = embed(t('link.plexTitle', { server }), COLORS.info).setDescription(
      [t('link.plexStep1'), t('link.plexStep2', { code }), '', expires].join('\n'),
    );
    const button = new ButtonBuilder()
      .setStyle(ButtonStyle.Link)
      .setLabel(t('link.plexButton'))
      .setURL(started.code.url);
    return { embeds: [e], components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)] };
  }
  const e = embed(t('link.jellyfinTitle', { server }), COLORS.info).setDescription(
    [t('link.jellyfinStep1', { server }), t('link.jellyfinStep2', { code }), '', expires].join('\n'),
  );
  return { embeds: [e], components: [] };
}

function outcomeReply(outcome: SelfLinkOutcome, t: Translate) {
  const reply = outcomeMessage(outcome, t);
  if (!outcome.openDevice) return reply;
  // The sign-in's session could not be logged out: the member removes the device the bot signed in as.
  const note = t('link.openDevice', { device: plain(outcome.openDevice), server: plain(outcome.server) });
  for (const e of reply.embeds) e.setDescription(`${e.data.description ?? ''}\n${note}`);
  return reply;
}

function outcomeMessage(outcome: SelfLinkOutcome, t: Translate) {
  const server = `**${plain(outcome.server)}**`;
  const again = t('link.again');
  const done = (text: string) => ok(text, t('common.done'));
  const notDone = (text: string) => refusal(text, t('common.notDone'));
  switch (outcome.kind) {
    case 'linked': {
      const was =
        outcome.previous && outcome.previous !== outcome.accountName
          ? t('link.was', { account: plain(outcome.previous) })
          : '';
      const notes = [t('link.linked', { account: plain(outcome.accountName), server, was })];
      if (outcome.pending) notes.push(t('link.pending'));
      // (A Quick Connect session left open is named by its device below, in outcomeReply.)
      if (outcome.sessionLeftOpen && outcome.method === 'plex-pin') notes.push(t('link.plexLeftOpen'));
      return done(notes.join('\n'));
    }
    case 'already-linked':
      return done(t('link.alreadyLinked', { account: plain(outcome.accountName), server }));
    case 'requested':
      return done(
        t('link.requested', {
          previous: plain(outcome.previous),
          account: plain(outcome.accountName),
          server,
        }),
      );
    case 'admin-linked':
      return notDone(
        t('link.adminLinked', {
          previous: plain(outcome.previous),
          account: plain(outcome.accountName),
          server,
        }),
      );
    case 'not-a-user':
      return notDone(t('link.notAUser', { signedInAs: plain(outcome.signedInAs), server, again }));
    case 'taken':
      return notDone(
        t('link.taken', { account: plain(outcome.accountName), server, holder: plain(outcome.holder) }),
      );
    case 'expired':
      return notDone(t('link.expired', { again }));
    case 'stopped':
      return notDone(t('link.stopped', { again }));
    case 'failed':
      return notDone(t('link.failed', { reason: plain(outcome.reason), again }));
    case 'unavailable':
      return notDone(t('link.unavailable', { text: outcome.text }));
  }
}

export const link: Command = {
  adminOnly: false,
  data: new SlashCommandBuilder()
    .setName('link')
    .setNameLocalizations(localizations('commands.link.name'))
    .setDescription('Link your own account on a media server by signing in (only you see the answer)')
    .setDescriptionLocalizations(localizations('commands.link.description'))
    .addStringOption((o) =>
      o
        .setName('server')
        .setNameLocalizations(localizations('commands.link.server'))
        .setDescription('The media server you watch on')
        .setDescriptionLocalizations(localizations('commands.link.serverDescription'))
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(NAME_MAX),
    ),

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await serverNames(ctx.db));
  },

  async execute(interaction, ctx) {
    const lang = languageOf(interaction.locale);
    const t = translator(lang);
    const member = interaction.member;
    const user: DiscordUserRef = {
      id: interaction.user.id,
      displayName:
        (member && 'displayName' in member ? member.displayName : null) ??
        interaction.user.globalName ??
        interaction.user.username,
    };
    await interaction.deferReply({ flags: 'Ephemeral' });
    const start = await beginSelfLink(ctx, user, interaction.options.getString('server', true), lang);
    if (start.kind === 'ask-admin') {
      return respond(interaction, { embeds: [embed(t('link.askAdminTitle')).setDescription(start.text)] });
    }
    if (start.kind === 'wait') {
      const when = { relative: discordTime(start.retryAt, 'R'), date: discordTime(start.retryAt, 'f') };
      return respond(
        interaction,
        refusal(t('link.tryAgain', { text: start.text, ...when }), t('common.notDone')),
      );
    }
    const expiresAt = new Date(
      ctx.clock().getTime() + Math.min(start.code.expiresInMs, SELF_LINK_MAX_WAIT_MS),
    );
    const background = async (signal: AbortSignal) => {
      try {
        await respond(interaction, signInReply(start, expiresAt, t));
      } catch (err) {
        start.cancel();
        throw err;
      }
      const outcome = await start.wait(signal);
      // Edits the same private reply (PATCH @original), dropping the sign-in button.
      await respond(interaction, { ...outcomeReply(outcome, t), components: [] }).catch((err) =>
        ctx.log.warn({ err }, 'could not show the /link result'),
      );
    };
    // The code is shown from the background task, so that a shutdown from then on finds the sign-in tracked.
    try {
      ctx.runInBackground(background);
    } catch {
      start.cancel();
      throw new UserError(t('link.restarting'));
    }
  },
};
