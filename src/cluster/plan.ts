// The pure half of instance coordination: how many servers an instance should sense, which server leases to try,
// and until when a renewed lease may be trusted. No I/O, no clock: the caller passes every time in.

export const GATEWAY_LEASE = 'gateway';
export const serverLease = (serverId: number) => `server:${serverId}`;
export const instanceLease = (instanceId: string) => `instance:${instanceId}`;

/** The server id a lease name stands for, or null when it is not a server lease. */
export function leaseServerId(name: string): number | null {
  const m = /^server:(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** How many servers one instance senses at most: every server is covered (share × live ≥ servers). */
export function fairShare(servers: number, liveInstances: number): number {
  return Math.ceil(servers / Math.max(1, liveInstances));
}

/**
 * When an instance stops trusting a lease, on its own monotonic clock. The database starts the TTL when it runs
 * the renewal, which is after `renewStartedAt`, so this instant comes before the database can hand the lease to
 * anyone else; `marginMs` covers clock rate differences and the time it takes to stop acting.
 */
export function fencingDeadline(renewStartedAt: number, ttlMs: number, marginMs: number): number {
  return renewStartedAt + ttlMs - marginMs;
}

export interface ServerLeasePlan {
  /** Held servers to give up: removed from the database, or beyond the fair share (another instance joined). */
  release: number[];
  /** Servers nobody holds, in the order to try, and how many of them to take at most. */
  candidates: number[];
  room: number;
  share: number;
  live: number;
}

/**
 * What to do with server leases this round. `active` are the unexpired leases (database clock); `held` the server
 * ids this instance still trusts. A server whose lease names us but that we no longer trust (fenced) counts as free:
 * taking it again is a renewal.
 */
export function planServerLeases(input: {
  instanceId: string;
  serverIds: number[];
  active: Array<{ name: string; holder: string }>;
  held: number[];
}): ServerLeasePlan {
  const holders = new Set(input.active.filter((l) => l.name.startsWith('instance:')).map((l) => l.holder));
  holders.add(input.instanceId);
  const live = holders.size;
  const existing = new Set(input.serverIds);
  const share = fairShare(existing.size, live);
  const held = [...new Set(input.held)].sort((a, b) => a - b);
  const kept = held.filter((id) => existing.has(id)).slice(0, share);
  const release = held.filter((id) => !kept.includes(id));
  const takenByOthers = new Set(
    input.active
      .filter((l) => l.holder !== input.instanceId)
      .map((l) => leaseServerId(l.name))
      .filter((id): id is number => id !== null),
  );
  const heldSet = new Set(held);
  const candidates = [...existing]
    .filter((id) => !heldSet.has(id) && !takenByOthers.has(id))
    .sort((a, b) => a - b);
  return { release, candidates, room: Math.max(0, share - kept.length), share, live };
}
