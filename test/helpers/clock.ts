/** A clock tests move by hand; the bot reads it through ctx.clock. */
export class TestClock {
  constructor(private current: Date) {}

  now = (): Date => new Date(this.current);

  set(at: Date | string): void {
    this.current = new Date(at);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
