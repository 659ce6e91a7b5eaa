// What happens to a member over the download allotment, from their plan and the community's switch. Pure.
//
// A plan's `downloads-over-quota` wins when set. A plan without it (every plan made before the option existed, and
// any plan set back to `default`) follows `/enforcement switch-off-downloads`, as every plan did before: `warn`
// while that switch is off, `switch-off` while it is on. So an install that upgrades keeps doing what it did.

import type { OverQuotaAction } from '../db/schema.ts';

export interface OverQuotaPlan {
  downloadsOverQuota: OverQuotaAction | null;
}

export function overQuotaAction(plan: OverQuotaPlan | null, communitySwitchOff: boolean): OverQuotaAction {
  return plan?.downloadsOverQuota ?? (communitySwitchOff ? 'switch-off' : 'warn');
}

/** Whether downloads are switched off on a server that cannot cancel (`cancel` falls back to switching off). */
export const switchesOff = (action: OverQuotaAction) => action !== 'warn';

/** The plan's setting in words, for `/plan info` and `/quota`. */
export function describeOverQuota(plan: OverQuotaPlan): string {
  switch (plan.downloadsOverQuota) {
    case 'warn':
      return 'warn only';
    case 'switch-off':
      return 'downloads switched off until the week ends';
    case 'cancel':
      return 'downloads in progress cancelled (switched off where the server cannot cancel)';
    default:
      return 'as `/enforcement switch-off-downloads` says';
  }
}

/**
 * The downloads of a member over the allotment that are beyond it: walking the week's downloads in the order they
 * started, those whose units take the count past the allotment. A download still running past two hours counts
 * again (policy/downloads.ts), so it can go past the allotment by itself.
 */
export function beyondAllotment<T extends { startedAt: Date; units: number }>(
  counted: readonly T[],
  allotment: number,
): T[] {
  const ordered = [...counted].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  let total = 0;
  const beyond: T[] = [];
  for (const d of ordered) {
    total += d.units;
    if (total > allotment) beyond.push(d);
  }
  return beyond;
}
