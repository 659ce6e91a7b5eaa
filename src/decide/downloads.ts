// Download allotments, decided: from each member's week (units used, allotment) and the owner's switches, what to
// do about quotas; from each stored switch and the same facts, what to do with that switch. Pure: plain data and
// `now` in, moves out; act/quotas.ts and act/switches.ts carry them out.
import { isOverQuota } from '../policy/downloads.ts';

/** One member's week as the database summed it (services/usage.ts). */
export interface WeekUsage {
  used: number;
  allotment: number;
  weekKey: string;
  weekEnd: Date;
}

export interface QuotaRules {
  /** The owner's switch: downloads are switched off while a member is over their allotment. */
  disableDownloads: boolean;
  dryRun: boolean;
}

/** What the alert says about switching: done, not done because of dry run, or not asked for. */
export type SwitchPolicy = 'switch-off' | 'dry-run' | 'not-enabled';

export type QuotaMove = {
  kind: 'over-allotment';
  memberId: number;
  usage: WeekUsage;
  /** Whether downloads are switched off on the member's servers until the week ends. */
  switching: boolean;
  policy: SwitchPolicy;
};

/** The members over their allotment this week, in member order, each with how switching applies. */
export function decideQuotas(
  usage: ReadonlyMap<number, WeekUsage>,
  known: ReadonlySet<number>,
  rules: QuotaRules,
): QuotaMove[] {
  const policy: SwitchPolicy = rules.dryRun
    ? 'dry-run'
    : rules.disableDownloads
      ? 'switch-off'
      : 'not-enabled';
  return [...usage]
    .filter(([memberId, u]) => known.has(memberId) && isOverQuota(u.used, u.allotment))
    .map(([memberId, u]) => ({
      kind: 'over-allotment',
      memberId,
      usage: u,
      switching: policy === 'switch-off',
      policy,
    }));
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
