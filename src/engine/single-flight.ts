export class SingleFlight<T> {
  private running: Promise<T> | null = null;

  get busy(): boolean {
    return this.running !== null;
  }

  run(task: () => Promise<T>): Promise<T> {
    if (!this.running) {
      this.running = task().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Resolves once no task is running (at once when none is), whatever the task's outcome. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }
}
