// One PushChannel per stored media server, kept in step with the `media_servers` table (sync on start, after the
// server commands and at each cycle). Events that may change what is enforced ask for an enforcement cycle,
// debounced and coalesced: while a cycle runs, at most one more is queued, so no event is lost and none pile up.
// The per-server push state (connected or waiting, and why) feeds /status and the metrics.
import type { MediaServerRow } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { PushEvent, PushSpec } from '../media/push-types.ts';
import { PushChannel, type PushChannelOptions, type PushState } from './push-channel.ts';

export interface ServerPushState {
  serverId: number;
  name: string;
  platform: string;
  state: PushState;
  /** Why the channel is down, in words for admins (never a URL or token); null while connected. */
  detail: string | null;
  /** When the last event that was read as a possible change arrived (bot clock); null before the first. */
  lastEventAt: Date | null;
}

export interface PushWatchersOptions {
  listServers(): Promise<MediaServerRow[]>;
  specFor(row: MediaServerRow): PushSpec;
  /**
   * Runs one enforcement cycle that starts after the request (not one already reading the servers), reading the
   * servers whose events asked for it; the others are counted from what was last read of them.
   */
  runCycle(serverIds: number[]): Promise<unknown>;
  clock: () => Date;
  log: Logger;
  debounceMs?: number;
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
}

export const PUSH_DEBOUNCE_MS = 500;
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
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Servers whose events asked for the next cycle. */
  private readonly pending = new Set<number>();
  private stopped = false;
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: PushWatchersOptions) {
    this.debounceMs = o.debounceMs ?? PUSH_DEBOUNCE_MS;
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
      const fingerprint = `${row.platform}|${row.url}|${row.tokenEncrypted}`;
      const current = this.watched.get(row.id);
      if (current?.fingerprint === fingerprint) {
        current.status.name = row.name;
        continue;
      }
      current?.channel.stop();
      this.watch(row, fingerprint);
    }
    for (const [id, w] of this.watched) {
      if (seen.has(id)) continue;
      w.channel.stop();
      this.watched.delete(id);
    }
  }

  private watch(row: MediaServerRow, fingerprint: string): void {
    const status: ServerPushState = {
      serverId: row.id,
      name: row.name,
      platform: row.platform,
      state: 'connecting',
      detail: null,
      lastEventAt: null,
    };
    const entry: Watched = {
      fingerprint,
      status,
      plexSessions: new Map(),
      playing: null,
      channel: new PushChannel(this.o.specFor(row), {
        ...this.o.channel,
        onEvent: (event) => {
          if (this.watched.get(row.id) !== entry || !isEnforcementRelevant(entry, event)) return;
          status.lastEventAt = this.o.clock();
          this.request(row.id);
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
          }
        },
      }),
    };
    this.watched.set(row.id, entry);
    entry.channel.start();
  }

  /** Asks for a cycle: debounced, and coalesced with the one running (exactly one more runs after it). */
  request(serverId: number): void {
    this.pending.add(serverId);
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, this.debounceMs);
    this.timer.unref();
  }

  private fire(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const serverIds = [...this.pending];
        this.pending.clear();
        try {
          await this.o.runCycle(serverIds);
        } catch (err) {
          if (!this.stopped) this.o.log.error({ err }, 'push-triggered enforcement cycle failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
    });
  }

  /** Push state per server id, for /status and the metrics. */
  states(): Map<number, ServerPushState> {
    return new Map([...this.watched].map(([id, w]) => [id, { ...w.status }]));
  }

  /** Closes every channel; the cycle a push event started is waited for by the bot's shutdown. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watched.values()) w.channel.stop();
    this.watched.clear();
  }
}
