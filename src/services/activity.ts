import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { downloads, mediaServers, members, streamLog } from '../db/schema.ts';

export const ACTIVITY_PAGE_SIZE = 10;

export interface ActivityQuery {
  memberId?: number;
  serverId?: number;
  kind?: 'streams' | 'downloads';
  page: number;
}

export interface ActivityEntry {
  kind: 'stream' | 'download';
  at: Date;
  server: string;
  account: string | null;
  discordUserId: string | null;
  title: string | null;
  detail: string;
}

/** Logged activity, newest first; one page plus whether there is another. */
export async function queryActivity(
  db: Db,
  q: ActivityQuery,
): Promise<{ entries: ActivityEntry[]; more: boolean }> {
  const limit = ACTIVITY_PAGE_SIZE * (q.page + 1) + 1;
  const entries: ActivityEntry[] = [];
  if (q.kind !== 'downloads') {
    const where: SQL[] = [];
    if (q.memberId !== undefined) where.push(eq(streamLog.memberId, q.memberId));
    if (q.serverId !== undefined) where.push(eq(streamLog.serverId, q.serverId));
    const rows = await db
      .select({ log: streamLog, server: mediaServers.name, discordUserId: members.discordUserId })
      .from(streamLog)
      .innerJoin(mediaServers, eq(mediaServers.id, streamLog.serverId))
      .leftJoin(members, eq(members.id, streamLog.memberId))
      .where(and(...where))
      .orderBy(desc(streamLog.lastSeenAt))
      .limit(limit);
    for (const r of rows) {
      entries.push({
        kind: 'stream',
        at: r.log.lastSeenAt,
        server: r.server,
        account: r.log.accountName,
        discordUserId: r.discordUserId,
        title: r.log.title,
        detail: `${r.log.device}${r.log.ipAddress ? ` · ${r.log.ipAddress}` : ''} · ${r.log.state} · from ${r.log.firstSeenAt.toISOString()}`,
      });
    }
  }
  if (q.kind !== 'streams') {
    const where: SQL[] = [eq(downloads.logged, true)];
    if (q.memberId !== undefined) where.push(eq(downloads.memberId, q.memberId));
    if (q.serverId !== undefined) where.push(eq(downloads.serverId, q.serverId));
    const rows = await db
      .select({ d: downloads, server: mediaServers.name, discordUserId: members.discordUserId })
      .from(downloads)
      .innerJoin(mediaServers, eq(mediaServers.id, downloads.serverId))
      .leftJoin(members, eq(members.id, downloads.memberId))
      .where(and(...where))
      .orderBy(desc(downloads.startedAt))
      .limit(limit);
    for (const r of rows) {
      entries.push({
        kind: 'download',
        at: r.d.startedAt,
        server: r.server,
        account: r.d.accountName,
        discordUserId: r.discordUserId,
        title: r.d.title,
        detail: r.d.lastSeenIncompleteAt ? 'in progress when last seen' : 'complete',
      });
    }
  }
  entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  const start = q.page * ACTIVITY_PAGE_SIZE;
  return {
    entries: entries.slice(start, start + ACTIVITY_PAGE_SIZE),
    more: entries.length > start + ACTIVITY_PAGE_SIZE,
  };
}
