// Command permission overrides, as Discord's "Application Command Permissions Object" and its two GET routes describe
// them (https://discord.com/developers/docs/interactions/application-commands#permissions; discord-api-types
// APIGuildApplicationCommandPermissions):
// - GET /applications/{application.id}/guilds/{guild.id}/commands/permissions "Fetches permissions for all commands
//   for your application in a guild. Returns an array of guild application command permissions objects": one
//   `{ id, application_id, guild_id, permissions }` per command that has overrides, and one whose id is the
//   application id for the app-wide ones ("When the id field is the application ID instead of a command ID, the
//   permissions apply to all commands that do not contain explicit overwrites");
// - GET …/commands/{command.id}/permissions returns one such object; a command without overrides answers 404 with
//   code 10066 "Unknown application command permissions" (opcodes-and-status-codes; discord.js's
//   ApplicationCommandPermissionsManager treats exactly that code as "none").
// Both work with the bot token; only the PUT needs a Bearer token, and the bot never sends it.
import type { APIApplicationCommandPermission } from 'discord-api-types/v10';
import { apiError, type RouteResult } from './message-body.ts';
import type { Route, RouteContext } from './rest.ts';
import type { DoubleState } from './state.ts';

/** The guild application command permissions object for one command id (or the application id). */
export function commandPermissionsPayload(
  state: DoubleState,
  id: string,
  permissions: readonly APIApplicationCommandPermission[],
) {
  return { id, application_id: state.applicationId, guild_id: state.guildId, permissions: [...permissions] };
}

function refused(ctx: RouteContext): RouteResult | null {
  if (ctx.params[0] !== ctx.state.applicationId || ctx.params[1] !== ctx.state.guildId)
    return apiError(403, 50001, 'Missing Access');
  const fault = ctx.state.commandPermissionsFault;
  return fault ? apiError(fault.status, fault.code, fault.message) : null;
}

export function commandPermissionRoutes(): Route[] {
  const base = '^\\/applications\\/(\\d+)\\/guilds\\/(\\d+)\\/commands';
  return [
    {
      method: 'GET',
      pattern: new RegExp(`${base}\\/permissions$`),
      auth: true,
      handle: (ctx) =>
        refused(ctx) ?? {
          status: 200,
          body: [...ctx.state.commandPermissions]
            .filter(([, permissions]) => permissions.length > 0)
            .map(([id, permissions]) => commandPermissionsPayload(ctx.state, id, permissions)),
        },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${base}\\/(\\d+)\\/permissions$`),
      auth: true,
      handle: (ctx) => {
        const bad = refused(ctx);
        if (bad) return bad;
        const id = ctx.params[2] ?? '';
        const permissions = ctx.state.commandPermissions.get(id) ?? [];
        if (permissions.length === 0) return apiError(404, 10066, 'Unknown application command permissions');
        return { status: 200, body: commandPermissionsPayload(ctx.state, id, permissions) };
      },
    },
  ];
}
