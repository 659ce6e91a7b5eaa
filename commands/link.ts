import { ActionRowBuilder, ButtonBuilder, ButtonStyle, SlashCommandBuilder } from 'discord.js';
import { suggest } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, discordTime, embed, ok, plain, refusal, respond } from '../src/discord/reply.ts';
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

function signInReply(started: Started, expiresAt: Date) {
  const server = plain(started.server.name);
  const expires = `The code expires ${discordTime(expiresAt, 'R')}; this message changes by itself once you are done.`;
  if (started.method === 'plex-pin' && started.code.url) {
    const e = embed(`Link your Plex account on ${server}`, COLORS.info).setDescription(
      [
        '1. Press **Sign in with Plex** and sign in at plex.tv with the account you use on this server. Streamwarden never sees your password.',
        `2. The code of this sign-in is \`${plain(started.code.code)}\`.`,
        '',
        expires,
      ].join('\n'),
    );
    const button = new ButtonBuilder()
      .setStyle(ButtonStyle.Link)
      .setLabel('Sign in with Plex')
      .setURL(started.code.url);
    return { embeds: [e], components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)] };
  }
  const e = embed(`Link your Jellyfin account on ${server}`, COLORS.info).setDescription(
    [
      `1. Open any Jellyfin app where you are signed in to ${server} (in the web app: your profile → Settings → Quick Connect).`,
      `2. Enter the code **${plain(started.code.code)}** and approve it.`,
      '',
      expires,
    ].join('\n'),
  );
  return { embeds: [e], components: [] };
}

function outcomeReply(outcome: SelfLinkOutcome) {
  const reply = outcomeMessage(outcome);
  if (!outcome.openDevice) return reply;
  // The sign-in's session could not be logged out: the member removes the device the bot signed in as.
  const note = `The sign-in could not be logged out: remove the device **${plain(outcome.openDevice)}** from ${plain(outcome.server)} (Jellyfin's Dashboard → Devices; ask a server admin if you can't open it).`;
  for (const e of reply.embeds) e.setDescription(`${e.data.description ?? ''}\n${note}`);
  return reply;
}

function outcomeMessage(outcome: SelfLinkOutcome) {
  const server = `**${plain(outcome.server)}**`;
  const again = 'Run `/link` again to start over.';
  switch (outcome.kind) {
    case 'linked': {
      const was =
        outcome.previous && outcome.previous !== outcome.accountName
          ? ` (was **${plain(outcome.previous)}**)`
          : '';
      const notes = [
        `You are linked to **${plain(outcome.accountName)}** on ${server}${was}. Streamwarden kept no password or token.`,
      ];
      if (outcome.pending) {
        notes.push(
          'You have not accepted the invite to this server yet: accept it (Plex sent it by email) before you can stream there.',
        );
      }
      if (outcome.sessionLeftOpen && outcome.method === 'plex-pin') {
        // (A Quick Connect session left open is named by its device below, in outcomeReply.)
        notes.push(
          'plex.tv did not confirm that this sign-in was signed out: remove the device “Streamwarden” at plex.tv → Settings → Authorized Devices.',
        );
      }
      return ok(notes.join('\n'));
    }
    case 'already-linked':
      return ok(
        `You were already linked to **${plain(outcome.accountName)}** on ${server}. Nothing changed.`,
      );
    case 'requested':
      return ok(
        `An admin linked you to **${plain(outcome.previous)}** on ${server}, so your change to **${plain(outcome.accountName)}** was put to the admins. Until one of them approves, you stay linked to **${plain(outcome.previous)}** and its streams count against your plan. You get a DM when they decide.`,
      );
    case 'admin-linked':
      return refusal(
        `An admin linked you to **${plain(outcome.previous)}** on ${server}, and only an admin can change that. Nothing was changed. Ask an admin to link you to **${plain(outcome.accountName)}** with \`/user link\`.`,
      );
    case 'not-a-user':
      return refusal(
        `You signed in as **${plain(outcome.signedInAs)}**, which is not a user of ${server}. Nothing was linked. Sign in with the account you use on that server, or ask an admin for an invite. ${again}`,
      );
    case 'taken':
      return refusal(
        `**${plain(outcome.accountName)}** on ${server} is already linked to ${plain(outcome.holder)}. Nothing was changed. If the account is yours, ask an admin to move it with \`/user unlink\` and \`/user link\`.`,
      );
    case 'expired':
      return refusal(`The sign-in expired before it was finished, so nothing was linked. ${again}`);
    case 'stopped':
      return refusal(
        `Streamwarden restarted before you finished signing in, so nothing was linked. ${again}`,
      );
    case 'failed':
      return refusal(`Nothing was linked: ${plain(outcome.reason)}. ${again}`);
    case 'unavailable':
      return refusal(`Nothing was linked. ${outcome.text}`);
  }
}

export const link: Command = {
  adminOnly: false,
  data: new SlashCommandBuilder()
    .setName('link')
    .setDescription('Link your own account on a media server by signing in (only you see the answer)')
    .addStringOption((o) =>
      o
        .setName('server')
        .setDescription('The media server you watch on')
        .setRequired(true)
        .setAutocomplete(true)
        .setMaxLength(NAME_MAX),
    ),

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await serverNames(ctx.db));
  },

  async execute(interaction, ctx) {
    const member = interaction.member;
    const user: DiscordUserRef = {
      id: interaction.user.id,
      displayName:
        (member && 'displayName' in member ? member.displayName : null) ??
        interaction.user.globalName ??
        interaction.user.username,
    };
    await interaction.deferReply({ flags: 'Ephemeral' });
    const start = await beginSelfLink(ctx, user, interaction.options.getString('server', true));
    if (start.kind === 'ask-admin') {
      return respond(interaction, { embeds: [embed('Ask an admin to link you').setDescription(start.text)] });
    }
    if (start.kind === 'wait') {
      return respond(
        interaction,
        refusal(
          `${start.text} Try \`/link\` again ${discordTime(start.retryAt, 'R')} (${discordTime(start.retryAt, 'f')}).`,
        ),
      );
    }
    const expiresAt = new Date(
      ctx.clock().getTime() + Math.min(start.code.expiresInMs, SELF_LINK_MAX_WAIT_MS),
    );
    const background = async (signal: AbortSignal) => {
      try {
        await respond(interaction, signInReply(start, expiresAt));
      } catch (err) {
        start.cancel();
        throw err;
      }
      const outcome = await start.wait(signal);
      // Edits the same private reply (PATCH @original), dropping the sign-in button.
      await respond(interaction, { ...outcomeReply(outcome), components: [] }).catch((err) =>
        ctx.log.warn({ err }, 'could not show the /link result'),
      );
    };
    // The code is shown from the background task, so that a shutdown from then on finds the sign-in tracked.
    try {
      ctx.runInBackground(background);
    } catch {
      start.cancel();
      throw new UserError('Streamwarden is restarting. Run `/link` again in a minute.');
    }
  },
};
