// `/user unlinked`: accounts that stream (now, or in the last 7 days) and are linked to nobody, so no plan applies
// to them. Read from live_sessions (what plays now) and the stream log (member_id null), checked against the links
// as they are now (an account linked since is left out).
import { and, desc, gte, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { loadLinks } from '../db/links.ts';
import { streamFromJson } from '../db/live-sessions.ts';
import { liveSessions, mediaServers, streamLog } from '../db/schema.ts';
import { findLink } from '../policy/accounts.ts';
import { unlinkedAccounts } from '../policy/unlinked.ts';

export const UNLINKED_PAGE_SIZE = 15;
const LOOK_BACK_MS = 7 * 24 * 60 * 60 * 1000;

export interface UnlinkedStreamer {
  server: string;
  accountName: string;
  lastSeen: Date;
  /** Playing now. */
  live: boolean;
  /** Device names seen (labels only). */
  devices: string[];
}

export async function unlinkedStreamers(
  db: Db,
  now: Date,
  page: number,
): Promise<{ rows: UnlinkedStreamer[]; more: boolean; total: number }> {
  const links = (await loadLinks(db)).map(({ link }) => ({
    linkId: link.id,
    memberId: link.memberId,
    serverId: link.serverId,
    accountName: link.accountName,
    accountId: link.accountId,
  }));
  const servers = new Map((await db.select().from(mediaServers)).map((s) => [s.id, s.name]));
  const found = new Map<string, UnlinkedStreamer>();
  const add = (serverId: number, key: string, entry: Omit<UnlinkedStreamer, 'server'>) => {
    const id = JSON.stringify([serverId, key]);
    const other = found.get(id);
    if (!other) {
      found.set(id, { server: servers.get(serverId) ?? `server ${serverId}`, ...entry });
      return;
    }
    other.live ||= entry.live;
    if (entry.lastSeen > other.lastSeen) other.lastSeen = entry.lastSeen;
    for (const d of entry.devices) if (!other.devices.includes(d)) other.devices.push(d);
  };

  const live = await db.select().from(liveSessions);
  const reads = [...servers].map(([serverId, serverName]) => ({
    serverId,
    serverName,
    streams: live.filter((r) => r.serverId === serverId).map((r) => streamFromJson(r.stream)),
  }));
  for (const account of unlinkedAccounts(reads, links)) {
    add(account.serverId, account.accountName.trim().toLowerCase(), {
      accountName: account.accountName,
      lastSeen: now,
      live: true,
      devices: [...new Set(account.streams.map((s) => s.device))],
    });
  }
  const logged = await db
    .select({
      serverId: streamLog.serverId,
      accountName: streamLog.accountName,
      device: streamLog.device,
      lastSeen: streamLog.lastSeenAt,
    })
    .from(streamLog)
    .where(and(isNull(streamLog.memberId), gte(streamLog.lastSeenAt, new Date(now.getTime() - LOOK_BACK_MS))))
    .orderBy(desc(streamLog.lastSeenAt))
    .limit(5000);
  for (const r of logged) {
    const serverLinks = links.filter((l) => l.serverId === r.serverId);
    if (findLink({ accountId: null, accountName: r.accountName }, serverLinks)) continue;
    add(r.serverId, r.accountName.trim().toLowerCase(), {
      accountName: r.accountName,
      lastSeen: r.lastSeen,
      live: false,
      devices: [r.device],
    });
  }
  const all = [...found.values()].sort(
    (a, b) => Number(b.live) - Number(a.live) || b.lastSeen.getTime() - a.lastSeen.getTime(),
  );
  const start = page * UNLINKED_PAGE_SIZE;
  return {
    rows: all.slice(start, start + UNLINKED_PAGE_SIZE),
    more: all.length > start + UNLINKED_PAGE_SIZE,
    total: all.length,
  };
}
