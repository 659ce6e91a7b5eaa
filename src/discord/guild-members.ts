// Lists the guild's members over REST for the role sync (src/engine/role-sync.ts), without the GuildMembers gateway
// intent: GET /guilds/{guild.id}/members?limit=1000&after=… pages through members sorted by user id
// (https://discord.com/developers/docs/resources/guild#list-guild-members). The route needs the privileged
// "Server Members Intent" toggled on in the developer portal; without it Discord answers 403 with code 50001
// (Missing Access). Only the id, a display name and the role ids are kept.

import { type APIGuildMember, DiscordAPIError, type REST, Routes } from 'discord.js';
import type { GuildMemberEntry, MemberListing } from '../types/running.ts';

/** Discord's largest page for this route. */
export const MEMBERS_PAGE = 1000;

const displayName = (m: APIGuildMember): string =>
  m.nick ?? m.user.global_name ?? m.user.username ?? m.user.id;

export async function listGuildMembers(rest: REST, guildId: string): Promise<MemberListing> {
  const members: GuildMemberEntry[] = [];
  let after = '0';
  for (;;) {
    let page: APIGuildMember[];
    try {
      page = (await rest.get(Routes.guildMembers(guildId), {
        query: new URLSearchParams({ limit: String(MEMBERS_PAGE), after }),
      })) as APIGuildMember[];
    } catch (err) {
      if (err instanceof DiscordAPIError && (err.code === 50001 || err.status === 403)) {
        return { ok: false, missingAccess: true, reason: `Discord answered ${err.status} (${err.code})` };
      }
      const e = err as { status?: number; name?: string };
      return {
        ok: false,
        missingAccess: false,
        reason: `Discord did not list the members (${e.status ?? e.name ?? 'error'})`,
      };
    }
    for (const m of page) {
      members.push({
        id: m.user.id,
        displayName: displayName(m),
        roleIds: m.roles,
        bot: m.user.bot === true,
      });
    }
    const last = page.at(-1);
    if (page.length < MEMBERS_PAGE || !last) return { ok: true, members };
    after = last.user.id;
  }
}
