// Exempt devices, boosts, and the devices a member was seen on (live sessions and the stream log).
import { and, desc, eq, gt, inArray, isNotNull, isNull, or } from 'drizzle-orm';
import { findLink } from '../policy/accounts.ts';
import type { ExemptDevice } from '../policy/fairness.ts';
import type { Db } from './client.ts';
import {
  type Boost,
  boosts,
  deviceExemptions,
  liveSessions,
  mediaAccounts,
  mediaServers,
  streamLog,
} from './schema.ts';

/** Every exempt device of every member (one statement per cycle). */
export async function loadExemptions(db: Db): Promise<ExemptDevice[]> {
  return db
    .select({
      memberId: deviceExemptions.memberId,
      deviceId: deviceExemptions.deviceId,
      ipAddress: deviceExemptions.ipAddress,
    })
    .from(deviceExemptions);
}

/**
 * Boosts that may apply at `now` (not over, not ended early), of `memberIds` or of everyone: one statement. Which one
 * applies is the policy's call (src/policy/fairness.ts `activeBoost`).
 */
export async function loadCurrentBoosts(db: Db, now: Date, memberIds?: readonly number[]): Promise<Boost[]> {
  if (memberIds !== undefined && memberIds.length === 0) return [];
  const current = and(gt(boosts.endsAt, now), or(isNull(boosts.endedEarlyAt), gt(boosts.endedEarlyAt, now)));
  return db
    .select()
    .from(boosts)
    .where(memberIds === undefined ? current : and(current, inArray(boosts.memberId, [...memberIds])));
}

/** A device one member was seen streaming on. */
export interface SeenDevice {
  deviceId: string;
  /** Its display name when last seen (for labels only; a member can set it to anything). */
  name: string;
  product: string | null;
  platform: string;
  server: string;
  lastSeen: Date;
  /** The address it was last seen streaming from, when the server said. */
  ipAddress: string | null;
  /** Listed in a server's current sessions. */
  live: boolean;
}

/**
 * The devices `memberId` was seen streaming on, on any server, latest sighting first: their current sessions
 * (live_sessions, attributed through the links like enforcement does: by account id when known, else by name) and
 * the stream log's history (stream_log.member_id). Only sessions with a device identifier.
 */
export async function seenDevices(db: Db, memberId: number): Promise<SeenDevice[]> {
  const found = new Map<string, SeenDevice>();
  const keep = (d: SeenDevice) => {
    const other = found.get(d.deviceId);
    if (!other || other.lastSeen < d.lastSeen || (d.live && !other.live)) found.set(d.deviceId, d);
  };

  const mine = await db
    .select({ serverId: mediaAccounts.serverId })
    .from(mediaAccounts)
    .where(eq(mediaAccounts.memberId, memberId));
  const serverIds = [...new Set(mine.map((l) => l.serverId))];
  if (serverIds.length > 0) {
    const links = await db
      .select({
        memberId: mediaAccounts.memberId,
        serverId: mediaAccounts.serverId,
        accountName: mediaAccounts.accountName,
        accountId: mediaAccounts.accountId,
      })
      .from(mediaAccounts)
      .where(inArray(mediaAccounts.serverId, serverIds))
      .orderBy(mediaAccounts.id);
    const live = await db
      .select({ session: liveSessions, server: mediaServers.name, platform: mediaServers.platform })
      .from(liveSessions)
      .innerJoin(mediaServers, eq(mediaServers.id, liveSessions.serverId))
      .where(and(inArray(liveSessions.serverId, serverIds), isNotNull(liveSessions.deviceId)));
    for (const { session, server, platform } of live) {
      const link = findLink(
        { accountId: session.accountId, accountName: session.accountName },
        links.filter((l) => l.serverId === session.serverId),
      );
      if (link?.memberId !== memberId || session.deviceId === null) continue;
      const stream = session.stream;
      keep({
        deviceId: session.deviceId,
        name: typeof stream.device === 'string' ? stream.device : 'Unknown device',
        product: typeof stream.product === 'string' ? stream.product : null,
        platform,
        server,
        lastSeen: session.lastSeenAt,
        ipAddress: typeof stream.ipAddress === 'string' ? stream.ipAddress : null,
        live: true,
      });
    }
  }

  const logged = await db
    .selectDistinctOn([streamLog.deviceId], {
      deviceId: streamLog.deviceId,
      device: streamLog.device,
      lastSeen: streamLog.lastSeenAt,
      ipAddress: streamLog.ipAddress,
      server: mediaServers.name,
      platform: mediaServers.platform,
    })
    .from(streamLog)
    .innerJoin(mediaServers, eq(mediaServers.id, streamLog.serverId))
    .where(and(eq(streamLog.memberId, memberId), isNotNull(streamLog.deviceId)))
    .orderBy(streamLog.deviceId, desc(streamLog.lastSeenAt))
    .limit(500);
  for (const r of logged) {
    if (r.deviceId === null) continue;
    keep({
      deviceId: r.deviceId,
      name: r.device,
      product: null,
      platform: r.platform,
      server: r.server,
      lastSeen: r.lastSeen,
      ipAddress: r.ipAddress,
      live: false,
    });
  }
  return [...found.values()].sort(
    (a, b) => Number(b.live) - Number(a.live) || b.lastSeen.getTime() - a.lastSeen.getTime(),
  );
}
