// The push channel against the push doubles: real WebSockets on loopback, real handshakes and message shapes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPushSpec } from '../../src/media/factory.ts';
import type { PushEvent } from '../../src/media/push-types.ts';
import { backoffDelay, PushChannel } from '../../src/sense/push-channel.ts';
import type { PushState } from '../../src/types/running.ts';
import { sessionDto } from '../doubles/mediabrowser-activity.ts';
import { attachPushDouble, type PushDouble, type PushFlavor } from '../doubles/push/push-socket.ts';

const TOKEN = 'push-token-0123456789abcdef';

/** Collects what a channel reports and lets a test wait for the next matching report. */
class Recorder {
  readonly events: PushEvent[] = [];
  readonly states: Array<{ state: PushState; detail: string | null }> = [];
  private waiters: Array<() => void> = [];
  onEvent = (e: PushEvent) => {
    this.events.push(e);
    this.wake();
  };
  onState = (state: PushState, detail: string | null) => {
    this.states.push({ state, detail });
    this.wake();
  };
  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
  async until(check: () => boolean, what: string): Promise<void> {
    const deadline = AbortSignal.timeout(10_000);
    while (!check()) {
      if (deadline.aborted) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }
  count(state: PushState) {
    return this.states.filter((s) => s.state === state).length;
  }
}

async function serve(
  flavor: PushFlavor,
  version?: string,
): Promise<{ server: Server; url: string; push: PushDouble }> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    server,
    url: flavor === 'emby' ? `${base}/emby` : base,
    push: attachPushDouble(server, flavor, TOKEN, version ? { version } : {}),
  };
}

function channel(flavor: PushFlavor, url: string, rec: Recorder, token = TOKEN, extra = {}) {
  const c = new PushChannel(createPushSpec({ platform: flavor, url, token }), {
    initialBackoffMs: 20,
    maxBackoffMs: 50,
    onEvent: rec.onEvent,
    onState: rec.onState,
    ...extra,
  });
  c.start();
  return c;
}

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter below the ceiling', () => {
    assert.equal(
      backoffDelay(0, 1000, 60_000, () => 0.999),
      999,
    );
    assert.equal(
      backoffDelay(3, 1000, 60_000, () => 0.5),
      4000,
    );
    assert.equal(
      backoffDelay(20, 1000, 60_000, () => 0.5),
      30_000,
    );
    assert.equal(
      backoffDelay(5, 1000, 60_000, () => 0),
      0,
    );
  });
});

