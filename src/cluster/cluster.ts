// Several bot instances on one PostgreSQL: who holds the Discord gateway and who senses which media server, through
// the named leases of src/db/leases.ts (judged by the database's clock). Each instance renews what it holds every
// `renewMs`, takes free server leases up to its fair share, and, while on standby, tries the gateway every
// `standbyMs`. Fencing: an instance trusts a lease only until its own monotonic clock passes the deadline computed
// from its last successful renewal (plan.ts), so a stale instance stops acting before the database can hand the
// lease to another. On PGlite (one process) there is nothing to share: `singleInstance` holds everything.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Db } from '../db/client.ts';
import { acquireLeases, activeLeases, pruneExpiredLeases, releaseLease } from '../db/leases.ts';
import type { Logger } from '../log.ts';
import type { Cluster } from '../types/running.ts';
import {
  fencingDeadline,
  GATEWAY_LEASE,
  instanceLease,
  leaseServerId,
  planServerLeases,
  serverLease,
} from './plan.ts';

export interface ClusterTimings {
  /** How long a lease lasts without renewal (database clock). */
  ttlMs: number;
  /** How often held leases are renewed and free server leases taken. */
  renewMs: number;
  /** How often an instance without the gateway tries to take it. */
  standbyMs: number;
  /** How much sooner than the TTL an instance stops trusting a lease. */
  marginMs: number;
}

/** Takeover after a death: at most ttl + max(renew, standby) = 13 s. */
export const DEFAULT_CLUSTER_TIMINGS: ClusterTimings = {
  ttlMs: 10_000,
  renewMs: 3_000,
  standbyMs: 2_000,
  marginMs: 2_000,
};

/** After a lease statement failed (the database restarting, a dropped connection), the next round comes this soon. */
const RETRY_MS = 500;

/** Old expired leases (dead instances, removed servers) are deleted this often. */
const PRUNE_EVERY_MS = 60_000;

export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function singleInstance(instanceId = newInstanceId()): Cluster {
  return {
    instanceId,
    mode: 'single',
    ownsServer: () => true,
    isGatewayHolder: () => true,
    held: () => [],
  };
}

export interface SharedClusterOptions {
  db: Db;
  log: Logger;
  /** Ids of the stored media servers. */
  serverIds(): Promise<number[]>;
  /** The gateway lease was taken (true) or lost (false). Called in order, never concurrently with itself. */
  onGateway(held: boolean): Promise<void>;
  /** The set of servers this instance senses changed. */
  onServers(): void;
  timings?: Partial<ClusterTimings>;
  instanceId?: string;
  /** Monotonic milliseconds (performance.now()). */
  monotonic?: () => number;
}

interface Held {
  /** Start of the renewal that took it (monotonic): the lease is ours from no sooner than this. */
  since: number;
  deadline: number;
  timer: NodeJS.Timeout;
}

export class SharedCluster implements Cluster {
  readonly instanceId: string;
  readonly mode = 'shared';
  readonly timings: ClusterTimings;
  private readonly leases = new Map<string, Held>();
  private readonly now: () => number;
  private renewTimer: NodeJS.Timeout | null = null;
  private standbyTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private gatewayHeld = false;
  private gatewayEvents: Promise<void> = Promise.resolve();
  private lastPrune = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private frozen = false;
  /** A lease statement of the last round failed: the next round comes after RETRY_MS, not renewMs. */
  private failedRound = false;

  constructor(private readonly o: SharedClusterOptions) {
    this.instanceId = o.instanceId ?? newInstanceId();
    this.timings = { ...DEFAULT_CLUSTER_TIMINGS, ...o.timings };
    this.now = o.monotonic ?? (() => performance.now());
  }

  ownsServer(serverId: number): boolean {
    return this.trusts(serverLease(serverId));
  }

  isGatewayHolder(): boolean {
    return this.trusts(GATEWAY_LEASE);
  }

