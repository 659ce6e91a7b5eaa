import { and, eq, ne, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';
import { type MediaAccountRow, type Member, mediaAccounts, members, type Plan, plans } from './schema.ts';

export interface LinkWithMember {
  link: MediaAccountRow;
  member: Member;
  plan: Plan | null;
}

/** Every linked account with its member and the member's plan: what one cycle enforces. */
export async function loadLinks(db: Db): Promise<LinkWithMember[]> {
  return db
    .select({ link: mediaAccounts, member: members, plan: plans })
    .from(mediaAccounts)
    .innerJoin(members, eq(members.id, mediaAccounts.memberId))
    .leftJoin(plans, eq(plans.id, members.planId));
}

/** Stores account ids learnt from sessions or activities, so matching stops depending on names. An id already
 *  linked on that server to someone else is not stored (one account id, one member: the unique index). */
export async function storeLearntAccountIds(
  db: Db,
  learnt: Array<{ linkId: number; accountId: string }>,
): Promise<void> {
  for (const { linkId, accountId } of learnt) {
    const other = alias(mediaAccounts, 'other');
    await db
      .update(mediaAccounts)
      .set({ accountId })
      .where(
        and(
          eq(mediaAccounts.id, linkId),
          notExists(
            db
              .select({ id: other.id })
              .from(other)
              .where(
                and(
                  eq(other.serverId, mediaAccounts.serverId),
                  eq(other.accountId, accountId),
                  ne(other.id, linkId),
                ),
              ),
          ),
        ),
      );
  }
}
