// Stand-in member rows for accounts linked to nobody (`/enforcement unlinked plan`): one per (server, account),
// so their breaches go through the same episodes, locks and outbox as members'. See src/policy/unlinked.ts.
import { isNotNull } from 'drizzle-orm';
import type { StandIn, UnlinkedAccount } from '../policy/unlinked.ts';
import type { Db } from './client.ts';
import { type Member, members } from './schema.ts';

/** The Discord user id column of a stand-in: never a snowflake, so nothing can mention or DM it. */
const standInUserId = (serverId: number, account: string) => `stand-in:${serverId}:${account}`;

export async function loadStandIns(db: Db): Promise<Array<StandIn & { member: Member }>> {
  const rows = await db.select().from(members).where(isNotNull(members.standInServerId));
  return rows.flatMap((m) =>
    m.standInServerId !== null && m.standInAccount !== null
      ? [
          {
            memberId: m.id,
            serverId: m.standInServerId,
            account: m.standInAccount,
            accountName: m.displayName,
            member: m,
          },
        ]
      : [],
  );
}

/** Creates the stand-ins of these accounts (one that exists already, made by another instance, is kept). */
export async function createStandIns(db: Db, accounts: readonly UnlinkedAccount[]): Promise<void> {
  if (accounts.length === 0) return;
  await db
    .insert(members)
    .values(
      accounts.map((a) => ({
        discordUserId: standInUserId(a.serverId, a.accountKey),
        displayName: a.accountName,
        standInServerId: a.serverId,
        standInAccount: a.accountKey,
      })),
    )
    .onConflictDoNothing();
}