  held(): string[] {
    return [...this.leases.keys()].filter((name) => this.trusts(name)).sort();
  }

  /** When this instance took the lease and until when it trusts it (monotonic ms), or null when it does not. */
  lease(name: string): { since: number; deadline: number } | null {
    const held = this.leases.get(name);
    return held && this.trusts(name) ? { since: held.since, deadline: held.deadline } : null;
  }

  private trusts(name: string): boolean {
    const lease = this.leases.get(name);
    return lease !== undefined && this.now() < lease.deadline;
  }

  /** Joins: heartbeat, server leases and one try at the gateway, then keeps renewing in the background. */
  async start(): Promise<void> {
    await this.tick();
    await this.tryGateway();
    await this.gatewayEvents;
    this.scheduleRenew();
    this.scheduleStandby();
  }

  /** A lease round now (after /server add or remove), so a new server is sensed without waiting for the next one. */
  async refresh(): Promise<void> {
    await this.ticking;
    await this.tick();
  }

  /** Resolves once the gateway handlers queued so far (login, destroy) have finished. */
  settled(): Promise<void> {
    return this.gatewayEvents;
  }

  /**
   * Stops renewing and taking leases without giving any up: what a hung or partitioned instance looks like to the
   * others. Its own fencing still runs, so it stops acting at each deadline. For tests of takeover and fencing.
   */
  freeze(): void {
    this.frozen = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
  }

  /** Gives the gateway back at once (this instance could not log in): another instance may try. */
  async releaseGateway(): Promise<void> {
    this.lose(GATEWAY_LEASE);
    await releaseLease(this.o.db, GATEWAY_LEASE, this.instanceId).catch((err) =>
      this.o.log.warn({ err }, 'gateway lease not released; it will expire'),
    );
  }

  /**
   * Stops renewing, runs `beforeRelease` (the bot closes the gateway there), then gives every lease up so the
   * others take over at once instead of waiting for the leases to expire.
   */
  async stop(beforeRelease: () => Promise<void> = async () => {}): Promise<void> {
    this.stopped = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    await this.ticking;
    await this.gatewayEvents;
    await beforeRelease();
    const names = [...this.leases.keys()];
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
    if (this.frozen) return; // a frozen instance plays dead: it gives nothing back
    for (const name of names) {
      await releaseLease(this.o.db, name, this.instanceId).catch((err) =>
        this.o.log.warn({ err, lease: name }, 'lease not released; it will expire'),
      );
    }
  }

  private scheduleRenew(): void {
    if (this.stopped || this.frozen) return;
    const delay = this.failedRound ? Math.min(RETRY_MS, this.timings.renewMs) : this.timings.renewMs;
    this.renewTimer = setTimeout(() => {
      void this.tick().finally(() => this.scheduleRenew());
    }, delay);
    this.renewTimer.unref();
  }

  private scheduleStandby(): void {
    if (this.stopped || this.frozen) return;
    this.standbyTimer = setTimeout(() => {
      void this.tryGateway().finally(() => this.scheduleStandby());
    }, this.timings.standbyMs);
    this.standbyTimer.unref();
  }

  /**
   * One lease statement for all of `names`; each is trusted until the fencing deadline when we hold it afterwards,
   * and lost at once when another instance holds it. A statement that fails (the database restarting) changes
   * nothing: a lease held stays trusted until its deadline, and the round is retried soon, so only a deadline
   * passing without a renewal loses it. Returns the names held (and trusted) afterwards.
   */
  private async renew(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const startedAt = this.now();
    let ours: Set<string>;
    try {
      ours = await acquireLeases(this.o.db, names, this.instanceId, this.timings.ttlMs);
    } catch (err) {
      this.failedRound = true;
      this.o.log.warn(
        { err, leases: names.length },
        'lease renewal failed; retrying until the leases run out',
      );
      if (this.stopped || this.frozen) return new Set();
      return new Set(names.filter((name) => this.trusts(name)));
    }
    if (this.stopped || this.frozen) return new Set();
    const deadline = fencingDeadline(startedAt, this.timings.ttlMs, this.timings.marginMs);
    for (const name of names) {
      if (ours.has(name)) this.trustUntil(name, startedAt, deadline);
      else this.lose(name);
    }
    return ours;
  }

