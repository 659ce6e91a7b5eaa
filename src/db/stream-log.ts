import { and, gte, inArray, sql } from 'drizzle-orm';
import type { ActiveStream } from '../media/types.ts';
import type { Db } from './client.ts';
import { streamLog } from './schema.ts';

/** A session key seen again within this window is the same session (Plex reuses small sessionKeys later). */
const SAME_SESSION_WINDOW_MS = 15 * 60 * 1000;
/**
 * An unchanged session's stored last sighting is refreshed at most this often (it must stay well inside the
 * window above, so that after a restart the row is still found). Between refreshes the last sighting lives in
 * memory and is written when the session ends, so a steady stream costs no row rewrite (no dead-row churn).
 */
export const LAST_SEEN_REFRESH_MS = 5 * 60 * 1000;

export interface StreamLogEntry {
  serverId: number;
  memberId: number | null;
  stream: ActiveStream;
}

type Values = Pick<
  typeof streamLog.$inferInsert,
  'memberId' | 'accountName' | 'device' | 'deviceId' | 'ipAddress' | 'title' | 'state'
>;

/** What this process knows of a logged session: its row, the values stored and the latest sighting. */
interface Sighting {
  id: number;
  serverId: number;
  values: Values;
  storedLastSeen: Date;
  lastSeen: Date;
}

/** Per database (tests run several bots in one process), keyed by server and session key. */
const sightingsByDb = new WeakMap<Db, Map<string, Sighting>>();

const keyOf = (serverId: number, sessionKey: string) => `${serverId}\u0000${sessionKey}`;

function sightingsOf(db: Db): Map<string, Sighting> {
  let map = sightingsByDb.get(db);
  if (!map) {
    map = new Map();
    sightingsByDb.set(db, map);
  }
  return map;
}

const sameValues = (a: Values, b: Values) =>
  a.memberId === b.memberId &&
  a.accountName === b.accountName &&
  a.device === b.device &&
  (a.deviceId ?? null) === (b.deviceId ?? null) &&
  (a.ipAddress ?? null) === (b.ipAddress ?? null) &&
  (a.title ?? null) === (b.title ?? null) &&
  a.state === b.state;

/**
 * Keeps one row per playback session. The number of statements does not depend on how many sessions there are:
 * at most one select (sessions this process has not seen yet, e.g. after a restart), one upsert (new sessions,
 * changed sessions and due refreshes of the last sighting) and one update (sessions that ended, with their last
 * sighting). `readServerIds` are the logging servers read this cycle: a remembered session of one of them that
 * is no longer listed has ended; sessions of servers not read are left as they are.
 */
