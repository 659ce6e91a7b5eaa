// Plans from Discord roles: which plan a member's roles give, and what a role sync does to a member's plan.
// Pure: no I/O, no clock.

/** What of a plan decides between two bound plans. */
export interface BoundPlan {
  id: number;
  streamCap: number;
  downloadsAllowed: boolean;
  weeklyDownloads: number | null;
}

export interface RoleBinding<P extends BoundPlan = BoundPlan> {
  roleId: string;
  plan: P;
}

/** A member's plan as stored: `fromRoles` is true when role sync set it, false when an admin did (`/user plan`). */
export interface MemberPlan {
  planId: number | null;
  fromRoles: boolean;
}

/** The downloads a plan gives a week by default (none when the plan has no downloads). */
export const planAllotment = (p: BoundPlan): number => (p.downloadsAllowed ? (p.weeklyDownloads ?? 0) : 0);

/** Better first: the higher stream cap, then the larger download allotment, then the lower plan id. */
export function comparePlans(a: BoundPlan, b: BoundPlan): number {
  return b.streamCap - a.streamCap || planAllotment(b) - planAllotment(a) || a.id - b.id;
}

/**
 * The plan a member's roles give: among the bound plans of the roles they hold, the best one (see comparePlans), with
 * the held roles that give it. Null when none of their roles is bound.
 */
export function planFromRoles<P extends BoundPlan>(
  roleIds: readonly string[],
  bindings: readonly RoleBinding<P>[],
): { plan: P; roleIds: string[] } | null {
  const held = new Set(roleIds);
  const mine = bindings.filter((b) => held.has(b.roleId));
  const best = mine.map((b) => b.plan).sort(comparePlans)[0];
  if (!best) return null;
  return { plan: best, roleIds: mine.filter((b) => b.plan.id === best.id).map((b) => b.roleId) };
}

/**
 * What the member's plan should be after a role sync, given their stored plan (null: no `members` row) and the roles
 * they hold now. An explicit plan (set with `/user plan`) wins over roles. A plan from roles follows the roles: the best
 * bound plan, or none once the member holds no bound role. A member without a plan takes the plan of their roles.
 * Returns null when nothing changes.
 */
export function resolveMemberPlan<P extends BoundPlan>(
  current: MemberPlan | null,
  roleIds: readonly string[],
  bindings: readonly RoleBinding<P>[],
): { planId: number | null; fromRoles: boolean; plan: P | null; roleIds: string[] } | null {
  if (current && current.planId !== null && !current.fromRoles) return null;
  const found = planFromRoles(roleIds, bindings);
  if (found) {
    if (current?.planId === found.plan.id && current.fromRoles) return null;
    return { planId: found.plan.id, fromRoles: true, plan: found.plan, roleIds: found.roleIds };
  }
  if (current?.fromRoles) return { planId: null, fromRoles: false, plan: null, roleIds: [] };
  return null;
}
