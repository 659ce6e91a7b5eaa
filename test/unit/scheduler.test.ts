// The croner wrapper: jobs fired through croner's own trigger, failures logged (never thrown), patterns and zones
// kept, and never two runs at once through SingleFlight. No timers: the schedule is built paused and fired by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SingleFlight } from '../../src/engine/single-flight.ts';
import { startSchedule } from '../../src/jobs/scheduler.ts';
import type { Logger } from '../../src/log.ts';

function recordingLog() {
  const entries: Array<{ level: string; message: string; err?: unknown }> = [];
  const at =
    (level: string) =>
    (objOrMsg: unknown, msg?: string): void => {
      if (typeof objOrMsg === 'string') entries.push({ level, message: objOrMsg });
      else entries.push({ level, message: msg ?? '', err: (objOrMsg as { err?: unknown }).err });
    };
  const log = {
    warn: at('warn'),
    error: at('error'),
    info: at('info'),
    debug: at('debug'),
  } as unknown as Logger;
  return { log, entries };
}

function schedule(overrides: Partial<Parameters<typeof startSchedule>[0]> = {}) {
  const calls: string[] = [];
  const { log, entries } = recordingLog();
  const s = startSchedule({
    pollPattern: '*/5 * * * *',
    timezone: 'America/New_York',
    poll: async () => void calls.push('poll'),
    weeklyReset: async () => void calls.push('weekly-reset'),
    log,
    paused: true,
    ...overrides,
  });
  return { s, calls, entries };
}

describe('startSchedule', () => {
  it('fires each job through croner: the poll runs the poll, the weekly reset runs the reset', async () => {
    const { s, calls } = schedule();
    try {
      await s.fire('poll');
      assert.deepEqual(calls, ['poll']);
      await s.fire('weekly-reset');
      assert.deepEqual(calls, ['poll', 'weekly-reset']);
    } finally {
      s.stop();
    }
  });

  it('logs a failing job as an error and does not throw', async () => {
    const boom = new Error('boom');
    const { s, entries } = schedule({
      poll: async () => {
        throw boom;
      },
      weeklyReset: async () => {
        throw boom;
      },
    });
    try {
      await s.fire('poll');
      await s.fire('weekly-reset');
      assert.deepEqual(
        entries.map((e) => [e.level, e.message, e.err]),
        [
          ['error', 'enforcement cycle failed', boom],
          ['error', 'weekly reset failed', boom],
        ],
      );
    } finally {
      s.stop();
    }
  });

  it('keeps the patterns and the zone: next poll on a five-minute mark, next reset at Sunday 00:00 local', () => {
    const { s } = schedule({ paused: false });
    try {
      const poll = s.nextPoll();
      const reset = s.nextWeeklyReset();
      assert.ok(poll && reset);
      assert.equal(poll.getUTCMinutes() % 5, 0);
      assert.equal(poll.getUTCSeconds(), 0);
      assert.ok(poll.getTime() - Date.now() <= 5 * 60_000, 'within five minutes');
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(reset);
      assert.equal(local, 'Sun 00:00');
    } finally {
      s.stop();
    }
  });

  it('stop() ends both jobs', () => {
    const { s } = schedule({ paused: false });
    s.stop();
    assert.equal(s.nextPoll(), null);
    assert.equal(s.nextWeeklyReset(), null);
  });
});

describe('SingleFlight', () => {
  it('joins the run in progress instead of starting a second one, and runs again afterwards', async () => {
    const flight = new SingleFlight<number>();
    let started = 0;
    let release: () => void = () => {};
    const task = () =>
      new Promise<number>((resolve) => {
        started++;
        release = () => resolve(started);
      });
    const first = flight.run(task);
    const second = flight.run(task);
    assert.equal(started, 1);
    release();
    assert.deepEqual(await Promise.all([first, second]), [1, 1]);
    const third = flight.run(task);
    assert.equal(started, 2);
    release();
    assert.equal(await third, 2);
  });

  it('runs again after a failed run', async () => {
    const flight = new SingleFlight<number>();
    await assert.rejects(
      flight.run(async () => {
        throw new Error('x');
      }),
    );
    assert.equal(await flight.run(async () => 7), 7);
  });
});
