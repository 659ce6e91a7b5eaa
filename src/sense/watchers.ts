// One PushChannel per stored media server, kept in step with the `media_servers` table (sync on start, after the
// server commands and at each cycle). Events that may change what is enforced ask for an enforcement cycle of
// their server (push-cycles.ts): the first at once, those that arrive while it runs folded into exactly one more.
// The per-server push state (connected or waiting, and why) feeds /status and the metrics.
//
// Push counts as working only while it delivers. An open socket proves nothing (Jellyfin 10.9–10.10 keeps an API
// key's socket open and answers keep-alives, but never pushes; Jellyfin sends no snapshot on subscribing, so
// silence alone proves nothing either). So every read of a server is compared with the one before: a change (a
// session started or ended) that no push event announced marks the channel silent, unless an event arrives within
// a few seconds (it may just be late). A silent channel is polled every `silentPollMs` (a partial cycle of those
// servers) until push delivers again. A version known not to deliver is silent from the start.

import type { MediaServerRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { PushEvent, PushSpec } from '../media/push-types.ts';
import type { ActiveStream } from '../media/types.ts';
import { type KnownProblem, knownPushProblem } from '../policy/versions.ts';
import type { Observation } from '../types/capabilities.ts';
import type { ServerPushState } from '../types/running.ts';
import { PushChannel, type PushChannelOptions } from './push-channel.ts';
import { PushCycles, type PushCyclesOptions } from './push-cycles.ts';

export interface PushWatchersOptions {
  listServers(): Promise<MediaServerRow[]>;
  specFor(row: MediaServerRow): PushSpec;
  runCycle: PushCyclesOptions['runCycle'];
  clock: () => Date;
  log: Logger;
  /** How often a silent channel's server is read (default 15 s). */
  silentPollMs?: number;
  /** How long an event may lag behind a change a read found before the channel counts as silent (default 5 s). */
  silenceGraceMs?: number;
  /** Whether push works on a server, as it is learnt (capabilities: `push-events`). */
  onCapability?(server: { id: number; name: string }, observation: Observation): void;
  channel?: Omit<PushChannelOptions, 'onEvent' | 'onState'>;
}

interface Watched {
  fingerprint: string;
  channel: PushChannel;
  status: ServerPushState;
  /** Plex: last known state per session key. */
  plexSessions: Map<string, string>;
  /** Jellyfin/Emby: the last pushed playing set, as a sorted key list. */
  playing: string | null;
  /** The playing set of the last read (any cycle); events received in all, and by the time of that read. */
  readKeys: string | null;
  events: number;
  eventsAtRead: number;
  /** Whether an event arrived since the channel (re)connected. */
  delivered: boolean;
  known: KnownProblem | null;
  graceTimer: NodeJS.Timeout | null;
}

export const SILENT_POLL_MS = 15_000;
export const SILENCE_GRACE_MS = 5_000;

const UNANNOUNCED =
  'push is connected, but a session started or ended and the server sent no event for it (the poll found it)';
const UNANNOUNCED_FIX =
  'The bot polls this server every 15 seconds until push delivers again. If it lasts, check the server’s version and that a reverse proxy passes WebSocket messages.';

/** The sessions of one read as the set push is compared with. */
const playingKeys = (streams: ActiveStream[]) =>
  streams
    .filter((s) => s.state !== null)
    .map((s) => s.key)
    .sort()
    .join('\n');
/**
 * Sessions remembered per Plex server between reads. A server that pushes endless new session keys (without ever
 * stopping them) can't grow the map past this: the oldest entry is forgotten, which at worst costs one re-read.
 */
export const MAX_PUSHED_SESSIONS = 1_000;

/** True when the event may change what is enforced, given (and updating) what this server pushed before. */
export function isEnforcementRelevant(
  watched: Pick<Watched, 'plexSessions' | 'playing'>,
  event: PushEvent,
): boolean {
  switch (event.type) {
    case 'downloads-changed':
      return true;
    case 'session-changed': {
      // A key no server sends (real ones are short numbers) is not remembered, only acted on.
      if (event.key.length > 200) return true;
      const before = watched.plexSessions.get(event.key);
      if (event.state === 'stopped') watched.plexSessions.delete(event.key);
      else {
        watched.plexSessions.delete(event.key);
        watched.plexSessions.set(event.key, event.state);
        if (watched.plexSessions.size > MAX_PUSHED_SESSIONS) {
          const oldest = watched.plexSessions.keys().next().value;
          if (oldest !== undefined) watched.plexSessions.delete(oldest);
        }
      }
      return before !== event.state;
    }
    case 'sessions': {
      const playing = event.streams
        .map((s) => `${s.key}|${s.accountId ?? s.accountName}|${s.state ?? ''}`)
        .sort()
        .join('\n');
      const changed = playing !== watched.playing;
      watched.playing = playing;
      return changed;
    }
  }
}

export class PushWatchers {
  private readonly watched = new Map<number, Watched>();
  /** Servers whose channel could not be built (their token cannot be read), by the row fingerprint that failed. */
  private readonly unopened = new Map<number, string>();
  private readonly cycles: PushCycles;
  private stopped = false;
  private syncing: Promise<void> = Promise.resolve();
  private readonly silentTimer: NodeJS.Timeout;

  constructor(private readonly o: PushWatchersOptions) {
    this.cycles = new PushCycles({ runCycle: o.runCycle, log: o.log });
    this.silentTimer = setInterval(() => {
      for (const [id, w] of this.watched)
        if (w.status.silent && w.status.state === 'connected') this.cycles.request(id);
    }, o.silentPollMs ?? SILENT_POLL_MS);
    this.silentTimer.unref();
  }

  /** Opens channels for new servers, closes those of removed ones, reopens those whose URL or token changed. */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.syncOnce())
      .catch((err) => {
        this.o.log.warn({ err }, 'push channels could not be brought up to date');
      });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.o.listServers();
    if (this.stopped) return;
    const seen = new Set<number>();
    for (const row of rows) {
      seen.add(row.id);
      const fingerprint = `${row.platform}|${row.url}|${row.tokenEncrypted}|${row.version}`;
      const current = this.watched.get(row.id);
      if (current?.fingerprint === fingerprint) {
        current.status.name = row.name;
        continue;
      }
      if (current) this.unwatch(current);
      this.watched.delete(row.id);
      if (this.unopened.get(row.id) === fingerprint) continue;
      try {
        this.watch(row, fingerprint);
        this.unopened.delete(row.id);
      } catch (err) {
        // A server without a usable token (it needs its token again) leaves the others' channels alone; it is
        // tried again once its row changes (`/server edit`).
        this.unopened.set(row.id, fingerprint);
        this.o.log.warn({ err, server: row.name }, 'push channel not opened');
      }
    }
    for (const id of this.unopened.keys()) if (!seen.has(id)) this.unopened.delete(id);
    for (const [id, w] of this.watched) {
      if (seen.has(id)) continue;
      this.unwatch(w);
      this.watched.delete(id);
    }
  }

  private unwatch(w: Watched): void {
    w.channel.stop();
    if (w.graceTimer) clearTimeout(w.graceTimer);
    w.graceTimer = null;
  }

  private watch(row: MediaServerRow, fingerprint: string): void {
    const server = { id: row.id, name: row.name };
    const status: ServerPushState = {
      serverId: row.id,
      name: row.name,
      platform: row.platform,
      state: 'connecting',
      detail: null,
      lastEventAt: null,
      silent: null,
    };
    const entry: Watched = {
      fingerprint,
      status,
      plexSessions: new Map(),
      playing: null,
      readKeys: null,
      events: 0,
      eventsAtRead: 0,
      delivered: false,
      known: knownPushProblem(row.platform, row.version),
      graceTimer: null,
      channel: new PushChannel(this.o.specFor(row), {
        ...this.o.channel,
        onEvent: (event) => {
          if (this.watched.get(row.id) !== entry) return;
          this.delivered(server, entry);
          if (!isEnforcementRelevant(entry, event)) return;
          status.lastEventAt = this.o.clock();
          this.cycles.request(row.id);
        },
        onState: (state, detail) => {
          if (state !== status.state)
            this.o.log.info({ server: status.name, push: state, detail }, 'push channel state');
          status.state = state;
          status.detail = detail;
          // A reconnect may have missed events: the first one after it counts as a change.
          if (state === 'connected') {
            entry.plexSessions.clear();
            entry.playing = null;
            entry.delivered = false;
            // A version known not to deliver is silent from the start (an event would still prove otherwise).
            if (entry.known && !status.silent)
              this.markSilent(server, entry, entry.known.reason, entry.known.fix);
          } else if (state === 'waiting' && detail && /refused the token/.test(detail)) {
            this.o.onCapability?.(server, { capability: 'push-events', ok: false, reason: detail });
          }
        },
      }),
    };
    this.watched.set(row.id, entry);
    entry.channel.start();
  }

  /** Any message that carries an event proves the channel delivers. */
  private delivered(server: { id: number; name: string }, entry: Watched): void {
    entry.events++;
    if (entry.delivered && !entry.status.silent) return;
    entry.delivered = true;
    if (entry.graceTimer) clearTimeout(entry.graceTimer);
    entry.graceTimer = null;
    if (entry.status.silent) this.o.log.info({ server: server.name }, 'push delivers again');
    entry.status.silent = null;
    this.o.onCapability?.(server, { capability: 'push-events', ok: true });
  }

  private markSilent(
    server: { id: number; name: string },
    entry: Watched,
    reason: string,
    fix: string,
  ): void {
    if (entry.status.silent) return;
    this.o.log.warn(
      { server: server.name, reason },
      'push is silent; polling the server on a short interval',
    );
    entry.status.silent = { since: this.o.clock(), reason, fix };
    this.o.onCapability?.(server, { capability: 'push-events', ok: false, reason, fix });
  }

  /**
   * What a read of the server found (any cycle). A change since the previous read that no event announced makes
   * the channel silent, unless an event arrives within the grace (it may only be late).
   */
  noteRead(serverId: number, streams: ActiveStream[]): void {
    const entry = this.watched.get(serverId);
    if (!entry) return;
    const keys = playingKeys(streams);
    const changed = entry.readKeys !== null && entry.readKeys !== keys;
    const announced = entry.events > entry.eventsAtRead;
    const eventsAtRead = entry.events;
    entry.readKeys = keys;
    entry.eventsAtRead = eventsAtRead;
    if (
      !changed ||
      announced ||
      entry.status.state !== 'connected' ||
      entry.status.silent ||
      entry.graceTimer
    )
      return;
    const server = { id: serverId, name: entry.status.name };
    entry.graceTimer = setTimeout(() => {
      entry.graceTimer = null;
      if (this.watched.get(serverId) !== entry || entry.events > eventsAtRead) return;
      this.markSilent(server, entry, UNANNOUNCED, UNANNOUNCED_FIX);
    }, this.o.silenceGraceMs ?? SILENCE_GRACE_MS);
    entry.graceTimer.unref();
  }

  /** Push state per server id, for /status and the metrics. */
  states(): Map<number, ServerPushState> {
    return new Map([...this.watched].map(([id, w]) => [id, { ...w.status }]));
  }

  /** Closes every channel; the cycle a push event started is waited for by the bot's shutdown. */
  stop(): void {
    this.stopped = true;
    this.cycles.stop();
    clearInterval(this.silentTimer);
    for (const w of this.watched.values()) this.unwatch(w);
    this.watched.clear();
  }
}
