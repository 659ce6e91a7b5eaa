// Guild roles in the double: the role object as Discord sends it, and the options tests create roles with.
// Role structure: https://discord.com/developers/docs/topics/permissions#role-object (id, name, color, colors, hoist,
// icon, unicode_emoji, position, permissions, managed, mentionable, tags?, flags). Tags with type null are booleans:
// present and null when true, absent when false (role tags structure, same page).
import type { APIRole, APIRoleTags, RoleFlags } from 'discord-api-types/v10';
import type { DoubleState } from './state.ts';

export interface RoleOptions {
  name: string;
  /** Default 0 (no colour). */
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
  /** Permission bits as a decimal string; default '0' (a role that only groups members). */
  permissions?: string;
  /** A bot's own role: managed, tags.bot_id. */
  botId?: string;
  /** A role an integration manages (Twitch or YouTube subscribers): managed, tags.integration_id. */
  integrationId?: string;
  /** The guild's Booster role: managed, tags.premium_subscriber = null. */
  premiumSubscriber?: boolean;
}

export function buildRole(state: DoubleState, options: RoleOptions): APIRole {
  const tags: APIRoleTags = {
    ...(options.botId !== undefined ? { bot_id: options.botId } : {}),
    ...(options.integrationId !== undefined ? { integration_id: options.integrationId } : {}),
    ...(options.premiumSubscriber ? { premium_subscriber: null } : {}),
  };
  const color = options.color ?? 0;
  return {
    id: state.nextId(),
    name: options.name,
    color,
    colors: { primary_color: color, secondary_color: null, tertiary_color: null },
    hoist: options.hoist ?? false,
    icon: null,
    unicode_emoji: null,
    // @everyone is position 0; each new role goes above the others.
    position: state.roles.size + 1,
    permissions: options.permissions ?? '0',
    managed: Object.keys(tags).length > 0,
    mentionable: options.mentionable ?? false,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    flags: 0 as RoleFlags,
  };
}
