// The link a member has on a server, read straight from the database (tests of `/link` and `/user link`).
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { mediaAccounts, mediaServers, members } from '../../src/db/schema.ts';

export async function linkOf(
  db: Db,
  discordUserId: string,
  server: string,
): Promise<{ accountName: string; accountId: string | null } | undefined> {
  const [row] = await db
    .select({ accountName: mediaAccounts.accountName, accountId: mediaAccounts.accountId })
    .from(mediaAccounts)
    .innerJoin(members, eq(members.id, mediaAccounts.memberId))
    .innerJoin(mediaServers, eq(mediaServers.id, mediaAccounts.serverId))
    .where(and(eq(members.discordUserId, discordUserId), eq(mediaServers.name, server)));
  return row;
}
