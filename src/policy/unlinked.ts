// Accounts that stream and are linked to nobody. Pure: server reads and links in, one entry per account out.
import type { ActiveStream } from '../media/types.ts';
import { findLink } from './accounts.ts';
import type { AccountLink, ServerRead } from './streams.ts';

/** One account linked to nobody, with the streams it plays on one server. */
export interface UnlinkedAccount {
  serverId: number;
  serverName: string;
  /** The account id when the server gives one, else its name in lower case: one account = one person. */
  accountKey: string;
  accountName: string;
  streams: ActiveStream[];
}

export type UnlinkedMode = 'ignore' | 'alert' | 'plan';
export const UNLINKED_MODES: readonly UnlinkedMode[] = ['ignore', 'alert', 'plan'];

/** A stand-in: the member row that carries the breaches of one account linked to nobody on one server. */
export interface StandIn {
  memberId: number;
  serverId: number;
  /** The account key (`UnlinkedAccount.accountKey`). */
  account: string;
  accountName: string;
}

/** The link a stand-in is matched by: its key is the account id when the server gives one, else the lower name. */
export const standInLink = (s: StandIn): AccountLink => ({
  linkId: -s.memberId,
  memberId: s.memberId,
  serverId: s.serverId,
  accountName: s.accountName,
  accountId: s.account,
});

/**
 * Which stand-ins hold their account to the plan (`inUse`) and which are retired: all of them when the mode is not
 * `plan`, and any whose account is now linked to a real member (that member's plan applies from then on).
 */
export function partitionStandIns(
  standIns: readonly StandIn[],
  links: readonly AccountLink[],
  planMode: boolean,
): { inUse: StandIn[]; retired: StandIn[] } {
  const inUse: StandIn[] = [];
  const retired: StandIn[] = [];
  for (const s of standIns) {
    const serverLinks = links.filter((l) => l.serverId === s.serverId);
    const linked = findLink({ accountId: s.account, accountName: s.accountName }, serverLinks);
    (planMode && !linked ? inUse : retired).push(s);
  }
  return { inUse, retired };
}

/** The unlinked accounts that have no stand-in yet. */
export function accountsWithoutStandIn(
  accounts: readonly UnlinkedAccount[],
  standIns: readonly StandIn[],
): UnlinkedAccount[] {
  const known = new Set(standIns.map((s) => JSON.stringify([s.serverId, s.account])));
  return accounts.filter((a) => !known.has(JSON.stringify([a.serverId, a.accountKey])));
}

/**
 * The accounts that play something and match no link on their server (the owner and idle apps never count), in
 * the order first seen. Sessions the bot stopped should be left out by the caller (`withoutStopped`).
 */
export function unlinkedAccounts(
  reads: readonly ServerRead[],
  links: readonly AccountLink[],
): UnlinkedAccount[] {
  const found = new Map<string, UnlinkedAccount>();
  for (const read of reads) {
    const serverLinks = links.filter((l) => l.serverId === read.serverId);
    for (const stream of read.streams) {
      if (stream.state === null || stream.isOwner || findLink(stream, serverLinks)) continue;
      const accountKey = stream.accountId ?? stream.accountName.trim().toLowerCase();
      if (accountKey === '') continue;
      const id = JSON.stringify([read.serverId, accountKey]);
      const entry = found.get(id) ?? {
        serverId: read.serverId,
        serverName: read.serverName,
        accountKey,
        accountName: stream.accountName,
        streams: [],
      };
      entry.streams.push(stream);
      found.set(id, entry);
    }
  }
  return [...found.values()];
}
