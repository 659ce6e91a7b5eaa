import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { RawData, WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { guildCreatePayload, memberPayload, userPayload } from './payloads.ts';
import type { DoubleState } from './state.ts';

/** Long enough that tests never see heartbeat traffic; acks are still sent for every beat. */
export const HEARTBEAT_INTERVAL_MS = 41_250;

interface Session {
  id: string;
  seq: number;
  intents: number;
}

interface Connection {
  ws: WebSocket;
  session: Session | null;
}

interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

/**
 * The gateway side of the double (text frames, JSON, no compression — discord.js without zlib-sync).
 * Speaks HELLO / IDENTIFY → READY + GUILD_CREATE / HEARTBEAT → ACK / RESUME → RESUMED / REQUEST_GUILD_MEMBERS.
 */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly bySocket = new WeakMap<WebSocket, Connection>();
  private current: Connection | null = null;
  /** IDENTIFYs accepted so far (a RESUME is not counted). */
  identifies = 0;
  private readyWaiters: Array<() => void> = [];

  constructor(
    private readonly state: DoubleState,
    private readonly gatewayUrl: () => string,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Connections that identified or resumed and are still open (several clients logged in at once show here). */
  get liveSessions(): number {
    return [...this.wss.clients].filter((ws) => ws.readyState === ws.OPEN && this.bySocket.get(ws)?.session)
      .length;
  }

  get isReady(): boolean {
    return this.current !== null;
  }

  waitForReady(timeoutMs: number): Promise<void> {
    if (this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((waiter) => waiter !== done);
        reject(new Error(`DiscordDouble: no client identified within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  /** Sends a dispatch to the most recently identified client; false when none is connected or the intent is off. */
  dispatch(t: string, d: unknown, intent?: number): boolean {
    const connection = this.current;
    if (!connection?.session) return false;
    if (intent !== undefined && (connection.session.intents & intent) === 0) return false;
    connection.session.seq += 1;
    this.send(connection.ws, { op: GatewayOpcodes.Dispatch, t, s: connection.session.seq, d });
    return true;
  }

  memberAdded(userId: string): void {
    const member = this.state.members.get(userId);
    if (member) {
      this.dispatch(
        'GUILD_MEMBER_ADD',
        { ...memberPayload(member), guild_id: this.state.guildId },
        GatewayIntentBits.GuildMembers,
      );
    }
  }

  /** Drops the current connection with a resumable close code (tests of RESUME). */
  disconnect(code = 4000): void {
    this.current?.ws.close(code, 'DiscordDouble disconnect');
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.current = null;
  }

  private send(ws: WebSocket, payload: GatewayPayload): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  private accept(ws: WebSocket): void {
    const connection: Connection = { ws, session: null };
    this.bySocket.set(ws, connection);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return; // discord.js never sends binary without compression
      let payload: GatewayPayload;
      try {
        payload = JSON.parse(data.toString()) as GatewayPayload;
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      this.onPayload(connection, payload);
    });
    ws.on('close', () => {
      if (this.current === connection) this.current = null;
    });
    this.send(ws, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } });
  }

  private onPayload(connection: Connection, payload: GatewayPayload): void {
    const d = (typeof payload.d === 'object' && payload.d !== null ? payload.d : {}) as Record<
      string,
      unknown
    >;
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.send(connection.ws, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        this.identify(connection, d);
        return;
      case GatewayOpcodes.Resume:
        this.resume(connection, d);
        return;
      case GatewayOpcodes.RequestGuildMembers:
        this.requestMembers(connection, d);
        return;
      default:
        return; // presence/voice updates: accepted and ignored
    }
  }

  private becomeCurrent(connection: Connection, session: Session): void {
    connection.session = session;
    this.current = connection;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private identify(connection: Connection, d: Record<string, unknown>): void {
    if (d.token !== this.state.token) {
      connection.ws.close(4004, 'Authentication failed.');
      return;
    }
    // A privileged intent the application has not toggled on: "Disallowed intent(s)" (close code 4014).
    if ((Number(d.intents ?? 0) & GatewayIntentBits.GuildMembers) !== 0 && !this.state.membersIntent) {
      connection.ws.close(4014, 'Disallowed intent(s).');
      return;
    }
    this.identifies += 1;
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents: Number(d.intents ?? 0) };
    this.sessions.set(session.id, session);
    const { state } = this;
    const sendDispatch = (t: string, data: unknown) => {
      session.seq += 1;
      this.send(connection.ws, { op: GatewayOpcodes.Dispatch, t, s: session.seq, d: data });
    };
    // A bot that was not added to the guild is in no guild: READY lists none.
    const withGuilds = (session.intents & GatewayIntentBits.Guilds) !== 0 && state.invited;
    sendDispatch('READY', {
      v: 10,
      user: { ...userPayload(state.botUser), bot: true, verified: true, mfa_enabled: false, flags: 0 },
      guilds: withGuilds ? [{ id: state.guildId, unavailable: true }] : [],
      session_id: session.id,
      resume_gateway_url: this.gatewayUrl(),
      shard: [0, 1],
      application: { id: state.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      user_settings: {},
      geo_ordered_rtc_regions: [],
      auth_session_id_hash: '',
    });
    // discord.js only marks the shard ready once every READY guild has arrived (else it waits 15 s).
    if (withGuilds) sendDispatch('GUILD_CREATE', guildCreatePayload(state));
    this.becomeCurrent(connection, session);
  }

  private resume(connection: Connection, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d.session_id));
    if (d.token !== this.state.token || !session) {
      this.send(connection.ws, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    this.becomeCurrent(connection, session);
    this.dispatch('RESUMED', null);
  }

  private requestMembers(connection: Connection, d: Record<string, unknown>): void {
    if (!connection.session) return;
    const wanted = Array.isArray(d.user_ids)
      ? d.user_ids.map(String)
      : typeof d.user_ids === 'string'
        ? [d.user_ids]
        : null;
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    const all = [...this.state.members.values()];
    const members = wanted
      ? all.filter((m) => wanted.includes(m.user.id))
      : all.filter((m) => m.user.username.toLowerCase().startsWith(query));
    const limit = typeof d.limit === 'number' && d.limit > 0 ? d.limit : members.length;
    connection.session.seq += 1;
    this.send(connection.ws, {
      op: GatewayOpcodes.Dispatch,
      t: 'GUILD_MEMBERS_CHUNK',
      s: connection.session.seq,
      d: {
        guild_id: this.state.guildId,
        members: members.slice(0, limit).map(memberPayload),
        chunk_index: 0,
        chunk_count: 1,
        not_found: wanted ? wanted.filter((id) => !this.state.members.has(id)) : [],
        ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
      },
    });
  }
}
