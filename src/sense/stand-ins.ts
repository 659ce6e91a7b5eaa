// `/enforcement unlinked plan <name>`: every account linked to nobody is held to that plan, one account = one
// person. Each such account gets a stand-in member row (src/db/stand-ins.ts) the first time it streams, and a link
// that lives only for the cycle; the stream enforcement then treats it like a member (grace, dry run, one notice
// per episode), except that its notices are the admins' alert only. A stand-in is retired, its open episode
// resolved, once its account is linked to a real member or the mode changes.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { type Plan, plans, type Settings } from '../db/schema.ts';
import { createStandIns, loadStandIns } from '../db/stand-ins.ts';
import type { AccountLink, ServerRead } from '../policy/streams.ts';
import {
  accountsWithoutStandIn,
  partitionStandIns,
  standInLink,
  unlinkedAccounts,
} from '../policy/unlinked.ts';

async function unlinkedPlan(ctx: AppContext, settings: Settings): Promise<Plan | null> {
  if (settings.unlinkedMode !== 'plan' || settings.unlinkedPlanId === null) return null;
  const [plan] = await ctx.db.select().from(plans).where(eq(plans.id, settings.unlinkedPlanId));
  return plan ?? null;
}

/**
 * The stand-ins' links for this cycle (empty unless the mode is `plan`), creating the stand-ins of accounts that
 * stream in `reads` and have none yet; and the stand-ins no longer used, for act/stand-ins.ts to retire.
 */
export async function standInLinks(
  ctx: AppContext,
  settings: Settings,
  reads: readonly ServerRead[],
  links: readonly AccountLink[],
): Promise<{ links: LinkWithMember[]; retired: number[] }> {
  const plan = await unlinkedPlan(ctx, settings);
  let standIns = await loadStandIns(ctx.db);
  if (plan) {
    const missing = accountsWithoutStandIn(unlinkedAccounts(reads, links), standIns);
    if (missing.length > 0) {
      await createStandIns(ctx.db, missing);
      standIns = await loadStandIns(ctx.db);
    }
  }
  const { inUse, retired } = partitionStandIns(standIns, links, plan !== null);
  const retiring = retired.map((s) => s.memberId);
  if (!plan) return { links: [], retired: retiring };
  const byId = new Map(standIns.map((s) => [s.memberId, s.member]));
  const held = inUse.flatMap((s) => {
    const member = byId.get(s.memberId);
    if (!member) return [];
    const l = standInLink(s);
    return [
      {
        link: {
          id: l.linkId,
          memberId: s.memberId,
          serverId: s.serverId,
          accountName: l.accountName,
          accountId: l.accountId,
          linkedBy: 'admin' as const,
          createdAt: member.createdAt,
        },
        member,
        plan,
      },
    ];
  });
  return { links: held, retired: retiring };
}
