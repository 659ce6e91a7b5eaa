// The work a shutdown waits for (cycles, switch reconciliations, commands), with a bound on the wait.

export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  /** Tracks `work` until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Throws once close() was called: no new work during a shutdown. */
  refuseWhenClosed(): void {
    if (this.closed) throw new Error('Streamwarden is shutting down.');
  }

  get size(): number {
    return this.running.size;
  }

  /** Refuses new work, then waits for the running work or `graceMs`, whichever comes first. */
  async close(graceMs: number): Promise<'settled' | 'timeout'> {
    this.closed = true;
    if (this.running.size === 0) return 'settled';
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const settled = Promise.allSettled([...this.running]).then(() => 'settled' as const);
    const outcome = await Promise.race([settled, grace]);
    clearTimeout(timer);
    return outcome;
  }
}
