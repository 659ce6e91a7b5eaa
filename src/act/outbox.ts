import { and, eq, inArray, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { type OutboxRow, outbox } from '../db/schema.ts';
import type { RunReport } from '../types/running.ts';

/** A failure that retrying cannot fix (the member closed their DMs, the channel is gone). */
export class PermanentEffectError extends Error {
  override name = 'PermanentEffectError';
}

export type Executor = (row: OutboxRow) => Promise<Record<string, unknown> | undefined>;

export interface OutboxOptions {
  db: Db;
  instanceId: string;
  clock: () => Date;
  executors: Readonly<Record<string, Executor>>;
  /** Attempts before an effect is given up (then `onGiveUp` reports it, once). */
  maxAttempts?: number;
  /** How long a claim holds before another instance may take the effect over. */
  claimMs?: number;
  batchSize?: number;
  /** Delay before attempt n+1 (n ≥ 1). */
  retryDelayMs?: (attempts: number) => number;
  onGiveUp?: (row: OutboxRow, error: string) => Promise<void>;
  /**
   * The media servers this instance may act on (several instances: those whose lease it holds); null: all. An
   * effect whose payload names a `serverId` (a stop, a check of a stop) is claimed only by that server's holder.
   */
  ownedServers?: () => number[] | null;
  /**
   * Take over at once the claims of instances that are gone (no live `instance:<id>` lease: a process killed on
   * PGlite, whose one process is always this one, or one whose heartbeat expired on PostgreSQL), instead of waiting
   * for the claim deadline. Off for callers without instance heartbeats.
   */
  reclaimFromDead?: boolean;
  /** Kinds this instance must not run now (a standby instance leaves what talks to Discord to the gateway holder). */
  excludedKinds?: () => readonly string[];
}

export const OUTBOX_DEFAULTS = { maxAttempts: 8, claimMs: 60_000, batchSize: 25 } as const;

/** 5 s, 10 s, 20 s … capped at 15 minutes: eight attempts span about 20 minutes. */
export const defaultRetryDelayMs = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 15 * 60_000);

/** Claims the effects that are due (or whose claim expired) for this instance; `onlyKey` claims that one only. */
export async function claimDue(
  db: Db,
  o: Pick<
    OutboxOptions,
    'instanceId' | 'claimMs' | 'batchSize' | 'ownedServers' | 'excludedKinds' | 'reclaimFromDead'
  >,
  now: Date,
  onlyKey?: string,
): Promise<OutboxRow[]> {
  const claimMs = o.claimMs ?? OUTBOX_DEFAULTS.claimMs;
  const owned = o.ownedServers?.() ?? null;
  const excluded = o.excludedKinds?.() ?? [];
  const serverId = sql`(${outbox.payload}->>'serverId')`;
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(
      and(
        onlyKey === undefined ? undefined : eq(outbox.key, onlyKey),
        excluded.length === 0 ? undefined : notInArray(outbox.kind, [...excluded]),
        owned === null
          ? undefined
          : sql`(${serverId} is null or ${serverId}::int = any(${sql.param(owned)}::int[]))`,
        or(
          and(eq(outbox.state, 'pending'), lte(outbox.dueAt, now)),
          and(eq(outbox.state, 'running'), lte(outbox.lockedUntil, now)),
          o.reclaimFromDead
            ? and(
                eq(outbox.state, 'running'),
                sql`${outbox.lockedBy} <> ${o.instanceId}`,
                sql`not exists (select 1 from leases where leases.name = 'instance:' || ${outbox.lockedBy}
                  and leases.expires_at > now())`,
              )
            : undefined,
        ),
        // Never beside an earlier effect of its group that is running (on this or another instance).
        sql`not exists (select 1 from ${outbox} as earlier where earlier.group_key = ${outbox.groupKey}
          and earlier.id < ${outbox.id} and earlier.state = 'running'
          and earlier.locked_until > ${now.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(outbox.dueAt, outbox.id)
    .limit(o.batchSize ?? OUTBOX_DEFAULTS.batchSize)
    .for('update', { skipLocked: true });
  return db
    .update(outbox)
    .set({
      state: 'running',
      lockedBy: o.instanceId,
      lockedUntil: new Date(now.getTime() + claimMs),
      attempts: sql`${outbox.attempts} + 1`,
      firstAttemptAt: sql`coalesce(${outbox.firstAttemptAt}, ${now.toISOString()}::timestamptz)`,
    })
    .where(inArray(outbox.id, due))
    .returning();
}

/**
 * Runs every due effect once: groups in parallel, the effects of one group one after another in id order. Call
 * it after enqueuing, on a timer, and at start-up (to resume after a crash). `onlyKey` runs that effect only.
 */
export async function runDueEffects(o: OutboxOptions, onlyKey?: string): Promise<RunReport> {
  const report: RunReport = { done: 0, retried: 0, failed: 0 };
  const claimed = await claimDue(o.db, o, o.clock(), onlyKey);
  const groups = new Map<string, OutboxRow[]>();
  for (const row of [...claimed].sort((a, b) => a.id - b.id)) {
    const group = row.groupKey ?? `#${row.id}`;
    groups.set(group, [...(groups.get(group) ?? []), row]);
  }
  await Promise.all(
    [...groups.values()].map(async (rows) => {
      for (const row of rows) await runOne(o, row, report);
    }),
  );
  return report;
}

/** Runs due effects until none is left (effects may queue further effects), at most `rounds` times. */
export async function drainEffects(o: OutboxOptions, rounds = 5): Promise<RunReport> {
  const total: RunReport = { done: 0, retried: 0, failed: 0 };
  for (let i = 0; i < rounds; i++) {
    const r = await runDueEffects(o);
    total.done += r.done;
    total.retried += r.retried;
    total.failed += r.failed;
    if (r.done + r.retried + r.failed === 0) break;
  }
  return total;
}

async function runOne(o: OutboxOptions, row: OutboxRow, report: RunReport): Promise<void> {
  const executor = o.executors[row.kind];
  // Settle only while the claim is still ours: an instance that lost it (paused past the deadline) writes nothing.
  const ours = and(eq(outbox.id, row.id), eq(outbox.lockedBy, o.instanceId), eq(outbox.state, 'running'));
  let error: string;
  let permanent = false;
  try {
    if (!executor) throw new PermanentEffectError(`no executor for effect kind "${row.kind}"`);
    const result = await executor(row);
    await o.db
      .update(outbox)
      .set({ state: 'done', result: result ?? null, doneAt: o.clock(), lockedUntil: null, lastError: null })
      .where(ours);
    report.done++;
    return;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    permanent = err instanceof PermanentEffectError;
  }
  const maxAttempts = o.maxAttempts ?? OUTBOX_DEFAULTS.maxAttempts;
  if (!permanent && row.attempts < maxAttempts) {
    const delay = (o.retryDelayMs ?? defaultRetryDelayMs)(row.attempts);
    await o.db
      .update(outbox)
      .set({
        state: 'pending',
        dueAt: new Date(o.clock().getTime() + delay),
        lockedUntil: null,
        lastError: error,
      })
      .where(ours);
    report.retried++;
    return;
  }
  const settled = await o.db
    .update(outbox)
    .set({ state: 'failed', doneAt: o.clock(), lockedUntil: null, lastError: error })
    .where(ours)
    .returning({ id: outbox.id });
  report.failed++;
  if (settled.length > 0) await o.onGiveUp?.({ ...row, state: 'failed', lastError: error }, error);
}
