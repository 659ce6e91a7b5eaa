// Prometheus metrics (prom-client), one registry per running bot. Collected at the edges without touching the
// jobs: the media clients and the notifier are wrapped, the cycle report is observed, and the per-server and
// download-switch gauges are read from the database at each scrape. Labels carry server names, platforms and
// outcomes only: never member names, account names, tokens or addresses.
import { gte, sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db/client.ts';
import { downloadSwitches, downloads, mediaServers } from './db/schema.ts';
import type { MediaRegistry } from './media/registry.ts';
import type { MediaServer, StopResult } from './media/types.ts';
import type { Delivery, Notifier } from './notify/notifier.ts';
import { isDegraded } from './policy/health.ts';
import { weekStart } from './policy/week.ts';
import type { CycleReport } from './types/cycle.ts';

const READS = ['identify', 'listStreams', 'listDownloads', 'listAccounts'] as const;

/** Wraps the named methods of `target` and forwards everything else untouched (the interfaces may grow). */
function wrapMethods<T extends object>(
  target: T,
  wrappers: Partial<Record<keyof T, (call: () => Promise<unknown>) => Promise<unknown>>>,
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      const wrap = wrappers[prop as keyof T];
      return wrap
        ? (...args: unknown[]) => wrap(() => value.apply(obj, args))
        : (...args: unknown[]) => value.apply(obj, args);
    },
  });
}

const stopResult = (r: StopResult) => (!r.ok ? 'refused' : r.alreadyEnded ? 'already-ended' : 'stopped');

