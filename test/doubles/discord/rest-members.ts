// GET /guilds/{guild.id}/members (https://discord.com/developers/docs/resources/guild#list-guild-members): guild
// member objects sorted by user id, `limit` 1–1000 (default 1), `after` the highest user id of the previous page
// (default 0). The route needs the privileged GUILD_MEMBERS intent toggled on for the application; without it Discord
// answers 403 {"message": "Missing Access", "code": 50001} (code 50001 in
// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
import { apiError } from './message-body.ts';
import { memberPayload } from './payloads.ts';
import type { Route } from './rest.ts';

const SNOWFLAKE = /^\d{1,20}$/;

export function memberRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/guilds\/(\d+)\/members$/,
      auth: true,
      handle: ({ state, params, query }) => {
        if (params[0] !== state.guildId) return apiError(404, 10004, 'Unknown Guild');
        if (!state.membersIntent) return apiError(403, 50001, 'Missing Access');
        const limitText = query.get('limit') ?? '1';
        const afterText = query.get('after') ?? '0';
        const limit = Number(limitText);
        const errors: Record<string, unknown> = {};
        if (!/^\d+$/.test(limitText) || limit < 1 || limit > 1000)
          errors.limit = {
            _errors: [{ code: 'NUMBER_TYPE_MAX', message: 'int value should be <= 1000 and >= 1.' }],
          };
        if (!SNOWFLAKE.test(afterText))
          errors.after = { _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value is not snowflake.' }] };
        if (Object.keys(errors).length > 0) return apiError(400, 50035, 'Invalid Form Body', errors);
        const after = BigInt(afterText);
        const page = [...state.members.values()]
          .filter((m) => BigInt(m.user.id) > after)
          .sort((a, b) => (BigInt(a.user.id) < BigInt(b.user.id) ? -1 : 1))
          .slice(0, limit)
          .map(memberPayload);
        return { status: 200, body: page };
      },
    },
  ];
}
