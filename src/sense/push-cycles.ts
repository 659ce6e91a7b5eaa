// The enforcement cycles push events ask for. The first event of a burst starts a cycle at once (in the same turn
// of the event loop, so the notifications of one message ride together); the events that arrive while it runs are
// folded into exactly one more cycle, of the servers they named. No event is lost and none pile up: at most one
// cycle runs and one waits.
//
// Nothing waits before a cycle. A burst (Plex sends several notifications as a play starts; a quality change or an
// autoplay looks like a stop and a start) is kept from stopping anyone by the reads, not by timing: each cycle reads
// the server's session list as it is then (Plex lists a session by the time it notifies about it: Tautulli reads
// /status/sessions on a `playing` notification at once, Tautulli/Tautulli plexpy/activity_handler.py `on_start`,
// `get_live_session`), a member who looks over the cap gets a fresh re-read of their servers (reread.ts), and the
// sessions of one device on one server count once (policy/streams.ts `streamUnits`).

import type { Logger } from '../log.ts';

export interface PushCyclesOptions {
  /**
   * Runs one enforcement cycle that starts after the request (not one already reading the servers), reading the
   * servers whose events asked for it; the others are counted from what was last read of them.
   */
  runCycle(serverIds: number[]): Promise<unknown>;
  log: Logger;
}

export class PushCycles {
  /** Servers whose events asked for the next cycle. */
  private readonly pending = new Set<number>();
  private starting: NodeJS.Immediate | null = null;
  private busy = false;
  private stopped = false;

  constructor(private readonly o: PushCyclesOptions) {}

  /** Asks for a cycle of this server: at once when none runs, else folded into the one cycle that follows it. */
  request(serverId: number): void {
    if (this.stopped) return;
    this.pending.add(serverId);
    if (this.busy || this.starting) return;
    this.starting = setImmediate(() => {
      this.starting = null;
      void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.busy = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const serverIds = [...this.pending];
        this.pending.clear();
        try {
          await this.o.runCycle(serverIds);
        } catch (err) {
          if (!this.stopped) this.o.log.error({ err }, 'push-triggered enforcement cycle failed');
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Asks for nothing more; the cycle running is waited for by the bot's shutdown. */
  stop(): void {
    this.stopped = true;
    if (this.starting) clearImmediate(this.starting);
    this.starting = null;
    this.pending.clear();
  }
}