export async function logStreams(
  db: Db,
  entries: StreamLogEntry[],
  readServerIds: number[],
  now: Date,
): Promise<void> {
  const known = sightingsOf(db);
  const current = entries.filter((e) => e.stream.state !== null);
  const stored = await findOpenRows(
    db,
    current.filter((e) => !known.has(keyOf(e.serverId, e.stream.key))),
    now,
  );

  const upserts: Array<typeof streamLog.$inferInsert> = [];
  /** Applied only once the upsert has succeeded, so a failed write is retried on the next cycle. */
  const written: Array<[string, Sighting]> = [];
  const seenKeys = new Set<string>();
  for (const { serverId, memberId, stream } of current) {
    const key = keyOf(serverId, stream.key);
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    const values: Values = {
      memberId,
      accountName: stream.accountName,
      device: stream.device,
      deviceId: stream.deviceId,
      ipAddress: stream.ipAddress,
      title: stream.title,
      state: stream.state as string,
    };
    const before = known.get(key) ?? stored.get(key);
    if (!before) {
      upserts.push({
        ...values,
        serverId,
        sessionKey: stream.key,
        firstSeenAt: stream.startedAt ?? now,
        lastSeenAt: now,
      });
      continue;
    }
    const due = now.getTime() - before.storedLastSeen.getTime() >= LAST_SEEN_REFRESH_MS;
    if (due || !sameValues(before.values, values)) {
      // firstSeenAt is required by the insert but never overwritten on conflict.
      upserts.push({
        ...values,
        id: before.id,
        serverId,
        sessionKey: stream.key,
        firstSeenAt: now,
        lastSeenAt: now,
      });
      written.push([key, { ...before, values, storedLastSeen: now, lastSeen: now }]);
    } else {
      known.set(key, { ...before, lastSeen: now });
    }
  }

  if (upserts.length > 0) {
    // The rows travel as one JSON parameter, unpacked by the database, so a cycle that first sees thousands of
    // sessions stays one statement (twelve parameters a row would pass PostgreSQL's 65,535 at about 5,400 sessions)
    // and costs no per-value query building. A new session takes its id from the table's sequence.
    const json = JSON.stringify(
      upserts.map((u) => ({
        id: u.id ?? null,
        server_id: u.serverId,
        member_id: u.memberId ?? null,
        session_key: u.sessionKey,
        account_name: u.accountName,
        device: u.device,
        device_id: u.deviceId ?? null,
        ip_address: u.ipAddress ?? null,
        title: u.title ?? null,
        state: u.state,
        first_seen_at: u.firstSeenAt.toISOString(),
        last_seen_at: u.lastSeenAt.toISOString(),
      })),
    );
    const rows = await db
      .insert(streamLog)
      .select(
        sql`select coalesce(id, nextval(pg_get_serial_sequence('stream_log', 'id'))), server_id, member_id, session_key,
          account_name, device, device_id, ip_address, title, state, first_seen_at, last_seen_at
          from jsonb_to_recordset(${json}::jsonb) as r(id bigint, server_id integer, member_id integer,
          session_key text, account_name text, device text, device_id text, ip_address text, title text, state text,
          first_seen_at timestamptz, last_seen_at timestamptz)`,
      )
      .onConflictDoUpdate({
        target: streamLog.id,
        set: {
          memberId: sql`excluded.member_id`,
          accountName: sql`excluded.account_name`,
          device: sql`excluded.device`,
          deviceId: sql`excluded.device_id`,
          ipAddress: sql`excluded.ip_address`,
          title: sql`excluded.title`,
          state: sql`excluded.state`,
          lastSeenAt: sql`excluded.last_seen_at`,
        },
      })
      .returning({ id: streamLog.id, serverId: streamLog.serverId, sessionKey: streamLog.sessionKey });
    for (const [key, s] of written) known.set(key, s);
    const byKey = new Map(upserts.map((u) => [keyOf(u.serverId, u.sessionKey), u]));
    for (const r of rows) {
      const key = keyOf(r.serverId, r.sessionKey);
      const u = byKey.get(key);
      if (!u || known.has(key)) continue;
      known.set(key, {
        id: r.id,
        serverId: r.serverId,
        values: pickValues(u),
        storedLastSeen: now,
        lastSeen: now,
      });
    }
  }

  await endSessions(db, known, seenKeys, new Set(readServerIds), now);
}

function pickValues(u: typeof streamLog.$inferInsert): Values {
  return {
    memberId: u.memberId ?? null,
    accountName: u.accountName,
    device: u.device,
    deviceId: u.deviceId ?? null,
    ipAddress: u.ipAddress ?? null,
    title: u.title ?? null,
    state: u.state,
  };
}

/** The latest row within the window of each session this process does not know yet (one select, or none). */
async function findOpenRows(db: Db, unknown: StreamLogEntry[], now: Date): Promise<Map<string, Sighting>> {
  const found = new Map<string, Sighting>();
  if (unknown.length === 0) return found;
  const since = new Date(now.getTime() - SAME_SESSION_WINDOW_MS);
  const rows = await db
    .select()
    .from(streamLog)
    .where(
      and(
        inArray(streamLog.serverId, [...new Set(unknown.map((e) => e.serverId))]),
        inArray(streamLog.sessionKey, [...new Set(unknown.map((e) => e.stream.key))]),
        gte(streamLog.lastSeenAt, since),
      ),
    );
  for (const row of rows) {
    const key = keyOf(row.serverId, row.sessionKey);
    const other = found.get(key);
    if (other && other.storedLastSeen >= row.lastSeenAt) continue;
    found.set(key, {
      id: row.id,
      serverId: row.serverId,
      values: pickValues(row),
      storedLastSeen: row.lastSeenAt,
      lastSeen: row.lastSeenAt,
    });
  }
  return found;
}

/**
 * Forgets the sessions that ended (no longer listed by a server read now, or not seen for a whole window) and
 * writes the last sighting of those whose stored one is older, in one statement.
 */
async function endSessions(
  db: Db,
  known: Map<string, Sighting>,
  current: Set<string>,
  readServers: Set<number>,
  now: Date,
): Promise<void> {
  const stale = now.getTime() - SAME_SESSION_WINDOW_MS;
  const ended: Sighting[] = [];
  for (const [key, s] of known) {
    if (current.has(key)) continue;
    if (!readServers.has(s.serverId) && s.lastSeen.getTime() >= stale) continue;
    known.delete(key);
    if (s.lastSeen > s.storedLastSeen) ended.push(s);
  }
  if (ended.length === 0) return;
  const rows = sql.join(
    ended.map((s) => sql`(${s.id}::bigint, ${s.lastSeen.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await db.execute(
    sql`update ${streamLog} set last_seen_at = v.seen from (values ${rows}) as v(id, seen)
        where ${streamLog}.id = v.id and ${streamLog}.last_seen_at < v.seen`,
  );
}
