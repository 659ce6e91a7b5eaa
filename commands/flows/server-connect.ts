// `/server connect` on Discord: the sign-in link, then (with several servers) a select menu of the account's
// servers, then the result, all in the admin's private reply. The whole flow runs in a background task
// (`ctx.runInBackground`), so a shutdown aborts and waits for it; the admin's pick is read from the select menu's
// MESSAGE_COMPONENT interaction (component type 3, `data.values`: Discord's "Component Reference", String Select).
import { randomUUID } from 'node:crypto';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  type ChatInputCommandInteraction,
  ComponentType,
  type EmbedBuilder,
  InteractionCollector,
  InteractionType,
  MessageFlags,
  StringSelectMenuBuilder,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { AppContext } from '../../src/context.ts';
import { COLORS, discordTime, embed, plain, refusal, respond } from '../../src/discord/reply.ts';
import { NO_MENTIONS } from '../../src/notify/format.ts';
import {
  beginServerConnect,
  type ConnectedServer,
  type ConnectSignedIn,
  type ConnectStart,
  type OfferedServer,
} from '../../src/services/server-connect.ts';
import { waitFor } from '../../src/services/sign-in-wait.ts';
import { UserError } from '../../src/user-error.ts';

const AGAIN = 'Run `/server connect` again to start over, or add the server with `/server add`.';
const LEFT_OPEN =
  'plex.tv did not confirm that this sign-in was signed out: remove the device “Streamwarden” at plex.tv → Settings → Authorized Devices.';
/** Discord's limits on a string select: 25 options, 100 characters per label and description. */
const MAX_OPTIONS = 25;

function signInReply(start: ConnectStart) {
  const e = embed(`Add a Plex server as ${plain(start.name)}`, COLORS.info).setDescription(
    [
      '1. Press **Sign in with Plex** and sign in at plex.tv with the account that owns the server. Streamwarden never sees your password.',
      `2. The code of this sign-in is \`${plain(start.code.code)}\`.`,
      '',
      'Streamwarden then lists the servers your account owns, adds the one you pick with that server’s own token (stored encrypted), and signs your account out again: your account’s token is never kept.',
      `The code expires ${discordTime(start.deadline, 'R')}; this message changes by itself once you are done.`,
    ].join('\n'),
  );
  const button = new ButtonBuilder()
    .setStyle(ButtonStyle.Link)
    .setLabel('Sign in with Plex')
    .setURL(start.code.url);
  return { embeds: [e], components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)] };
}

function refusedReply(outcome: Exclude<ConnectSignedIn, { kind: 'servers' }>): string {
  switch (outcome.kind) {
    case 'expired':
      return `The sign-in expired before it was finished, so nothing was added. ${AGAIN}`;
    case 'stopped':
      return `Streamwarden restarted before it could add the server, so nothing was added. ${AGAIN}`;
    case 'failed':
      return `Nothing was added: ${plain(outcome.reason)}. ${AGAIN}`;
    case 'no-servers': {
      const shared = outcome.shared
        ? ` (${outcome.shared} shared with it by others: only a server's owner can add it)`
        : '';
      return `You signed in as **${plain(outcome.signedInAs)}**, which owns no Plex Media Server${shared}. Nothing was added. Sign in with the account the server is claimed with, or add the server with \`/server add\`.`;
    }
  }
}

