// What runs by itself, in one place: enforcement cycles (never two at once; a full cycle never joins a partial one),
// download switch reconciliations, the outbox (drained after a cycle, ticked every second between them), role sync,
// backups, and the settling of sign-ins the bot stopped waiting for. Everything it starts is tracked by `work`, so
// a shutdown waits for it. It knows nothing of Discord: the notifier and the push channels come in as functions.
import { drainEffects, type OutboxOptions, runDueEffects } from '../act/outbox.ts';
import { reconcileSwitches } from '../act/switches.ts';
import type { AppContext } from '../context.ts';
import { loadLinks } from '../db/links.ts';
import { effectByKey } from '../db/outbox.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { InFlight } from '../in-flight.ts';
import type { Logger } from '../log.ts';
import { settlePendingSignIns } from '../services/pending-sign-ins.ts';
import { getSettings } from '../services/settings.ts';
import type { CycleOptions, CycleReport, SwitchTally } from '../types/cycle.ts';
import type { BackupStatus, RoleSyncReport, RoleSyncStatus, RunReport } from '../types/running.ts';
import type { RunningBackups } from './backups.ts';
import { runEnforcementCycle } from './cycle.ts';
import type { RoleSync } from './role-sync.ts';
import { settleEpisodes } from './settle.ts';
import { SingleFlight } from './single-flight.ts';

/** How often due effects are looked for between cycles (retries, stop checks, effects left by a crash). */
const OUTBOX_INTERVAL_MS = 1_000;
/** How often Quick Connect sign-ins the bot stopped waiting for are looked at (each is due once a minute). */
const SIGN_IN_SETTLE_MS = 15_000;

export interface EngineOptions {
  work: InFlight;
  log: Logger;
  outbox: OutboxOptions;
  roleSync: RoleSync;
  backups: RunningBackups;
  /** Brings the push channels in step with the stored servers before a full cycle. */
  syncPush(): Promise<void>;
  /** Each cycle's report (metrics), or the failure of a cycle that threw. */
  observeCycle(report: CycleReport): void;
  observeCycleFailure(err: unknown): CycleReport;
  /** How often the outbox runner ticks (0: never, the cycles still drain). */
  outboxIntervalMs?: number | undefined;
  /** How often pending sign-ins are settled (0: only at start). */
  signInSettleMs?: number | undefined;
}

