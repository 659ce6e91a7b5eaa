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

export type UnlinkedMode = 'ignore' | 'alert';
export const UNLINKED_MODES: readonly UnlinkedMode[] = ['ignore', 'alert'];

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