/** Shows the select menu and waits (on the bot's clock) for the admin's pick; null when none came. */
async function pick(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  start: ConnectStart,
  servers: OfferedServer[],
  signal: AbortSignal,
): Promise<string | null> {
  const customId = `server-connect|${randomUUID()}`;
  const menu = new StringSelectMenuBuilder()
    .setCustomId(customId)
    .setPlaceholder('The server to add')
    .addOptions(
      servers.slice(0, MAX_OPTIONS).map((s) => ({
        label: s.name.slice(0, 100),
        value: s.clientIdentifier.slice(0, 100),
        ...(s.version ? { description: `Plex Media Server ${s.version}`.slice(0, 100) } : {}),
      })),
    );
  await respond(interaction, {
    embeds: [
      embed('Which server?', COLORS.info).setDescription(
        `Your account owns ${servers.length} Plex Media Servers. Pick the one to add as **${plain(start.name)}** (before ${discordTime(start.deadline, 't')}).`,
      ),
    ],
    components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
  });
  let chosen: string | null = null;
  const collector = new InteractionCollector<StringSelectMenuInteraction>(interaction.client, {
    interactionType: InteractionType.MessageComponent,
    componentType: ComponentType.StringSelect,
  });
  collector.on('collect', (choice) => {
    if (choice.customId !== customId) return;
    let answer: Promise<unknown>;
    if (choice.user.id !== interaction.user.id) {
      answer = choice.reply({
        ...refusal('Only the admin who ran `/server connect` can pick its server.'),
        flags: MessageFlags.Ephemeral,
        allowedMentions: NO_MENTIONS,
      });
    } else if (chosen !== null) {
      answer = choice.deferUpdate();
    } else {
      chosen = choice.values[0] ?? null;
      answer = choice.update({
        embeds: [embed('Connecting…', COLORS.info).setDescription('Trying the server’s addresses.')],
        components: [],
        allowedMentions: NO_MENTIONS,
      });
    }
    answer.catch((err) => ctx.log.warn({ err }, 'could not answer a /server connect pick'));
  });
  try {
    const waited = await waitFor(async () => chosen, {
      clock: ctx.clock,
      deadline: start.deadline,
      pollMs: ctx.selfLinkPollMs,
      signal,
      maxFailures: 1,
      onFailure: () => {},
    });
    return waited.kind === 'done' ? waited.value : null;
  } finally {
    collector.stop();
  }
}

async function finish(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  start: ConnectStart,
  signal: AbortSignal,
  render: (connected: ConnectedServer) => EmbedBuilder,
): Promise<void> {
  const outcome = await start.wait(signal);
  const note = outcome.sessionLeftOpen ? `\n${LEFT_OPEN}` : '';
  if (outcome.kind !== 'servers')
    return respond(interaction, { ...refusal(refusedReply(outcome) + note), components: [] });
  const [only] = outcome.servers;
  const chosen =
    outcome.servers.length === 1 && only
      ? only.clientIdentifier
      : await pick(interaction, ctx, start, outcome.servers, signal);
  if (chosen === null) {
    const why = signal.aborted
      ? 'Streamwarden restarted before a server was picked'
      : 'No server was picked in time';
    return respond(interaction, {
      ...refusal(`${why}, so nothing was added. ${AGAIN}${note}`),
      components: [],
    });
  }
  try {
    const connected = await start.connect(chosen);
    const reply = render(connected);
    const skipped = connected.tried.length
      ? `\nNot reachable from the bot: ${connected.tried.map((t) => `${plain(t.url)} (${t.problem})`).join(', ')}.`
      : '';
    reply.setDescription(
      `Signed in as **${plain(outcome.signedInAs)}**; reached at ${plain(connected.row.url)}.${skipped}${note}\n${reply.data.description ?? ''}`,
    );
    await respond(interaction, { embeds: [reply], components: [] });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    await respond(interaction, { ...refusal(`${err.message}${note}`), components: [] });
  }
}

/** Runs `/server connect`; `render` draws the success embed as `/server add` does. */
export async function runServerConnect(
  interaction: ChatInputCommandInteraction,
  ctx: AppContext,
  render: (connected: ConnectedServer) => EmbedBuilder,
): Promise<void> {
  const member = interaction.member;
  const displayName =
    (member && 'displayName' in member ? member.displayName : null) ??
    interaction.user.globalName ??
    interaction.user.username;
  const start = await beginServerConnect(
    ctx,
    { id: interaction.user.id, displayName },
    interaction.options.getString('name', true),
  );
  const background = async (signal: AbortSignal) => {
    try {
      await respond(interaction, signInReply(start));
      await finish(interaction, ctx, start, signal, render);
    } catch (err) {
      ctx.log.error({ err }, '/server connect failed');
      await respond(interaction, {
        ...refusal(
          'Something went wrong on our side. See `/server list` for whether the server was added, and run `/server connect` again if not.',
        ),
        components: [],
      }).catch(() => {});
    } finally {
      start.end();
    }
  };
  try {
    ctx.runInBackground(background);
  } catch {
    start.end();
    throw new UserError('Streamwarden is restarting. Run `/server connect` again in a minute.');
  }
}
