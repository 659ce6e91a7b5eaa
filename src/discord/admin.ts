import { type Interaction, PermissionFlagsBits } from 'discord.js';

export function isAdmin(interaction: Interaction): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}
