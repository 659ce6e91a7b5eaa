// Plans that end (`/user plan … until:`), run by the role sync every minute before it looks at roles
// (src/engine/role-sync.ts). src/policy/plan-ends.ts says what is due: a reminder DM in the last three days (once per
// member and end date: deliverOnce, `notice:plan-ending:<member>:<date>:dm`), and from the first instant of the end
// date in TIMEZONE the fall-back to the plan the member's roles give, or none. Each fall-back is stored with its audit
// entry and its DM in one transaction, and only when the member's plan is still as read, so it happens once, after a
// crash or on several instances too. Cheap when unused: one read of the members whose plan has an end date.

import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { members, type Plan, plans } from '../db/schema.ts';
import { type Language, noticeLanguage } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { deliverOnce, noticeKey } from '../notify/notice-queue.ts';
import { toJsonMessage } from '../notify/payload.ts';
import { planEndedDm, planEndingDm } from '../notify/plan-end-notice.ts';
import { type EndingPlan, type PlanEndMove, planEndMoves } from '../policy/plan-ends.ts';
import { planFromRoles, type RoleBinding } from '../policy/role-plans.ts';
import { getSettings } from '../services/settings.ts';
import type { MemberListing } from '../types/running.ts';

type Ending = EndingPlan & { lang: Language };

export interface PlanEndDeps {
  /** The guild's members with their roles (shared with the role sync of the same run). */
  listMembers: () => Promise<MemberListing>;
  /** The actor of the audit entries (the bot's user id, or a name). */
  actor: string;
  guildName: string | null;
  log: Logger;
}

/** Reminds members whose plan ends within three days and ends the plans whose day has come; returns how many ended. */
export async function runPlanEnds(
  ctx: AppContext,
  bindings: readonly RoleBinding<Plan>[],
  deps: PlanEndDeps,
): Promise<number> {
  const stored = await ctx.db
    .select({
      memberId: members.id,
      discordUserId: members.discordUserId,
      planId: members.planId,
      until: members.planUntil,
      locale: members.locale,
    })
    .from(members)
    .where(and(isNotNull(members.planUntil), isNotNull(members.planId), isNull(members.standInServerId)));
  // Each member's DMs in their language (the community's when they never ran a command).
  const { guildLocale } = await getSettings(ctx.db);
  const rows: Ending[] = stored.flatMap(({ planId, until, locale, ...r }) =>
    planId !== null && until !== null
      ? [{ ...r, planId, until, lang: noticeLanguage(locale, guildLocale) }]
      : [],
  );
  if (rows.length === 0) return 0;
  const now = ctx.clock();
  const moves = planEndMoves(rows, now, ctx.config.timezone);
  if (moves.length === 0) return 0;
  const byId = new Map((await ctx.db.select().from(plans)).map((p) => [p.id, p] as const));
  for (const move of moves) {
    if (move.kind !== 'remind') continue;
    const { member, endsAt } = move;
    await deliverOnce(
      ctx,
      { kind: 'plan-ending', subject: `${member.discordUserId}:${member.until}`, channel: 'dm' },
      () => ({
        channel: 'dm',
        to: member.discordUserId,
        message: planEndingDm(
          { guildName: deps.guildName, plan: byId.get(member.planId) ?? null, endsAt },
          member.lang,
        ),
      }),
    ).catch((err) => deps.log.warn({ err }, 'plan ends: the reminder could not be queued'));
  }
  const ends = moves.filter((m) => m.kind === 'end');
  if (ends.length === 0) return 0;
  const roles = await rolesNow(bindings, deps);
  if (roles === 'later') return 0;
  let ended = 0;
  for (const move of ends) {
    const found = planFromRoles(roles.get(move.member.discordUserId) ?? [], bindings);
    if (await endPlan(ctx, deps, move, found, byId, now)) ended++;
  }
  if (ended === 0) return 0;
  deps.log.info({ ended }, 'plan ends: plans ended');
  await ctx
    .reconcileDownloadSwitches()
    .catch((err) => deps.log.error({ err }, 'plan ends: switch reconcile failed'));
  await ctx.effects.drain().catch((err) => deps.log.warn({ err }, 'plan ends: sending the DMs failed'));
  return ended;
}

/**
 * Each listed member's roles, or 'later' when Discord could not list them just now (the next minute tries again).
 * Without bindings no role gives a plan, so nobody is listed; when Discord refuses the listing (no Server Members
 * Intent) roles can give no plan either, so the plans end to none (the role sync sets the roles' plan once it can).
 */
async function rolesNow(
  bindings: readonly RoleBinding<Plan>[],
  deps: PlanEndDeps,
): Promise<Map<string, string[]> | 'later'> {
  if (bindings.length === 0) return new Map();
  const listing = await deps.listMembers();
  if (listing.ok) return new Map(listing.members.map((m) => [m.id, m.roleIds]));
  if (listing.missingAccess) return new Map();
  deps.log.warn({ reason: listing.reason }, 'plan ends: could not list the server’s members; trying again');
  return 'later';
}

/** Ends one plan with its audit entry and DM, unless the member's plan changed since it was read. */
async function endPlan(
  ctx: AppContext,
  deps: PlanEndDeps,
  move: PlanEndMove<Ending>,
  found: { plan: Plan; roleIds: string[] } | null,
  byId: Map<number, Plan>,
  now: Date,
): Promise<boolean> {
  const { member } = move;
  const to = found?.plan.id ?? null;
  const fromRoles = to !== null;
  return ctx.db.transaction(async (tx) => {
    const stillAsRead = and(
      eq(members.id, member.memberId),
      eq(members.planId, member.planId),
      eq(members.planUntil, member.until),
      eq(members.planFromRoles, false),
    );
    const updated = await tx
      .update(members)
      .set({ planId: to, planFromRoles: fromRoles, planUntil: null })
      .where(stillAsRead)
      .returning({ id: members.id });
    if (updated.length === 0) return false;
    await recordAudit(tx, {
      actor: deps.actor,
      action: 'user.plan',
      target: `member:${member.discordUserId}`,
      before: { planId: member.planId, fromRoles: false, until: member.until },
      after: { planId: to, fromRoles, roleIds: found?.roleIds ?? [], by: 'plan end' },
    });
    const notice = { kind: 'plan-ended', subject: `${member.discordUserId}:${member.until}`, channel: 'dm' };
    const message = planEndedDm(
      { guildName: deps.guildName, previous: byId.get(member.planId) ?? null, plan: found?.plan ?? null },
      member.lang,
    );
    await enqueueEffects(
      tx,
      [
        {
          key: noticeKey(notice),
          kind: 'notice',
          group: `plan-ended:${member.discordUserId}`,
          payload: { channel: 'dm', to: member.discordUserId, message: toJsonMessage(message) },
        },
      ],
      now,
    );
    return true;
  });
}
