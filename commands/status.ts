import { PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { capabilityLines } from '../src/discord/capability-text.ts';
import { alertsChannelWarning } from '../src/discord/channel-visibility.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, discordTime, embed, plain, respond } from '../src/discord/reply.ts';
import { getSettings } from '../src/services/settings.ts';
import { type BotStatus, botStatus, type InstanceStatus, type ServerStatus } from '../src/services/status.ts';
import type { BackupStatus, RoleSyncStatus } from '../src/types/running.ts';
import { VERSION } from '../src/version.ts';

/** Past this many servers the healthy, connected ones are summarised in one line. */
const SERVER_LINES = 20;

/** Instances listed, and server names listed per instance, before "…and N more". */
const INSTANCE_LINES = 4;
const SERVER_NAMES = 3;

function instanceText(i: InstanceStatus): string {
  const names = i.servers.slice(0, SERVER_NAMES).map((n) => plain(n).slice(0, 30));
  if (i.servers.length > SERVER_NAMES) names.push(`…+${i.servers.length - SERVER_NAMES}`);
  const holds = [i.gateway ? 'gateway' : 'standby', `${i.servers.length} server(s)`].join(' · ');
  return `\`${plain(i.id).slice(0, 60)}\`${i.self ? ' (this one)' : ''}: ${holds}${names.length > 0 ? ` (${names.join(', ')})` : ''}`;
}

function instancesText(status: BotStatus): string {
  if (status.clusterMode === 'single')
    return `Single instance (embedded database): this one holds the gateway and every server.`;
  const lines = status.instances.slice(0, INSTANCE_LINES).map(instanceText);
  if (status.instances.length > INSTANCE_LINES)
    lines.push(`…and ${status.instances.length - INSTANCE_LINES} more instance(s)`);
  return lines.join('\n');
}

const when = (d: Date | null) => (d ? discordTime(d, 'R') : 'never');

function pushText(s: ServerStatus): string {
  if (!s.push) return 'polling (PUSH=off)';
  if (s.push.state === 'connected' && s.push.silent)
    return `push connected but **not delivering** since ${when(s.push.silent.since)}: ${plain(s.push.silent.reason)}; polled every 15 s${s.push.silent.fix ? `\n↳ ${plain(s.push.silent.fix)}` : ''}`;
  if (s.push.state === 'connected') return `push connected · last event ${when(s.push.lastEventAt)}`;
  const why = s.push.detail ? `: ${plain(s.push.detail)}` : '';
  return `polling (push ${s.push.state}${why}) · last event ${when(s.push.lastEventAt)}`;
}

function healthText(s: ServerStatus): string {
  const reason = s.healthReason ? ` (${plain(s.healthReason).slice(0, 150)})` : '';
  return `${s.health}${reason} · last read ${when(s.lastReadAt)}`;
}

function roleSyncText(r: RoleSyncStatus): string {
  if (r.access === 'missing')
    return 'Role sync unavailable: turn on **Server Members Intent** (developer portal → Bot → Privileged Gateway Intents).';
  if (r.bindings === 0) return 'No role gives a plan (`/plan role`).';
  return `${r.bindings} role${r.bindings === 1 ? '' : 's'} bound · last sync ${when(r.lastRunAt)}`;
}

/** Bytes as owners read them: 12.3 MB. */
const size = (bytes: number) =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;

/** The backup line; null when the bot makes none (PostgreSQL, or BACKUP_SCHEDULE=off). */
export function backupText(b: BackupStatus | undefined): string | null {
  if (!b?.schedule) return null;
  const last = b.last ? `last ${when(b.last.at)} · ${size(b.last.bytes)}` : 'none yet';
  if (!b.failing) return last;
  return `⚠️ failing since ${when(b.failing.since)}: ${plain(b.failing.error).slice(0, 200)}
${last}`;
}

const failing = (s: ServerStatus) => [...s.capabilities.values()].some((c) => c.state === 'failed');
const fine = (s: ServerStatus) =>
  s.health === 'up' && (s.push === null || (s.push.state === 'connected' && !s.push.silent)) && !failing(s);

export function renderStatus(status: BotStatus, alertsWarning: string | null = null) {
  const shown =
    status.servers.length > SERVER_LINES
      ? status.servers.filter((s) => !fine(s)).slice(0, SERVER_LINES)
      : status.servers;
  const lines = shown.map((s) =>
    [
      `**${plain(s.name)}** (${s.platform})`,
      pushText(s),
      healthText(s),
      // Long lists show only what failed; the rest is in /server test.
      ...capabilityLines(s.capabilities, { fixes: false }).filter(
        (l) => shown.length <= 5 || l.startsWith('❌'),
      ),
    ].join('\n'),
  );
  const hiddenFine = status.servers.filter((s) => fine(s) && !shown.includes(s)).length;
  const hiddenOther = status.servers.length - shown.length - hiddenFine;
  // Summaries first: a long list is shortened from its end.
  if (hiddenOther > 0) lines.unshift(`${hiddenOther} more server(s) with a problem, not listed.`);
  if (hiddenFine > 0)
    lines.unshift(`${hiddenFine} more server(s) up${status.pushEnabled ? ', push connected' : ''}.`);
  if (lines.length === 0) lines.push('No media server yet: add one with `/server add`.');
  const bad =
    status.servers.some((s) => s.health !== 'up' || failing(s) || s.push?.silent) ||
    status.outbox.failed > 0 ||
    status.failingSwitches.length > 0 ||
    status.roleSync?.access === 'missing' ||
    status.backup?.failing ||
    alertsWarning !== null;
  const switches = status.failingSwitches
    .slice(0, 10)
    .map(
      (f) =>
        `${plain(f.account)} on ${plain(f.server)}: ${f.state === 'disable-failed' ? 'could not switch off' : 'could not switch back on'}`,
    );
  if (status.failingSwitches.length > 10) switches.push(`…and ${status.failingSwitches.length - 10} more`);
  return embed('Status', bad ? COLORS.warn : COLORS.ok)
    .setDescription(lines.join('\n\n'))
    .addFields(
      { name: 'Instances', value: instancesText(status) },
      {
        name: 'Outbox',
        value: `${status.outbox.pending} pending · ${status.outbox.failed} given up`,
      },
      { name: 'Failing download switches', value: switches.length > 0 ? switches.join('\n') : 'none' },
      ...(status.roleSync ? [{ name: 'Plans from roles', value: roleSyncText(status.roleSync) }] : []),
      ...(backupText(status.backup) ? [{ name: 'Backups', value: backupText(status.backup)! }] : []),
      ...(alertsWarning ? [{ name: 'Alerts channel', value: `⚠️ ${alertsWarning}` }] : []),
    )
    .setFooter({
      text: `Streamwarden ${VERSION} · ${
        status.pushEnabled
          ? 'Push on: events trigger a cycle; the schedule polls as well.'
          : 'PUSH=off: polling on the schedule only.'
      }`,
    });
}

export const status: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('status')
    .setDescription(
      'Is the bot working: each server’s health and what works there, outbox, download switches, backups',
    )
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: 'Ephemeral' });
    const { alertsChannelId, hideAddresses } = await getSettings(ctx.db);
    const [status, warning] = await Promise.all([
      botStatus(ctx),
      alertsChannelWarning(interaction.client.rest, ctx.config.guildId, alertsChannelId, hideAddresses),
    ]);
    await respond(interaction, { embeds: [renderStatus(status, warning)] });
  },
};
