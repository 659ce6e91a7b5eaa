// Plans from Discord roles: binding a role to a plan (/plan role, /plan unrole), listing the bindings, and handing a
// member's plan back to their roles (/user plan-from-roles). The sync that applies them is src/engine/role-sync.ts.
import { asc, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { members, type Plan, plans, rolePlans } from '../db/schema.ts';
import { quoted } from '../notify/format.ts';
import type { RoleBinding } from '../policy/role-plans.ts';
import { UserError } from '../user-error.ts';
import { findMember } from './members.ts';
import { requirePlan } from './plans.ts';

/** A Discord role as the command saw it (nothing here imports discord.js). */
export interface RoleRef {
  id: string;
  name: string;
  /** Managed by an integration (a bot's own role, the Booster role, a Twitch or YouTube subscriber role). */
  managed: boolean;
  /** Set when the role is a bot's own role (role tags `bot_id`): only that bot holds it. */
  botId: string | null;
}

const roleLabel = (role: RoleRef) => quoted(role.name.replace(/^@/, ''), 100);

/** Every binding with its plan, role id order. */
export async function roleBindings(db: Db): Promise<Array<RoleBinding<Plan> & { roleName: string }>> {
  const rows = await db
    .select({ roleId: rolePlans.roleId, roleName: rolePlans.roleName, plan: plans })
    .from(rolePlans)
    .innerJoin(plans, eq(plans.id, rolePlans.planId))
    .orderBy(asc(rolePlans.roleId));
  return rows;
}

/** The plan a role gives now, if any. */
async function bindingOf(db: Db, roleId: string) {
  const [row] = await db
    .select({ planId: rolePlans.planId, planName: plans.name })
    .from(rolePlans)
    .innerJoin(plans, eq(plans.id, rolePlans.planId))
    .where(eq(rolePlans.roleId, roleId));
  return row;
}

export async function bindRole(db: Db, guildId: string, actor: string, planName: string, role: RoleRef) {
  const plan = await requirePlan(db, planName);
  if (role.id === guildId) {
    throw new UserError(
      'The @everyone role can’t give a plan: every member holds it. Bind a role that only the members of that tier have, or use `/user plan`.',
    );
  }
  if (role.botId !== null) {
    throw new UserError(
      `${roleLabel(role)} is a bot’s own role (Discord manages it and only that bot holds it), so it can’t give a plan. Choose a role your members hold.`,
    );
  }
  const existing = await bindingOf(db, role.id);
  if (existing) {
    throw new UserError(
      existing.planId === plan.id
        ? `${roleLabel(role)} already gives **${existing.planName}**. Nothing changed.`
        : `${roleLabel(role)} already gives **${existing.planName}**; a role gives one plan. Unbind it first with \`/plan unrole plan:${existing.planName}\`, then bind it again.`,
    );
  }
  await db.transaction(async (tx) => {
    await tx
      .insert(rolePlans)
      .values({ roleId: role.id, planId: plan.id, roleName: role.name, createdBy: actor });
    await recordAudit(tx, {
      actor,
      action: 'plan.role',
      target: `plan:${plan.name}`,
      after: { roleId: role.id, role: role.name, planId: plan.id, plan: plan.name },
    });
  });
  return { plan };
}

export async function unbindRole(db: Db, actor: string, planName: string, role: RoleRef) {
  const plan = await requirePlan(db, planName);
  const existing = await bindingOf(db, role.id);
  if (!existing)
    throw new UserError(`${roleLabel(role)} doesn’t give any plan. See \`/plan list\` for the bound roles.`);
  if (existing.planId !== plan.id) {
    throw new UserError(
      `${roleLabel(role)} gives **${existing.planName}**, not **${plan.name}**. Use \`/plan unrole plan:${existing.planName}\`.`,
    );
  }
  await db.transaction(async (tx) => {
    await tx.delete(rolePlans).where(eq(rolePlans.roleId, role.id));
    await recordAudit(tx, {
      actor,
      action: 'plan.unrole',
      target: `plan:${plan.name}`,
      before: { roleId: role.id, role: role.name, planId: plan.id, plan: plan.name },
    });
  });
  return { plan };
}

/** Role ids bound to each plan id (for /plan list). */
export async function rolesByPlan(db: Db): Promise<Map<number, string[]>> {
  const rows = await db
    .select({ roleId: rolePlans.roleId, planId: rolePlans.planId })
    .from(rolePlans)
    .orderBy(asc(rolePlans.roleId));
  const byPlan = new Map<number, string[]>();
  for (const r of rows) byPlan.set(r.planId, [...(byPlan.get(r.planId) ?? []), r.roleId]);
  return byPlan;
}

/**
 * Hands a member's plan back to their roles (the way back from `/user plan`): the next role sync, run right after,
 * sets the plan their roles give, or none.
 */
export async function planFromRolesAgain(
  ctx: AppContext,
  actor: string,
  user: { id: string; displayName: string },
) {
  const member = await findMember(ctx.db, user.id);
  if (!member || (member.planId === null && !member.planFromRoles)) {
    throw new UserError(
      `${quoted(user.displayName)} has no plan set with \`/user plan\`; their roles already decide their plan.`,
    );
  }
  if (member.planFromRoles) {
    throw new UserError(
      `${quoted(user.displayName)}’s plan already comes from their roles. Nothing changed.`,
    );
  }
  await ctx.db.transaction(async (tx) => {
    // A plan from roles has no end date: it ends when the role goes.
    await tx.update(members).set({ planFromRoles: true, planUntil: null }).where(eq(members.id, member.id));
    await recordAudit(tx, {
      actor,
      action: 'user.plan-from-roles',
      target: `member:${user.id}`,
      before: {
        planId: member.planId,
        fromRoles: false,
        ...(member.planUntil ? { until: member.planUntil } : {}),
      },
      after: { planId: member.planId, fromRoles: true },
    });
  });
}

/** The name of the member's plan now, or null. */
export async function memberPlanName(db: Db, discordUserId: string): Promise<string | null> {
  const [row] = await db
    .select({ name: plans.name })
    .from(members)
    .innerJoin(plans, eq(plans.id, members.planId))
    .where(eq(members.discordUserId, discordUserId));
  return row?.name ?? null;
}
