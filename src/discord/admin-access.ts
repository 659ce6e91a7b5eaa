// Whether the member behind an interaction may use an admin command (or a button or option an admin command owns),
// and the refusal that says what would let them: src/policy/admin-access.ts decides from the member, the channel,
// the command's overrides (command-permissions.ts) and the admin role (`/enforcement admin-role`).
import { type Interaction, PermissionFlagsBits } from 'discord.js';
import type { AppContext } from '../context.ts';
import { settings as settingsTable } from '../db/schema.ts';
import { type AdminAccess, decideAdminAccess } from '../policy/admin-access.ts';
import { UserError } from '../user-error.ts';
import { commandPermissionsOf } from './command-permissions.ts';

const INTEGRATIONS = 'Server Settings → Integrations → Streamwarden';

/** The member's role ids besides @everyone, from a cached member or the interaction's raw member. */
function roleIdsOf(interaction: Interaction): string[] {
  const member = interaction.member;
  if (!member) return [];
  const ids = Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  return ids.filter((id) => id !== interaction.guildId);
}

function parentChannelOf(interaction: Interaction): string | null {
  const channel = interaction.channel;
  return channel?.isThread() ? channel.parentId : null;
}

interface Checked {
  access: AdminAccess;
  adminRoleId: string | null;
  /** False when the overrides could not be read (only Manage Server and the admin role counted). */
  overridesRead: boolean;
}

async function check(interaction: Interaction, ctx: AppContext, command: string): Promise<Checked> {
  const permissions = interaction.memberPermissions;
  const guildId = interaction.guildId ?? ctx.config.guildId;
  const cache = commandPermissionsOf(interaction.client, interaction.applicationId, ctx.log);
  const commandId =
    (interaction.isChatInputCommand() || interaction.isAutocomplete()) && interaction.commandName === command
      ? interaction.commandId
      : null;
  const [overrides, [settings]] = await Promise.all([
    cache.forCommand(guildId, { id: commandId, name: command }, ctx.clock()),
    // The admin role of `/enforcement admin-role` (the settings row exists once the bot has started).
    ctx.db.select({ adminRoleId: settingsTable.adminRoleId }).from(settingsTable).limit(1),
  ]);
  const access = decideAdminAccess({
    guildId,
    member: {
      userId: interaction.user.id,
      roleIds: roleIdsOf(interaction),
      administrator: permissions?.has(PermissionFlagsBits.Administrator) ?? false,
      manageGuild: permissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
    },
    channelId: interaction.channelId ?? '',
    parentChannelId: parentChannelOf(interaction),
    overrides,
    adminRoleId: settings?.adminRoleId ?? null,
  });
  return { access, adminRoleId: settings?.adminRoleId ?? null, overridesRead: overrides !== null };
}

/** Whether the member may use admin command `command` here (or what it owns: its buttons, admin-only options). */
export async function mayUseAdminCommand(
  interaction: Interaction,
  ctx: AppContext,
  command: string,
): Promise<boolean> {
  return (await check(interaction, ctx, command)).access.allowed;
}

/**
 * Refuses (UserError) unless the member may use admin command `command` here. `what` names what was refused (the
 * command by default, or e.g. "Approving a link change"); the refusal says which grant would let them.
 */
export async function requireAdminCommand(
  interaction: Interaction,
  ctx: AppContext,
  command: string,
  what = `\`/${command}\``,
): Promise<void> {
  const checked = await check(interaction, ctx, command);
  if (!checked.access.allowed) throw new UserError(adminRefusal(checked, command, what));
}

function adminRefusal(checked: Checked, command: string, what: string): string {
  const { access, adminRoleId } = checked;
  if (access.allowed) return '';
  if (access.denied === 'channel')
    return `${what}: \`/${command}\` is switched off in this channel in ${INTEGRATIONS}. Use another channel.`;
  if (access.denied === 'member') return `${what}: ${INTEGRATIONS} denies you \`/${command}\`.`;
  const role = adminRoleId
    ? `the Streamwarden admin role (<@&${adminRoleId}>)`
    : 'the Streamwarden admin role (none is set: `/enforcement admin-role`)';
  if (!checked.overridesRead)
    return (
      `${what} is for the server’s admins: it needs Manage Server or ${role}. ` +
      `Streamwarden cannot read the permissions set in ${INTEGRATIONS} just now; try again in a minute.`
    );
  return (
    `${what} is for the server’s admins: it needs Manage Server, a role or user allowed for \`/${command}\` in ` +
    `${INTEGRATIONS}, or ${role}.`
  );
}