export class BotMetrics {
  readonly registry = new Registry();
  private readonly cycles = new Counter({
    name: 'streamwarden_cycles_total',
    help: 'Enforcement cycles run, by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly lastCycle = new Gauge({
    name: 'streamwarden_last_cycle_timestamp_seconds',
    help: 'When the last enforcement cycle finished (bot clock).',
    registers: [this.registry],
  });
  private readonly streamsSeen = new Gauge({
    name: 'streamwarden_streams_seen',
    help: 'Playing streams seen on each server in the last cycle.',
    labelNames: ['server'],
    registers: [this.registry],
  });
  private readonly breaches = new Counter({
    name: 'streamwarden_breaches_total',
    help: 'Stream-cap breach episodes opened (confirmed by the re-read), by dry run.',
    labelNames: ['dry_run'],
    registers: [this.registry],
  });
  private readonly overCap = new Gauge({
    name: 'streamwarden_members_over_cap',
    help: 'Members over their stream cap in the last cycle.',
    registers: [this.registry],
  });
  private readonly downloadsReported = new Gauge({
    name: 'streamwarden_downloads_reported',
    help: 'Downloads each server reported in the last cycle.',
    labelNames: ['server'],
    registers: [this.registry],
  });
  private readonly downloadsThisWeek = new Gauge({
    name: 'streamwarden_downloads_counted_this_week',
    help: 'Downloads recorded (the rows the weekly quota is counted from) since the start of this week.',
    registers: [this.registry],
  });
  private readonly stops = new Counter({
    name: 'streamwarden_stream_stops_total',
    help: 'Stream stops attempted, by platform and result (stopped, already-ended, refused, error).',
    labelNames: ['platform', 'result'],
    registers: [this.registry],
  });
  private readonly readDuration = new Histogram({
    name: 'streamwarden_media_read_duration_seconds',
    help: 'Duration of media-server reads, by platform, operation and result.',
    labelNames: ['platform', 'operation', 'result'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly notices = new Counter({
    name: 'streamwarden_notices_total',
    help: 'Notices sent, by channel (dm, alert, email) and result (delivered, failed).',
    labelNames: ['channel', 'result'],
    registers: [this.registry],
  });
  private readonly serverUp = new Gauge({
    name: 'streamwarden_server_up',
    help: '1 when the last read of the server succeeded, 0 when it failed (absent before the first read).',
    labelNames: ['server', 'platform'],
    registers: [this.registry],
  });
  private readonly serverDegraded = new Gauge({
    name: 'streamwarden_server_degraded',
    help: '1 when the server has failed for longer than three poll intervals.',
    labelNames: ['server', 'platform'],
    registers: [this.registry],
  });
  private readonly serverLastRead = new Gauge({
    name: 'streamwarden_server_last_success_timestamp_seconds',
    help: 'When the server was last read successfully (bot clock).',
    labelNames: ['server', 'platform'],
    registers: [this.registry],
  });
  private readonly pushConnected = new Gauge({
    name: 'streamwarden_server_push_connected',
    help: '1 when a push (websocket) connection to the server is open; 0 when it is down or PUSH=off (polled).',
    labelNames: ['server', 'platform'],
    registers: [this.registry],
  });
  private readonly switches = new Gauge({
    name: 'streamwarden_download_switches',
    help: 'Download switches the bot holds, by state: disabled (pending switch-back), disable-failed, enable-failed.',
    labelNames: ['state'],
    registers: [this.registry],
  });

  /** Whether the server's push socket is open (set by app.ts when PUSH is on). */
  pushSource: (serverId: number) => boolean = () => false;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Every MediaServer the registry builds is timed and its stops counted. */
  instrumentRegistry(media: MediaRegistry): MediaRegistry {
    const connect = media.connect.bind(media);
    media.connect = (...args: Parameters<MediaRegistry['connect']>) =>
      this.instrumentServer(connect(...args));
    return media;
  }

  instrumentServer(server: MediaServer): MediaServer {
    const platform = server.platform;
    const timed =
      (operation: string) =>
      async (call: () => Promise<unknown>): Promise<unknown> => {
        const end = this.readDuration.startTimer({ platform, operation });
        try {
          const value = await call();
          end({ result: 'ok' });
          return value;
        } catch (err) {
          end({ result: 'error' });
          throw err;
        }
      };
    const wrappers: Partial<Record<keyof MediaServer, (call: () => Promise<unknown>) => Promise<unknown>>> = {
      stopStream: async (call) => {
        try {
          const result = (await call()) as StopResult;
          this.stops.inc({ platform, result: stopResult(result) });
          return result;
        } catch (err) {
          this.stops.inc({ platform, result: 'error' });
          throw err;
        }
      },
    };
    for (const operation of READS) wrappers[operation] = timed(operation);
    return wrapMethods(server, wrappers);
  }

  instrumentNotifier(notifier: Notifier): Notifier {
    const counted = (channel: string) => async (call: () => Promise<unknown>) => {
      const delivery = (await call()) as Delivery;
      this.notices.inc({ channel, result: delivery.ok ? 'delivered' : 'failed' });
      return delivery;
    };
    return wrapMethods(notifier, { dm: counted('dm'), alert: counted('alert'), email: counted('email') });
  }

  observeCycle(report: CycleReport): void {
    this.cycles.inc({ result: 'completed' });
    this.lastCycle.set(report.finishedAt.getTime() / 1000);
    this.streamsSeen.reset();
    this.downloadsReported.reset();
    for (const s of report.servers) {
      this.streamsSeen.set({ server: s.name }, s.streams);
      this.downloadsReported.set({ server: s.name }, s.downloads);
    }
    this.overCap.set(report.breaches.length);
    for (const b of report.breaches) if (b.newEpisode) this.breaches.inc({ dry_run: String(report.dryRun) });
  }

  /** Counts a failed cycle and rethrows its error. */
  observeCycleFailure(err: unknown): never {
    this.cycles.inc({ result: 'failed' });
    throw err;
  }

  /** Refreshes the gauges the database knows (server health, download switches, this week's downloads). */
  async refreshFromDatabase(db: Db, now: Date, options: { pollIntervalMs: number; timezone: string }) {
    const servers = await db.select().from(mediaServers);
    for (const gauge of [this.serverUp, this.serverDegraded, this.serverLastRead, this.pushConnected])
      gauge.reset();
    for (const s of servers) {
      const labels = { server: s.name, platform: s.platform };
      if (s.status !== 'unknown') this.serverUp.set(labels, s.status === 'up' ? 1 : 0);
      this.serverDegraded.set(labels, isDegraded(s, now, options.pollIntervalMs) ? 1 : 0);
      if (s.lastPollAt) this.serverLastRead.set(labels, s.lastPollAt.getTime() / 1000);
      this.pushConnected.set(labels, this.pushSource(s.id) ? 1 : 0);
    }
    const states = await db
      .select({ state: downloadSwitches.state, n: sql<number>`count(*)::int` })
      .from(downloadSwitches)
      .groupBy(downloadSwitches.state);
    this.switches.reset();
    for (const state of ['disabled', 'disable-failed', 'enable-failed'] as const)
      this.switches.set({ state }, Number(states.find((r) => r.state === state)?.n ?? 0));
    const since = weekStart(now, options.timezone);
    const [week] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(downloads)
      .where(gte(downloads.startedAt, since));
    this.downloadsThisWeek.set(Number(week?.n ?? 0));
  }
}