describe('Plex notification socket', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    env = await serve('plex');
  });
  after(() => {
    env.push.close();
    env.server.close();
  });

  it('connects with the token in the header and turns notifications into events', async () => {
    const rec = new Recorder();
    const c = channel('plex', env.url, rec);
    try {
      await rec.until(() => c.current === 'connected', 'connected');
      assert.equal(env.push.upgrades.at(-1)?.auth, 'header');
      env.push.playing('16', 'paused');
      env.push.downloadActivity('started', 8_000_001, 'Dune');
      await rec.until(() => rec.events.length >= 2, 'two events');
      assert.deepEqual(rec.events, [
        { type: 'session-changed', key: '16', state: 'paused' },
        { type: 'downloads-changed' },
      ]);
    } finally {
      c.stop();
    }
  });

  it('reconnects by itself after the server drops the socket', async () => {
    const rec = new Recorder();
    const c = channel('plex', env.url, rec);
    try {
      await rec.until(() => rec.count('connected') === 1, 'first connection');
      env.push.dropAll();
      await rec.until(() => rec.count('connected') === 2, 'second connection');
      assert.ok(rec.count('waiting') >= 1, 'the drop was reported');
      env.push.playing('21', 'playing');
      await rec.until(() => rec.events.length === 1, 'an event on the new socket');
    } finally {
      c.stop();
    }
  });

  it('treats a silent server as dead and reopens the socket', async () => {
    const rec = new Recorder();
    const c = channel('plex', env.url, rec, TOKEN, { keepAliveMs: 50, silenceTimeoutMs: 300 });
    try {
      await rec.until(() => rec.count('connected') === 1, 'first connection');
      env.push.silent = true;
      await rec.until(() => rec.count('waiting') >= 1, 'the silent socket given up');
      env.push.silent = false;
      await rec.until(() => rec.count('connected') >= 2, 'a new connection');
    } finally {
      env.push.silent = false;
      c.stop();
    }
  });

  it('reports a refused token without the token, and keeps retrying', async () => {
    const rec = new Recorder();
    const wrong = 'wrong-token-abcdef0123456789';
    const c = channel('plex', env.url, rec, wrong);
    try {
      await rec.until(() => rec.count('waiting') >= 2, 'two failed attempts');
      const detail = rec.states.find((s) => s.state === 'waiting')?.detail ?? '';
      assert.match(detail, /refused the token \(HTTP 401\)/);
      assert.ok(!JSON.stringify(rec.states).includes(wrong));
      assert.equal(rec.count('connected'), 0);
    } finally {
      c.stop();
    }
  });

  it('never follows a redirect', async () => {
    env.push.refuseWith = 302;
    const rec = new Recorder();
    const c = channel('plex', env.url, rec);
    try {
      await rec.until(() => rec.count('waiting') >= 1, 'a refused attempt');
      assert.match(rec.states.find((s) => s.state === 'waiting')?.detail ?? '', /redirect/);
    } finally {
      env.push.refuseWith = null;
      c.stop();
    }
  });

  it('stops for good', async () => {
    const rec = new Recorder();
    const c = channel('plex', env.url, rec);
    await rec.until(() => c.current === 'connected', 'connected');
    c.stop();
    await rec.until(() => env.push.connections === 0, 'socket closed on the server');
    assert.equal(c.current, 'stopped');
  });
});