export class Engine {
  private readonly cycles = new SingleFlight<CycleReport>();
  private runningPartial = false;
  private readonly switches = new SingleFlight<SwitchTally>();
  private readonly drains = new SingleFlight<RunReport>();
  private readonly settles = new SingleFlight<void>();
  private last: CycleReport | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly o: EngineOptions) {}

  /** One enforcement cycle now, or the one already running (a partial cycle never stands in for a full one). */
  async runCycle(ctx: AppContext, options?: CycleOptions): Promise<CycleReport> {
    this.o.work.refuseWhenClosed();
    // A full cycle never joins a partial one (a push cycle reading one server), nor a partial one any cycle: it waits
    // and runs its own. Checked again after each wait, as another waiter may have started a cycle meanwhile.
    const partial = Boolean(options?.serverIds);
    while (this.cycles.busy && (partial || this.runningPartial)) await this.cycles.idle();
    return this.o.work.track(
      this.cycles.run(async () => {
        this.runningPartial = partial;
        try {
          if (!partial) await this.o.syncPush();
          this.last = await runEnforcementCycle(ctx, options).catch((err) => this.o.observeCycleFailure(err));
          this.o.observeCycle(this.last);
          return this.last;
        } finally {
          this.runningPartial = false;
        }
      }),
    );
  }

  lastCycle(): CycleReport | null {
    return this.last;
  }

  /** Download switches brought up to date without reading the servers (after a settings or allotment change). */
  async reconcileSwitches(ctx: AppContext): Promise<SwitchTally> {
    this.o.work.refuseWhenClosed();
    // A reconcile already running may have read the settings before the change that asks for this one.
    await this.switches.idle();
    return this.o.work.track(
      this.switches.run(async () =>
        reconcileSwitches(ctx, await getSettings(ctx.db), await loadLinks(ctx.db), ctx.clock()),
      ),
    );
  }

  /** Carries out the due effects. A drain asked for after enqueuing never joins one that claimed before it. */
  async drain(): Promise<RunReport> {
    await this.drains.idle();
    return this.drains.run(() => drainEffects(this.o.outbox));
  }

  /**
   * Carries out the due stops, then queues and carries out the notices of the episodes they settle. The tick and a
   * cycle share it: a settle asked for while another runs waits for it (the notices it queued are sent by then), then
   * runs its own.
   */
  async settle(ctx: AppContext, now: Date): Promise<void> {
    await this.settles.idle();
    return this.settles.run(() => settleEpisodes(ctx, now));
  }

  /** Carries out one effect now when it is due; returns its row as it stands after. */
  async runKey(key: string): Promise<OutboxRow | null> {
    await runDueEffects(this.o.outbox, key);
    const row = await effectByKey(this.o.outbox.db, key);
    // The runner's tick may have claimed it between the enqueue and now: running here, or still pending and never
    // tried because our claim skipped the row the tick's claim had locked but not yet committed. Its outcome is the
    // drain's, so wait for it; a row the drain left untried is run once more.
    const claimedHere = row?.state === 'running' && row.lockedBy === this.o.outbox.instanceId;
    const untried = row?.state === 'pending' && row.attempts === 0;
    if (!claimedHere && !untried) return row;
    await this.drains.idle();
    const after = await effectByKey(this.o.outbox.db, key);
    if (after?.state !== 'pending' || after.attempts > 0) return after;
    await runDueEffects(this.o.outbox, key);
    return effectByKey(this.o.outbox.db, key);
  }

  async syncRoles(ctx: AppContext): Promise<RoleSyncReport> {
    this.o.work.refuseWhenClosed();
    return this.o.work.track(this.o.roleSync.run(ctx));
  }

  roleStatus(): RoleSyncStatus {
    return this.o.roleSync.status();
  }

  async backUp(ctx: AppContext): Promise<BackupStatus> {
    this.o.work.refuseWhenClosed();
    return this.o.work.track(this.o.backups.run(ctx));
  }

  get backupsEnabled(): boolean {
    return this.o.backups.enabled;
  }

  backupStatus(): BackupStatus {
    return this.o.backups.status();
  }

  /** Starts the outbox runner and the settling of sign-ins (once at once, then on its interval). */
  start(ctx: AppContext): void {
    // Due effects, then the notices of episodes whose stops have settled (also those left open by a crash).
    this.every(this.o.outboxIntervalMs, OUTBOX_INTERVAL_MS, () => {
      if (this.drains.busy || this.settles.busy) return;
      this.background(this.settle(ctx, ctx.clock()), 'running due effects failed');
    });
    // Quick Connect sign-ins the bot stopped waiting for (its deadline, a restart): an approval is collected and
    // logged out (src/services/pending-sign-ins.ts).
    const settle = () => this.background(settlePendingSignIns(ctx), 'settling pending sign-ins failed');
    this.every(this.o.signInSettleMs, SIGN_IN_SETTLE_MS, settle);
    settle();
  }

  /** Stops the timers; the work in flight is waited for by the caller (`work.close`). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  private every(ms: number | undefined, fallback: number, run: () => void): void {
    if (ms === 0) return;
    const timer = setInterval(() => {
      if (!this.stopped) run();
    }, ms || fallback);
    timer.unref();
    this.timers.push(timer);
  }

  private background(task: Promise<unknown>, failure: string): void {
    void this.o.work.track(task).catch((err) => this.o.log.error({ err }, failure));
  }
}
