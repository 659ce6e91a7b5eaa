// A member's explicit plan (`/user plan`), with the date it ends on, if any. Plans from roles are in role-plans.ts; the
// end itself is carried out by src/engine/plan-ends.ts.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { members } from '../db/schema.ts';
import { checkPlanUntil, PLAN_UNTIL_MAX_YEARS } from '../policy/plan-ends.ts';
import { UserError } from '../user-error.ts';
import { type DiscordUserRef, findMember, upsertMember } from './members.ts';
import { requirePlan } from './plans.ts';

/**
 * Puts a member on an explicit plan (role sync leaves it alone). `until` ('YYYY-MM-DD' in TIMEZONE) makes it end on
 * that date (src/engine/plan-ends.ts); without it the plan has no end, and an earlier end date is cleared.
 */
export async function setMemberPlan(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  planName: string,
  until: string | null = null,
) {
  const end = until === null ? null : requirePlanUntil(until, ctx.clock(), ctx.config.timezone);
  const plan = await requirePlan(ctx.db, planName);
  const result = await ctx.db.transaction(async (tx) => {
    const before = await findMember(tx, user.id);
    const member = await upsertMember(tx, user);
    // An explicit plan: role sync leaves it alone until `/user plan-from-roles` or its end date.
    await tx
      .update(members)
      .set({ planId: plan.id, planFromRoles: false, planUntil: end?.until ?? null })
      .where(eq(members.id, member.id));
    await recordAudit(tx, {
      actor,
      action: 'user.plan',
      target: `member:${user.id}`,
      before: {
        planId: before?.planId ?? null,
        fromRoles: before?.planFromRoles ?? false,
        ...(before?.planUntil ? { until: before.planUntil } : {}),
      },
      after: { planId: plan.id, plan: plan.name, fromRoles: false, ...(end ? { until: end.until } : {}) },
    });
    return {
      plan,
      until: end?.until ?? null,
      endsAt: end?.endsAt ?? null,
      previousUntil: before?.planUntil ?? null,
    };
  });
  await ctx.reconcileDownloadSwitches();
  return result;
}

/** The end date of `/user plan … until:`, or a refusal that says what to type. */
function requirePlanUntil(input: string, now: Date, zone: string) {
  const check = checkPlanUntil(input, now, zone);
  if (check.ok) return check;
  const where = `in ${zone}`;
  throw new UserError(
    check.reason === 'format'
      ? `\`until\` must be a date written year-month-day, like ${Number(check.today.slice(0, 4)) + 1}-01-31. Nothing changed.`
      : check.reason === 'past'
        ? `\`until\` must be after today (${check.today} ${where}): the plan ends when that day starts. Nothing changed.`
        : `\`until\` can be at most ${PLAN_UNTIL_MAX_YEARS} years ahead (${check.latest} at the latest). Leave it out for a plan with no end. Nothing changed.`,
  );
}