for (const flavor of ['jellyfin', 'emby'] as const) {
  describe(`${flavor} session socket`, () => {
    let env: Awaited<ReturnType<typeof serve>>;
    before(async () => {
      env = await serve(flavor);
    });
    after(() => {
      env.push.close();
      env.server.close();
    });

    it('authenticates as the platform wants, subscribes, answers ForceKeepAlive and maps pushed sessions', async () => {
      const user = { id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', name: 'alice' };
      const list = [
        sessionDto(flavor, 'srv', {
          id: 'sess-1',
          user,
          device: 'Living room TV',
          client: 'Jellyfin Android TV',
          deviceId: 'dev-1',
          ip: '203.0.113.7',
          item: { name: 'Pilot', type: 'Episode', seriesName: 'Severance', season: 1, episode: 1 },
        }),
      ];
      // Emby sends the list at once; Jellyfin only on the next change (no snapshot on SessionsStart).
      if (flavor === 'emby') env.push.sessions(list);
      const rec = new Recorder();
      const c = channel(flavor, env.url, rec);
      try {
        if (flavor === 'jellyfin') {
          await rec.until(
            () => env.push.received.some((m) => m.includes('SessionsStart')),
            'the subscription',
          );
          await new Promise((resolve) => setTimeout(resolve, 100));
          assert.deepEqual(rec.events, [], 'no snapshot after SessionsStart');
          env.push.sessions(list);
        }
        await rec.until(() => rec.events.some((e) => e.type === 'sessions'), 'the session list');
        const upgrade = env.push.upgrades.at(-1);
        assert.deepEqual(upgrade, {
          path: flavor === 'emby' ? '/embywebsocket' : '/socket',
          auth: flavor === 'emby' ? 'query' : 'header',
          accepted: true,
        });
        const types = env.push.received.map((m) => (JSON.parse(m) as { MessageType: string }).MessageType);
        assert.ok(types.includes('SessionsStart') && types.includes('ActivityLogEntryStart'), types.join());
        assert.ok(types.includes('KeepAlive'), 'ForceKeepAlive was answered');
        const first = rec.events.find((e) => e.type === 'sessions');
        assert.ok(first?.type === 'sessions');
        assert.equal(first.streams.length, 1);
        assert.equal(first.streams[0]?.accountId, user.id);
        assert.equal(first.streams[0]?.deviceId, 'dev-1');
        env.push.sessions([]);
        env.push.activityLogEntry();
        await rec.until(() => rec.events.length >= 3, 'the change and the activity trigger');
        assert.deepEqual(rec.events.slice(1), [
          { type: 'sessions', streams: [] },
          { type: 'downloads-changed' },
        ]);
      } finally {
        c.stop();
      }
    });
  });
}

describe('Jellyfin push with an API key, by version', () => {
  for (const [version, delivers] of [
    ['10.8.13', true],
    ['10.9.0', false],
    ['10.10.5', false],
    ['10.10.7', false],
    ['10.11.0', true],
  ] as const) {
    it(`${version}: ${delivers ? 'pushes sessions' : 'keeps the socket open and alive but never pushes'}`, async () => {
      const env = await serve('jellyfin', version);
      const rec = new Recorder();
      const c = channel('jellyfin', env.url, rec);
      try {
        await rec.until(
          () => env.push.received.some((m) => m.includes('ActivityLogEntryStart')),
          'the subscriptions',
        );
        env.push.sessions([]);
        env.push.activityLogEntry();
        if (delivers) {
          await rec.until(() => rec.events.length >= 2, 'the pushed events');
          assert.deepEqual(env.push.serverErrors, []);
        } else {
          // ForceKeepAlive is answered with a KeepAlive at once, and the server answers that.
          await rec.until(() => env.push.keepAlivesAnswered > 0, 'a keep-alive answered');
          await new Promise((resolve) => setTimeout(resolve, 200));
          assert.equal(c.current, 'connected');
          assert.deepEqual(rec.events, []);
          assert.equal(env.push.serverErrors.length, 2, env.push.serverErrors.join());
        }
      } finally {
        c.stop();
        env.push.close();
        env.server.close();
      }
    });
  }
});

describe('a push server that sends too much', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    env = await serve('jellyfin');
  });
  after(() => {
    env.push.close();
    env.server.close();
  });

  it('a 100 MB frame closes the socket before it is buffered, is reported, and the channel reconnects', async () => {
    const rec = new Recorder();
    const c = channel('jellyfin', env.url, rec);
    try {
      await rec.until(() => rec.count('connected') === 1, 'connected');
      const rssBefore = process.memoryUsage().rss;
      const written = await env.push.hugeFrame(100 * 1024 * 1024);
      await rec.until(() => rec.states.some((s) => s.state === 'waiting'), 'the channel to drop the socket');
      const waiting = rec.states.find((s) => s.state === 'waiting');
      assert.match(waiting?.detail ?? '', /larger than 4 MB/);
      assert.ok(written < 100 * 1024 * 1024, `the client stopped reading early (${written} bytes written)`);
      assert.ok(process.memoryUsage().rss - rssBefore < 64 * 1024 * 1024, 'the frame was not buffered');
      await rec.until(() => rec.count('connected') === 2, 'reconnected');
    } finally {
      c.stop();
    }
  });

  it('a keep-alive interval below the floor is raised to it', async () => {
    const rec = new Recorder();
    const c = channel('jellyfin', env.url, rec);
    try {
      await rec.until(() => rec.count('connected') === 1, 'connected');
      const keepAlives = () => env.push.received.filter((m) => m.includes('"KeepAlive"')).length;
      const before = keepAlives();
      // Jellyfin's ForceKeepAlive carries seconds; the client sends every half of it (ws/SessionWebSocketListener).
      env.push.forceKeepAlive(1);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // The immediate answer, and no more within 2.5 s (a 0.5-s interval would have sent about five).
      assert.ok(keepAlives() - before <= 2, `${keepAlives() - before} keep-alives in 2.5 s`);
    } finally {
      c.stop();
    }
  });
});