  private trustUntil(name: string, startedAt: number, deadline: number): void {
    const before = this.leases.get(name);
    if (before) clearTimeout(before.timer);
    const timer = setTimeout(() => this.expireIfStale(name), Math.max(0, deadline - this.now()));
    timer.unref();
    this.leases.set(name, { since: before?.since ?? startedAt, deadline, timer });
    if (!before) this.changed(name, true);
  }

  /** The timer may fire a little early or late; ownsServer() reads the clock itself, so it is never late. */
  private expireIfStale(name: string): void {
    const lease = this.leases.get(name);
    if (!lease) return;
    const left = lease.deadline - this.now();
    if (left > 0) {
      lease.timer = setTimeout(() => this.expireIfStale(name), left);
      lease.timer.unref();
      return;
    }
    this.o.log.warn({ lease: name }, 'lease not renewed in time: no longer acting on it');
    this.lose(name);
  }

  private lose(name: string): void {
    const lease = this.leases.get(name);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.leases.delete(name);
    this.changed(name, false);
  }

  private changed(name: string, held: boolean): void {
    if (name === GATEWAY_LEASE) {
      if (held === this.gatewayHeld) return;
      this.gatewayHeld = held;
      this.o.log.info({ instance: this.instanceId, gateway: held }, 'gateway lease changed hands');
      this.gatewayEvents = this.gatewayEvents
        .then(() => this.o.onGateway(held))
        .catch((err) => this.o.log.error({ err }, 'gateway hand-over failed'));
    } else if (leaseServerId(name) !== null) {
      this.o.log.info({ instance: this.instanceId, lease: name, held }, 'server lease changed hands');
      this.o.onServers();
    }
  }

  private async tryGateway(): Promise<void> {
    if (this.stopped || this.frozen || this.leases.has(GATEWAY_LEASE)) return;
    await this.renew([GATEWAY_LEASE]);
  }

  private tick(): Promise<void> {
    this.ticking ??= this.tickOnce()
      .catch((err) => {
        this.failedRound = true;
        this.o.log.warn({ err }, 'lease round failed');
      })
      .finally(() => {
        this.ticking = null;
      });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    this.failedRound = false;
    // The heartbeat and every lease held, in one statement: they share the database's now(), so the heartbeat
    // expires no later than the server leases renewed with it, and others never count a dead instance as live
    // while its servers are free.
    const me = instanceLease(this.instanceId);
    await this.renew([me, ...[...this.leases.keys()].filter((name) => name !== me)]);
    if (this.stopped || this.frozen) return;
    const [active, serverIds] = await Promise.all([activeLeases(this.o.db), this.o.serverIds()]);
    const held = [...this.leases.keys()].flatMap((n) => {
      const id = leaseServerId(n);
      return id !== null && this.trusts(n) ? [id] : [];
    });
    const plan = planServerLeases({ instanceId: this.instanceId, serverIds, active, held });
    for (const id of plan.release) {
      // Stop acting first, then let the others have it.
      this.lose(serverLease(id));
      await releaseLease(this.o.db, serverLease(id), this.instanceId);
    }
    // Free servers are tried `room` at a time (one statement each); a lease another instance took meanwhile
    // leaves room for the next candidates.
    let room = plan.room;
    let next = 0;
    while (room > 0 && next < plan.candidates.length && !this.stopped && !this.frozen) {
      const batch = plan.candidates.slice(next, next + room).map(serverLease);
      next += batch.length;
      room -= (await this.renew(batch)).size;
    }
    if (this.now() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = this.now();
      await pruneExpiredLeases(this.o.db);
    }
  }
}
