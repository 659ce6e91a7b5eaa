import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { AppContext } from '../src/context.ts';
import type { MediaServerRow } from '../src/db/schema.ts';
import { suggest } from '../src/discord/autocomplete.ts';
import { capabilityLines } from '../src/discord/capability-text.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, embed, ok, plain, respond } from '../src/discord/reply.ts';
import { PLATFORMS, type Platform } from '../src/media/types.ts';
import { checkVersion } from '../src/policy/versions.ts';
import { cancelNote } from '../src/services/capabilities.ts';
import { setHomeNetworks } from '../src/services/home-networks.ts';
import { NAME_MAX } from '../src/services/plans.ts';
import { editServer, type ServerChanges } from '../src/services/server-edit.ts';
import { limitsText } from '../src/services/server-limits.ts';
import {
  addServer,
  listServers,
  PLATFORM_LABEL,
  removeServer,
  serverNames,
  setLogging,
  testServer,
} from '../src/services/servers.ts';
import type { CapabilityName, CapabilityRecord } from '../src/types/capabilities.ts';
import { runServerConnect } from './flows/server-connect.ts';
import { limitsSubcommand, runLimits } from './server-limits.ts';

const serverOption = (option: string) => (o: import('discord.js').SlashCommandStringOption) =>
  o.setName(option).setDescription('Server').setRequired(true).setAutocomplete(true).setMaxLength(NAME_MAX);
const nameOption = serverOption('name');

function passLine(
  row: Pick<MediaServerRow, 'platform' | 'premium' | 'canStopStreams' | 'stopUnavailableReason'>,
): string {
  if (row.premium === null) return ''; // only platforms with a subscription report it
  return row.premium
    ? '\nPlex Pass: **active** (streams can be stopped).'
    : `\nPlex Pass: **not active**. ${row.stopUnavailableReason ?? 'Streams cannot be stopped; everything else works.'}`;
}

/** The version line of /server add and /server test, with a warning when it is outside the versions checked. */
function versionLine(platform: Platform, version: string): { text: string; outside: boolean } {
  const { verdict, range } = checkVersion(platform, version);
  const shown = `Version ${plain(version.slice(0, 60))}.`;
  const checked = `Streamwarden was checked against ${PLATFORM_LABEL[platform]} ${range}`;
  switch (verdict) {
    case 'checked':
      return { text: shown, outside: false };
    case 'older':
      return {
        text: `${shown}\n⚠️ This version is older than the ones ${checked}. Reading sessions, stopping streams or switching downloads may fail: update the server if you can.`,
        outside: true,
      };
    case 'newer':
      return {
        text: `${shown}\n⚠️ This version is newer than the ones ${checked}. It will probably work; if something fails, mention the version when you report it.`,
        outside: true,
      };
    case 'unreadable':
      return { text: `${shown}\n⚠️ This version number could not be read. ${checked}.`, outside: true };
  }
}

/** Reply of a successful connection: the server's name and version, the version warning, Plex Pass, and what the
 *  bot can do there (with what to do about what fails). */
function connected(
  ctx: AppContext,
  title: string,
  row: MediaServerRow,
  name: string,
  version: string,
  capabilities: Map<CapabilityName, CapabilityRecord>,
) {
  const v = versionLine(row.platform, version);
  const failed = [...capabilities.values()].some((c) => c.state === 'failed');
  return embed(title, v.outside || failed ? COLORS.warn : COLORS.ok)
    .setDescription(`${PLATFORM_LABEL[row.platform]} **${plain(name)}**.\n${v.text}${passLine(row)}`)
    .addFields(
      { name: 'What works', value: capabilityLines(capabilities, { fixes: true }).join('\n') },
      { name: 'Downloads over the allotment', value: cancelNote(ctx, row) },
    );
}

/** What /server edit changed, never the token itself. */
/** A server's home networks in words: all of them, or (for /server list) the first `shown`. */
function networksLine(row: Pick<MediaServerRow, 'homeNetworks'>, shown = Number.POSITIVE_INFINITY): string {
  const nets = row.homeNetworks;
  if (nets.length === 0) return 'Home networks (`/server networks`): none';
  const listed = nets.slice(0, shown).map((n) => `\`${n}\``);
  if (nets.length > listed.length) listed.push(`${nets.length - listed.length} more`);
  return `Home networks (\`/server networks\`): ${listed.join(', ')}`;
}

