// Download allotments, decided: from each member's week (units used, allotment) and the owner's switches, what to
// do about quotas; from each stored switch and the same facts, what to do with that switch. Pure: plain data and
// `now` in, moves out; act/quotas.ts and act/switches.ts carry them out.
import type { OverQuotaAction } from '../db/schema.ts';
import { isOverQuota } from '../policy/downloads.ts';
import { type OverQuotaPlan, overQuotaAction } from '../policy/over-quota.ts';

/** One member's week as the database summed it (services/usage.ts). */
export interface WeekUsage {
  used: number;
  allotment: number;
  weekKey: string;
  weekEnd: Date;
}

export interface QuotaRules {
  /** The community's switch (`/enforcement switch-off-downloads`), for plans that do not say. */
  disableDownloads: boolean;
  dryRun: boolean;
}

/** Who is on which plan and where, and which servers can cancel a download in progress. */
export interface QuotaPlaces {
  planOf(memberId: number): OverQuotaPlan | null;
  /** The servers the member is linked on. */
  serversOf(memberId: number): readonly number[];
  /** Servers whose platform cancels downloads and where cancelling has not failed. */
  cancellable: ReadonlySet<number>;
}

/** What the alert says: switched off, cancelling, not done because of dry run, or only a warning. */
export type SwitchPolicy = 'switch-off' | 'cancel' | 'dry-run' | 'not-enabled';

export type QuotaMove = {
  kind: 'over-allotment';
  memberId: number;
  usage: WeekUsage;
  action: OverQuotaAction;
  /** Whether downloads are switched off on some of the member's servers until the week ends. */
  switching: boolean;
  /** Servers where downloads are switched off: every linked server (`switch-off`), or those that cannot cancel. */
  switchOff: number[];
  /** Servers where the member's downloads beyond the allotment are cancelled (`cancel`). */
  cancelOn: number[];
  policy: SwitchPolicy;
};

/** The members over their allotment this week, in member order, each with what their plan does about it. */
export function decideQuotas(
  usage: ReadonlyMap<number, WeekUsage>,
  known: ReadonlySet<number>,
  rules: QuotaRules,
  places: QuotaPlaces,
): QuotaMove[] {
  return [...usage]
    .filter(([memberId, u]) => known.has(memberId) && isOverQuota(u.used, u.allotment))
    .map(([memberId, u]) => {
      const action = overQuotaAction(places.planOf(memberId), rules.disableDownloads);
      const servers = places.serversOf(memberId);
      const acting = !rules.dryRun;
      const cancelOn = acting && action === 'cancel' ? servers.filter((s) => places.cancellable.has(s)) : [];
      const switchOff = acting && action !== 'warn' ? servers.filter((s) => !cancelOn.includes(s)) : [];
      const policy: SwitchPolicy = rules.dryRun ? 'dry-run' : action === 'warn' ? 'not-enabled' : action;
      return {
        kind: 'over-allotment' as const,
        memberId,
        usage: u,
        action,
        switching: switchOff.length > 0,
        switchOff,
        cancelOn,
        policy,
      };
    });
}

/** A switch the bot made, as stored (`download_switches`). */
export interface StoredSwitch {
  memberId: number;
  serverId: number;
  state: 'disabled' | 'disable-failed' | 'enable-failed';
  until: Date;
}

export interface SwitchFacts {
  /** The member's week, when the member is still linked. */
  usage: WeekUsage | undefined;
  /** Whether this instance senses the switch's server (with several instances, its lease holder moves it). */
  owned: boolean;
  /** Whether the member's plan switches downloads off on this server (`switch-off`, or `cancel` where the server
   *  cannot cancel; policy/over-quota.ts). */
  disableDownloads: boolean;
  enforceDownloads: boolean;
  now: Date;
}

export type SwitchMove =
  /** Another instance senses the server (or it is gone): nothing here; `shouldBeOn` counts it as left off. */
  | { kind: 'leave'; shouldBeOn: boolean }
  /** Stays off and is confirmed off: nothing to do. */
  | { kind: 'keep-off' }
  /** Stays off, but the switch-off was never confirmed: read the server, switch off again when needed. */
  | { kind: 'confirm-off' }
  /** The week turned, the member is back within the allotment, or the owner stopped switching: switch back on. */
  | { kind: 'switch-on' };

export function decideSwitch(sw: StoredSwitch, facts: SwitchFacts): SwitchMove {
  const { usage } = facts;
  const keepOff =
    facts.disableDownloads &&
    facts.enforceDownloads &&
    sw.until > facts.now &&
    usage !== undefined &&
    isOverQuota(usage.used, usage.allotment);
  if (!facts.owned) return { kind: 'leave', shouldBeOn: !keepOff };
  if (!keepOff) return { kind: 'switch-on' };
  return sw.state === 'disable-failed' ? { kind: 'confirm-off' } : { kind: 'keep-off' };
}
