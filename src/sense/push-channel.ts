// One media server's push channel: a WebSocket that reconnects by itself with exponential back-off and full
// jitter, keeps itself alive (client keep-alive messages or ping frames), and treats a silent socket as dead.
// It only reports: events go to `onEvent`, connection changes to `onState`. What to do with them (re-read,
// decide) belongs to the caller; while the channel is down the caller polls on the schedule.

import WebSocket from 'ws';
import type { PushEvent, PushSpec } from '../media/push-types.ts';
import type { PushState } from '../types/running.ts';

export interface PushChannelOptions {
  /** First retry delay; doubles per failure up to `maxBackoffMs`, each delay drawn uniformly below it. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Client keep-alive interval until the server asks for another (ForceKeepAlive). */
  keepAliveMs?: number;
  /** No message, pong or keep-alive answer for this long: the socket is considered dead and reopened. */
  silenceTimeoutMs?: number;
  /** Upgrade timeout. */
  connectTimeoutMs?: number;
  random?: () => number;
  onEvent(event: PushEvent): void;
  /** `detail` says why the channel is down, in words for admins; never the URL (it may carry a token). */
  onState(state: PushState, detail: string | null): void;
}

/**
 * Largest push message taken (a Jellyfin/Emby "Sessions" message lists every session; a few hundred of them are
 * well under 1 MB). ws closes a socket that sends more with 1009 before buffering it.
 */
export const PUSH_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** The fastest keep-alive a server may ask for (ForceKeepAlive): a server can't make the bot send in a tight loop. */
export const KEEP_ALIVE_FLOOR_MS = 5_000;

export const PUSH_DEFAULTS = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  keepAliveMs: 30_000,
  silenceTimeoutMs: 90_000,
  connectTimeoutMs: 10_000,
} as const;

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)). */
export function backoffDelay(
  failures: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
  return Math.floor(random() * ceiling);
}

export class PushChannel {
  private socket: WebSocket | null = null;
  private state: PushState = 'waiting';
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private keepAliveMs: number;
  private readonly o: Required<Omit<PushChannelOptions, 'onEvent' | 'onState'>> &
    Pick<PushChannelOptions, 'onEvent' | 'onState'>;
  /** When the last message (of any kind) arrived; null before the first. */
  lastMessageAt: Date | null = null;

  constructor(
    private readonly spec: PushSpec,
    options: PushChannelOptions,
  ) {
    this.o = { ...PUSH_DEFAULTS, random: Math.random, ...options };
    this.keepAliveMs = this.o.keepAliveMs;
  }

  get current(): PushState {
    return this.state;
  }

  start(): void {
    if (this.state === 'stopped' || this.socket) return;
    this.open();
  }

  /** Closes the socket and never reconnects. */
  stop(): void {
    this.setState('stopped', null);
    this.clearTimers();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
    }
  }

  private setState(state: PushState, detail: string | null): void {
    if (this.state === 'stopped') return;
    const changed = state !== this.state;
    this.state = state;
    if (changed || detail) this.o.onState(state, detail);
  }

  private open(): void {
    this.setState('connecting', null);
    const socket = new WebSocket(this.spec.url, {
      headers: this.spec.headers,
      handshakeTimeout: this.o.connectTimeoutMs,
      followRedirects: false,
      perMessageDeflate: false,
      maxPayload: PUSH_MAX_MESSAGE_BYTES,
    });
    this.socket = socket;
    let failure: string | null = null;
    socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      failure =
        status === 401 || status === 403
          ? `the server refused the token (HTTP ${status})`
          : status >= 300 && status < 400
            ? `the server answered with a redirect (HTTP ${status}); it is not followed`
            : `the server refused the push connection (HTTP ${status})`;
      res.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      this.failures = 0;
      this.setState('connected', null);
      for (const message of this.spec.subscribe()) socket.send(message);
      this.armSilence();
      this.armKeepAlive();
    });
    socket.on('message', (data, isBinary) => {
      this.lastMessageAt = new Date();
      this.armSilence();
      if (isBinary) return;
      const parsed = this.spec.parse(data.toString());
      for (const reply of parsed.replies ?? []) socket.send(reply);
      const asked = parsed.keepAliveMs ? Math.max(parsed.keepAliveMs, KEEP_ALIVE_FLOOR_MS) : null;
      if (asked && asked !== this.keepAliveMs) {
        this.keepAliveMs = asked;
        this.armKeepAlive();
      }
      for (const event of parsed.events) this.o.onEvent(event);
    });
    socket.on('pong', () => this.armSilence());
    socket.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        failure ??= `the server sent a message larger than ${PUSH_MAX_MESSAGE_BYTES / (1024 * 1024)} MB`;
      failure ??= err.code ? `could not connect (${err.code})` : 'the connection failed';
    });
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      this.scheduleRetry(failure ?? `the server closed the connection (code ${code})`);
    });
  }

  private scheduleRetry(reason: string): void {
    if (this.state === 'stopped') return;
    const delay = backoffDelay(this.failures, this.o.initialBackoffMs, this.o.maxBackoffMs, this.o.random);
    this.failures++;
    this.setState('waiting', reason);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state !== 'stopped') this.open();
    }, delay);
    this.retryTimer.unref();
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      // Silent for too long: a half-open TCP connection or a stuck server. Reopen.
      this.socket?.terminate();
    }, this.o.silenceTimeoutMs);
    this.silenceTimer.unref();
  }

  private armKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = setInterval(() => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      // Ping frames on every platform (RFC 6455 servers answer them with pongs, which feed the silence check),
      // plus the platform's own keep-alive message where it wants one.
      socket.ping();
      if (this.spec.keepAliveMessage !== null) socket.send(this.spec.keepAliveMessage);
    }, this.keepAliveMs);
    this.keepAliveTimer.unref();
  }

  private clearTimers(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.keepAliveTimer = null;
    this.silenceTimer = null;
  }
}
