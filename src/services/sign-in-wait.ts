// The clock of the sign-ins the bot waits for (`/link`, `/server connect`): the bot checks the sign-in every
// `ctx.selfLinkPollMs` until it is done, its code expires by the bot's clock, or the bot stops (`signal`).

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export type Waited<T> =
  | { kind: 'done'; value: T }
  /** The bot's deadline passed first. */
  | { kind: 'expired' }
  /** The bot is stopping (`signal` aborted). */
  | { kind: 'stopped' }
  /** `maxFailures` checks in a row threw. */
  | { kind: 'unreachable' };

/**
 * Calls `check` every `pollMs` until it answers something other than null, the bot's `deadline` passes (by `clock`),
 * `signal` aborts, or `maxFailures` checks in a row throw (`onFailure` hears each). When `signal` aborts, `check`
 * is called once more, so that a sign-in finished meanwhile is still collected (and its token signed out).
 */
export async function waitFor<T>(
  check: () => Promise<T | null>,
  options: {
    clock: () => Date;
    deadline: Date;
    pollMs: number;
    signal: AbortSignal;
    maxFailures: number;
    onFailure: (err: unknown, failures: number) => void;
  },
): Promise<Waited<T>> {
  let failures = 0;
  for (;;) {
    if (options.signal.aborted) {
      const last = await check().catch(() => null);
      return last === null ? { kind: 'stopped' } : { kind: 'done', value: last };
    }
    if (options.clock().getTime() >= options.deadline.getTime()) return { kind: 'expired' };
    try {
      const value = await check();
      failures = 0;
      if (value !== null) return { kind: 'done', value };
    } catch (err) {
      failures++;
      options.onFailure(err, failures);
      if (failures >= options.maxFailures) return { kind: 'unreachable' };
    }
    await pause(options.pollMs, options.signal);
  }
}