function changeLines(changes: ServerChanges): string {
  return [
    changes.name && `Name: ${plain(changes.name.before)} → **${plain(changes.name.after)}**`,
    changes.url && `Address: ${plain(changes.url.before)} → **${plain(changes.url.after)}**`,
    changes.token && 'Token: replaced (stored encrypted).',
    'Its linked accounts, download switches and history are kept.',
  ]
    .filter(Boolean)
    .join('\n');
}

export const server: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('server')
    .setDescription('Manage the media servers Streamwarden watches')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('add')
        .setDescription('Connect a media server (checked before it is saved)')
        .addStringOption((o) =>
          o
            .setName('platform')
            .setDescription('Platform')
            .setRequired(true)
            .addChoices(...PLATFORMS.map((p) => ({ name: PLATFORM_LABEL[p], value: p }))),
        )
        .addStringOption((o) =>
          o.setName('name').setDescription('A short name, e.g. "4K"').setRequired(true).setMaxLength(40),
        )
        .addStringOption((o) =>
          o
            .setName('url')
            .setDescription('Address, e.g. http://192.168.1.10:32400')
            .setRequired(true)
            .setMaxLength(300),
        )
        .addStringOption((o) =>
          o
            .setName('token')
            .setDescription('Plex token or Jellyfin/Emby API key (stored encrypted)')
            .setRequired(true)
            .setMaxLength(500),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('connect')
        .setDescription('Add a Plex server by signing in at plex.tv (no token to copy)')
        .addStringOption((o) =>
          o.setName('name').setDescription('A short name, e.g. "4K"').setRequired(true).setMaxLength(40),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('edit')
        .setDescription('Change a server’s address, token or name (checked before it is saved)')
        .addStringOption(serverOption('server'))
        .addStringOption((o) =>
          o.setName('url').setDescription('New address, e.g. http://192.168.1.10:32400').setMaxLength(300),
        )
        .addStringOption((o) =>
          o.setName('token').setDescription('New Plex token or Jellyfin/Emby API key').setMaxLength(500),
        )
        .addStringOption((o) => o.setName('name').setDescription('New name').setMaxLength(40))
        .addBooleanOption((o) =>
          o
            .setName('confirm-new-server')
            .setDescription('The new address is another server on purpose (its identity differs)'),
        ),
    )
    .addSubcommand((s) =>
      s.setName('remove').setDescription('Stop watching a server').addStringOption(nameOption),
    )
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription(
          'The servers watched, what each one logs and its caps (health and what works: /status)',
        ),
    )
    .addSubcommand((s) =>
      s.setName('test').setDescription('Check the connection now').addStringOption(nameOption),
    )
    .addSubcommand((s) =>
      s
        .setName('logging')
        .setDescription('Choose what activity is kept for /activity')
        .addStringOption(nameOption)
        .addBooleanOption((o) => o.setName('streams').setDescription('Keep stream activity'))
        .addBooleanOption((o) => o.setName('downloads').setDescription('Keep download activity')),
    )
    .addSubcommand((s) =>
      s
        .setName('networks')
        .setDescription(
          'The server’s own networks: plans with home-streams free do not count streams from them',
        )
        .addStringOption(serverOption('server'))
        .addStringOption((o) =>
          o
            .setName('networks')
            .setDescription('CIDR list, e.g. 192.168.1.0/24, 2001:db8:1::/48 (replaces the list)')
            .setMaxLength(1000),
        )
        .addBooleanOption((o) => o.setName('clear').setDescription('Remove every home network')),
    )
    .addSubcommand(limitsSubcommand),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    await interaction.deferReply({ flags: 'Ephemeral' });
    if (sub === 'add') {
      const { row, identity, capabilities } = await addServer(ctx, actor, {
        platform: interaction.options.getString('platform', true) as Platform,
        name: interaction.options.getString('name', true),
        url: interaction.options.getString('url', true),
        token: interaction.options.getString('token', true),
      });
      return respond(interaction, {
        embeds: [
          connected(ctx, `Connected: ${row.name}`, row, identity.name, identity.version, capabilities),
        ],
      });
    }
    if (sub === 'connect') {
      return runServerConnect(interaction, ctx, ({ row, identity, capabilities }) =>
        connected(ctx, `Connected: ${row.name}`, row, identity.name, identity.version, capabilities),
      );
    }
    if (sub === 'edit') {
      const edited = await editServer(ctx, actor, {
        server: interaction.options.getString('server', true),
        url: interaction.options.getString('url'),
        token: interaction.options.getString('token'),
        name: interaction.options.getString('name'),
        confirmNewServer: interaction.options.getBoolean('confirm-new-server') ?? false,
      });
      const summary = changeLines(edited.changes);
      if (!edited.identity || !edited.capabilities)
        return respond(interaction, ok(`Server **${plain(edited.row.name)}** updated.\n${summary}`));
      const { identity } = edited;
      const reply = connected(
        ctx,
        `Updated: ${edited.row.name}`,
        edited.row,
        identity.name,
        identity.version,
        edited.capabilities,
      );
      const stillDown =
        edited.row.status === 'down'
          ? '\nIt shows as down until the next check (`/enforcement run-now` checks now).'
          : '';
      reply.setDescription(`${summary}${stillDown}\n${reply.data.description ?? ''}`);
      return respond(interaction, { embeds: [reply] });
    }
    if (sub === 'remove') {
      const { row, stillOff } = await removeServer(ctx, actor, interaction.options.getString('name', true));
      const warning = stillOff.length
        ? `\nDownloads Streamwarden had switched off for ${stillOff.map(plain).join(', ')} could not be switched back on: do it by hand on the server.`
        : '';
      return respond(
        interaction,
        ok(`Server **${plain(row.name)}** removed, with its linked accounts.${warning}`),
      );
    }
    if (sub === 'test') {
      const { row, identity, problem, capabilities } = await testServer(
        ctx,
        interaction.options.getString('name', true),
      );
      if (!identity || !capabilities)
        return respond(interaction, {
          embeds: [embed(`${row.name}: not reachable`, COLORS.bad).setDescription(problem)],
        });
      const fresh = {
        ...row,
        premium: identity.premium,
        canStopStreams: identity.canStopStreams,
        stopUnavailableReason: identity.stopUnavailableReason,
      };
      return respond(interaction, {
        embeds: [
          connected(ctx, `${row.name}: connected`, fresh, identity.name, identity.version, capabilities),
        ],
      });
    }
    if (sub === 'logging') {
      const row = await setLogging(ctx, actor, interaction.options.getString('name', true), {
        streams: interaction.options.getBoolean('streams'),
        downloads: interaction.options.getBoolean('downloads'),
      });
      return respond(
        interaction,
        ok(
          `**${plain(row.name)}**: stream logging ${row.logStreams ? 'on' : 'off'}, download logging ${row.logDownloads ? 'on' : 'off'}.`,
        ),
      );
    }
    if (sub === 'networks') {
      const row = await setHomeNetworks(ctx, actor, interaction.options.getString('server', true), {
        networks: interaction.options.getString('networks'),
        clear: interaction.options.getBoolean('clear') ?? false,
      });
      const note =
        row.homeNetworks.length === 0
          ? ''
          : '\nStreams from these networks do not count on plans with `home-streams: free` (`/plan edit`). Only the networks configured here are used, never what the server itself calls local.';
      return respond(interaction, ok(`**${plain(row.name)}**: ${networksLine(row)}.${note}`));
    }
    if (sub === 'limits') return runLimits(interaction, ctx);
    const rows = await listServers(ctx.db);
    const e = embed('Media servers');
    e.setDescription(
      rows.length === 0
        ? 'No servers yet. Add one with `/server add`.'
        : 'Each server’s health, push and what works there: `/status`. Check one now: `/server test`.',
    );
    for (const row of rows.slice(0, 25)) {
      e.addFields({
        name: `${row.name} (${PLATFORM_LABEL[row.platform]})`,
        value:
          `Logging (\`/server logging\`): streams ${row.logStreams ? 'on' : 'off'}, downloads ${row.logDownloads ? 'on' : 'off'}\n` +
          `Limits (\`/server limits\`): ${limitsText(row)}\n${networksLine(row, 3)}`,
      });
    }
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await serverNames(ctx.db));
  },
};
