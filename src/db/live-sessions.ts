// The sessions the bot sees now, per server, with when each was first seen and since when it is paused: three
// statements per cycle whatever the number of sessions (forget the ended, upsert the new and the changed, read the
// times back).
import { and, inArray, sql } from 'drizzle-orm';
import type { ActiveStream } from '../media/types.ts';
import { type ServerRead, sessionRef } from '../policy/streams.ts';
import type { Db } from './client.ts';
import { liveSessions } from './schema.ts';

/** A steady session's `last_seen_at` is refreshed this often, not on every read. */
const REFRESH = "interval '5 minutes'";

/** When each session (`serverId:key`) was first seen, and since when the paused ones are paused. */
export interface LiveTimes {
  firstSeen: Map<string, Date>;
  pausedSince: Map<string, Date>;
}

/**
 * Replaces the stored sessions of the servers that were read by what they reported (idle apps left out), and
 * returns when each of those sessions was first seen and since when it is paused (`serverId:key`): the pause start
 * is set by the first read that sees the session paused and cleared by a read that sees it otherwise. Servers not
 * read keep their rows.
 */
export async function syncLiveSessions(db: Db, reads: ServerRead[], now: Date): Promise<LiveTimes> {
  if (reads.length === 0) return { firstSeen: new Map(), pausedSince: new Map() };
  const serverIds = reads.map((r) => r.serverId);
  const rows = reads.flatMap((r) =>
    r.streams
      .filter((s) => s.state !== null)
      .map((s) => ({
        serverId: r.serverId,
        sessionKey: s.key,
        deviceId: s.deviceId,
        accountName: s.accountName,
        accountId: s.accountId,
        stream: streamToJson(s),
        firstSeenAt: now,
        lastSeenAt: now,
        pausedSince: s.state === 'paused' ? now : null,
      })),
  );
  const refs = rows.map((r) => sessionRef(r.serverId, r.sessionKey));
  await db
    .delete(liveSessions)
    .where(
      and(
        inArray(liveSessions.serverId, serverIds),
        sql`not ((${liveSessions.serverId}::text || ':' || ${liveSessions.sessionKey}) = any(${sql.param(refs)}::text[]))`,
      ),
    );
  if (rows.length > 0) {
    // The rows travel as one JSON parameter, unpacked by the database (jsonb_to_recordset), rather than as nine
    // parameters a row: at thousands of sessions, building and parsing a statement of tens of thousands of
    // parameters was most of a cycle's CPU.
    const json = JSON.stringify(
      rows.map((r) => ({
        server_id: r.serverId,
        session_key: r.sessionKey,
        device_id: r.deviceId,
        account_name: r.accountName,
        account_id: r.accountId,
        stream: r.stream,
        first_seen_at: r.firstSeenAt.toISOString(),
        last_seen_at: r.lastSeenAt.toISOString(),
        paused_since: r.pausedSince?.toISOString() ?? null,
      })),
    );
    await db
      .insert(liveSessions)
      .select(
        sql`select server_id, session_key, device_id, account_name, account_id, stream, first_seen_at, last_seen_at,
          paused_since from jsonb_to_recordset(${json}::jsonb) as r(server_id integer, session_key text,
          device_id text, account_name text, account_id text, stream jsonb, first_seen_at timestamptz,
          last_seen_at timestamptz, paused_since timestamptz)`,
      )
      .onConflictDoUpdate({
        target: [liveSessions.serverId, liveSessions.sessionKey],
        set: {
          stream: sql`excluded.stream`,
          deviceId: sql`excluded.device_id`,
          accountName: sql`excluded.account_name`,
          accountId: sql`excluded.account_id`,
          lastSeenAt: sql`excluded.last_seen_at`,
          // Still paused: the pause keeps its start; playing (or buffering) again: no pause.
          pausedSince: sql`case when excluded.paused_since is null then null
            else coalesce(${liveSessions.pausedSince}, excluded.paused_since) end`,
        },
        // No rewrite of a session that did not change (no dead rows), except a periodic last-seen refresh.
        setWhere: sql`${liveSessions.stream} is distinct from excluded.stream
          or ${liveSessions.lastSeenAt} < excluded.last_seen_at - ${sql.raw(REFRESH)}`,
      });
  }
  const seen = await db
    .select({
      serverId: liveSessions.serverId,
      key: liveSessions.sessionKey,
      at: liveSessions.firstSeenAt,
      pausedSince: liveSessions.pausedSince,
    })
    .from(liveSessions)
    .where(inArray(liveSessions.serverId, serverIds));
  return {
    firstSeen: new Map(seen.map((r) => [sessionRef(r.serverId, r.key), r.at])),
    pausedSince: pausedTimes(seen),
  };
}

const pausedTimes = (rows: Array<{ serverId: number; key: string; pausedSince: Date | null }>) =>
  new Map(
    rows.flatMap((r) => (r.pausedSince ? [[sessionRef(r.serverId, r.key), r.pausedSince] as const] : [])),
  );

/**
 * What was last read of servers this cycle does not read (another instance senses them, or a push cycle read only
 * the server that pushed), as server reads: the sessions stored by their last successful read, with their pauses.
 */
export async function loadLiveReads(
  db: Db,
  servers: Array<{ id: number; name: string }>,
): Promise<{ reads: ServerRead[]; pausedSince: Map<string, Date> }> {
  if (servers.length === 0) return { reads: [], pausedSince: new Map() };
  const rows = await db
    .select()
    .from(liveSessions)
    .where(
      inArray(
        liveSessions.serverId,
        servers.map((s) => s.id),
      ),
    );
  const reads = servers.map((s) => ({
    serverId: s.id,
    serverName: s.name,
    streams: rows.filter((r) => r.serverId === s.id).map((r) => streamFromJson(r.stream)),
  }));
  return { reads, pausedSince: pausedTimes(rows.map((r) => ({ ...r, key: r.sessionKey }))) };
}

/** A session as stored in JSON (live_sessions, stop effects), and back. */
export const streamFromJson = (s: Record<string, unknown>): ActiveStream =>
  ({ ...s, startedAt: typeof s.startedAt === 'string' ? new Date(s.startedAt) : null }) as ActiveStream;

export function streamToJson(s: ActiveStream): Record<string, unknown> {
  return { ...s, startedAt: s.startedAt ? s.startedAt.toISOString() : null };
}
