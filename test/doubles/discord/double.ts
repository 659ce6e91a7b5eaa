import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIApplicationCommandPermission,
  APIRole,
  RESTPutAPIApplicationCommandsJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import { GatewayIntentBits } from 'discord-api-types/v10';
import { Gateway } from './gateway.ts';
import {
  type BuiltInteraction,
  buildComponentInteraction,
  buildInteraction,
  type InteractionRequest,
} from './interactions.ts';
import type { Upload } from './message-body.ts';
import { channelPayload, guildCreatePayload, memberPayload } from './payloads.ts';
import { createRestHandler } from './rest.ts';
import { commandPermissionsPayload } from './rest-command-permissions.ts';
import { buildRole, type RoleOptions } from './roles.ts';
import { DoubleState, type StoredMessage } from './state.ts';
import type {
  AutocompleteChoice,
  AutocompleteOptions,
  ClickOptions,
  DiscordDoubleOptions,
  DoubleChannel,
  DoubleUser,
  InteractionReply,
  InvokeOptions,
  RecordedMessage,
  RecordedRequest,
} from './types.ts';
import { InteractionTracker } from './webhooks.ts';

// How long a test waits for the bot's answer. Discord gives a bot 3 s to acknowledge; the double waits longer so
// a loaded machine (CI runs several suites at once) does not fail a test the bot passes.
const DEFAULT_TIMEOUT_MS = Number(process.env.DISCORD_DOUBLE_TIMEOUT_MS) || 20_000;

/**
 * Loopback Discord (REST under /api/v10 + gateway WebSocket) for the real discord.js Client:
 * `new Client({ intents, rest: { api: double.apiUrl, retries: 0, timeout: 2000 } })`.
 * Always `await client.destroy()` before `await double.stop()`, or @discordjs/ws keeps reconnecting.
 */
export class DiscordDouble {
  readonly apiUrl: string;
  private readonly state: DoubleState;
  private readonly tracker: InteractionTracker;
  private readonly gateway: Gateway;

  private constructor(
    private readonly server: Server,
    state: DoubleState,
    tracker: InteractionTracker,
    gateway: Gateway,
  ) {
    const { port } = server.address() as AddressInfo;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.state = state;
    this.tracker = tracker;
    this.gateway = gateway;
  }

  static async start(options: DiscordDoubleOptions = {}): Promise<DiscordDouble> {
    const state = new DoubleState(options);
    const tracker = new InteractionTracker(state);
    let gatewayUrl = '';
    const gateway = new Gateway(state, () => gatewayUrl);
    const handle = createRestHandler(state, tracker, () => gatewayUrl);
    const server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: `DiscordDouble: ${(error as Error).message}`, code: 0 }));
      });
    });
    // Node closes an idle kept-alive connection after 5 s, about when a client (undici: 4 s) reuses it; under load the
    // client then sends on a socket the server is closing ("other side closed"). Discord's edge keeps idle
    // connections far longer than its clients do, so here too the client is the one that closes.
    server.keepAliveTimeout = 120_000;
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname === '/gateway')
        gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    gatewayUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/gateway`;
    return new DiscordDouble(server, state, tracker, gateway);
  }

  get token(): string {
    return this.state.token;
  }
  get guildId(): string {
    return this.state.guildId;
  }
  get applicationId(): string {
    return this.state.applicationId;
  }
  get botUser(): DoubleUser {
    return this.state.botUser;
  }
  get ownerId(): string {
    return this.state.ownerId;
  }
  /** Every REST request, in order (cleared by clearRecords). */
  /** Gateway IDENTIFYs accepted so far. */
  get gatewayIdentifies(): number {
    return this.gateway.identifies;
  }

  /** Gateway sessions open now: one when exactly one client is logged in. */
  get gatewaySessions(): number {
    return this.gateway.liveSessions;
  }

  get requests(): RecordedRequest[] {
    return this.state.requests;
  }
  /** How many times the guild's commands were written with PUT. */
  get commandWrites(): number {
    return this.state.commandWrites;
  }
  /** Replaces a channel's permission overwrites (what GET /channels/{id} returns from now on). */
  setOverwrites(channelId: string, overwrites: Required<DoubleChannel>['overwrites']): void {
    const channel = this.state.channels.get(channelId);
    if (!channel) throw new Error(`DiscordDouble: unknown channel ${channelId}`);
    channel.overwrites = overwrites;
  }

  /** Guild text/voice/category channels, in position order. */
  get channels(): Array<Required<DoubleChannel>> {
    return [...this.state.channels.values()];
  }

  /** The last definitions PUT (or created with POST) for the guild, as the bot sent them. */
  guildCommands(): RESTPutAPIApplicationGuildCommandsJSONBody | null {
    return this.state.guildCommandDefs;
  }
  globalCommands(): RESTPutAPIApplicationCommandsJSONBody | null {
    return this.state.globalCommandDefs;
  }

  /**
   * The owner edits a command's permissions in Server Settings → Integrations (`command` null: the app-wide ones,
   * stored under the application id). Entries as Discord sends them: `{ id, type: 1 role | 2 user | 3 channel,
   * permission }`, @everyone = the guild id, all channels = guild id - 1. A connected client gets
   * APPLICATION_COMMAND_PERMISSIONS_UPDATE with the new object (gateway-events#application-command-permissions-update;
   * no intent needed, see gateway#list-of-intents: "Any events not listed … will always be sent to your app"), unless
   * `event` is false (to see what a bot does before the event arrives). Discord only sends an interaction the
   * overrides allow; `invoke` sends it anyway, as a client with a stale command list would.
   */
  setCommandPermissions(
    command: string | null,
    permissions: APIApplicationCommandPermission[],
    { event = true }: { event?: boolean } = {},
  ): void {
    const id = command === null ? this.applicationId : this.state.commandId('guild', command);
    this.state.commandPermissions.set(id, permissions);
    if (event) this.sendPermissionsUpdate(command);
  }

  /** Sends APPLICATION_COMMAND_PERMISSIONS_UPDATE for a command's (or, null, the app-wide) current overrides. */
  sendPermissionsUpdate(command: string | null): boolean {
    const id = command === null ? this.applicationId : this.state.commandId('guild', command);
    const payload = commandPermissionsPayload(this.state, id, this.state.commandPermissions.get(id) ?? []);
    return this.gateway.dispatch('APPLICATION_COMMAND_PERMISSIONS_UPDATE', payload);
  }

  /**
   * From now on the GET permission routes answer `status` (e.g. 503, or 403 / 50001 Missing Access); null: they
   * work again.
   */
  failCommandPermissions(fault: { status: number; code?: number; message?: string } | null): void {
    this.state.commandPermissionsFault = fault
      ? { status: fault.status, code: fault.code ?? 0, message: fault.message ?? `${fault.status}: injected` }
      : null;
  }

  /** From now on the GET permission routes answer after `delayMs` (0: at once). */
  slowCommandPermissions(delayMs: number): void {
    this.state.commandPermissionsDelayMs = delayMs;
  }

  /** Adds a guild member; a connected client with the GuildMembers intent gets GUILD_MEMBER_ADD. */
  addMember(user: DoubleUser): void {
    this.state.addMember(user);
    this.gateway.memberAdded(user.id);
  }

  /**
   * The owner adds the bot to the guild (the OAuth2 invite): from now on the guild's routes answer, and a connected
   * client gets GUILD_CREATE, which Discord sends "when the current user joins a new Guild"
   * (https://discord.com/developers/docs/events/gateway-events#guild-create).
   */
  invite(): void {
    this.state.invited = true;
    this.gateway.dispatch('GUILD_CREATE', guildCreatePayload(this.state), GatewayIntentBits.Guilds);
  }

  /** Creates a guild role (see roles.ts for the payload); a connected client gets GUILD_ROLE_CREATE. */
  createRole(options: RoleOptions): APIRole {
    const role = buildRole(this.state, options);
    this.state.roles.set(role.id, role);
    this.gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: this.guildId, role }, GatewayIntentBits.Guilds);
    return role;
  }

  /** Gives a member a role; a client with the GuildMembers intent gets GUILD_MEMBER_UPDATE. */
  addRole(userId: string, roleId: string): void {
    this.changeRoles(userId, roleId, true);
  }

  /** Takes a role from a member; a client with the GuildMembers intent gets GUILD_MEMBER_UPDATE. */
  removeRole(userId: string, roleId: string): void {
    this.changeRoles(userId, roleId, false);
  }

  /** A member's role ids now. */
  rolesOf(userId: string): string[] {
    return [...(this.state.members.get(userId)?.roles ?? [])];
  }

  /**
   * Toggles the application's privileged Server Members Intent (developer portal). Off: GET /guilds/{id}/members
   * answers 403 / 50001, and an IDENTIFY with the GuildMembers intent is closed with 4014.
   */
  setMembersIntent(enabled: boolean): void {
    this.state.membersIntent = enabled;
  }

  private changeRoles(userId: string, roleId: string, add: boolean): void {
    const member = this.state.members.get(userId);
    if (!member) throw new Error(`DiscordDouble: ${userId} is not a guild member`);
    if (!this.state.roles.has(roleId)) throw new Error(`DiscordDouble: no role ${roleId}`);
    const others = member.roles.filter((id) => id !== roleId);
    member.roles = add ? [...others, roleId] : others;
    this.gateway.dispatch(
      'GUILD_MEMBER_UPDATE',
      { ...memberPayload(member), guild_id: this.guildId },
      GatewayIntentBits.GuildMembers,
    );
  }

  /** Adds a guild channel; a connected client gets CHANNEL_CREATE. */
  addChannel(channel: DoubleChannel): void {
    const stored = this.state.addChannel(channel);
    this.gateway.dispatch('CHANNEL_CREATE', channelPayload(this.state, stored), GatewayIntentBits.Guilds);
  }

  /** Resolves once a client has identified and received READY + GUILD_CREATE. */
  waitForReady(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.gateway.waitForReady(timeoutMs);
  }

  /** Closes the client's gateway connection with a resumable code; discord.js reconnects and RESUMEs. */
  disconnectGateway(code = 4000): void {
    this.gateway.disconnect(code);
  }

  /**
   * Dispatches a chat-input INTERACTION_CREATE built from the registered definitions and resolves with the bot's
   * answer: a type 4/9 callback, or (after a type 5 deferral) the first edit of @original or first follow-up.
   * The returned object keeps updating with later edits and follow-ups.
   */
  async invoke(opts: InvokeOptions): Promise<InteractionReply> {
    const outcome = await this.dispatchInteraction({ ...opts, kind: 'command' }, opts.timeoutMs);
    if (!('reply' in outcome)) throw new Error('DiscordDouble: command interaction answered with choices');
    return outcome.reply;
  }

  /** Dispatches an autocomplete interaction (type 4, focused option marked) and resolves with the bot's choices. */
  async autocomplete(opts: AutocompleteOptions): Promise<AutocompleteChoice[]> {
    const outcome = await this.dispatchInteraction({ ...opts, kind: 'autocomplete' }, opts.timeoutMs);
    if (!('choices' in outcome)) throw new Error('DiscordDouble: autocomplete answered without choices');
    return outcome.choices;
  }

  /**
   * Clicks a button on a message the bot sent (MESSAGE_COMPONENT, type 3) and resolves with the bot's answer: an
   * UPDATE_MESSAGE (7) that edits the message, a deferred update (6) followed by an edit, or a new reply (4/5).
   */
  async click(opts: ClickOptions): Promise<InteractionReply> {
    const message =
      this.tracker.findMessage(opts.messageId) ??
      [...this.state.messagesByChannel.values()].flat().find((m) => m.id === opts.messageId);
    if (!message) throw new Error(`DiscordDouble: no message ${opts.messageId} to click on`);
    const built = buildComponentInteraction(this.state, { ...opts, message });
    const outcome = await this.dispatchBuilt(built, 'component', opts.user, opts.timeoutMs, message);
    if (!('reply' in outcome)) throw new Error('DiscordDouble: component interaction answered with choices');
    return outcome.reply;
  }

  /** Every file the bot uploaded (multipart `files[n]`), with its bytes, in order (cleared by clearRecords). */
  get uploads(): Upload[] {
    return this.state.uploads;
  }

  private dispatchInteraction(
    request: InteractionRequest,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<{ reply: InteractionReply } | { choices: AutocompleteChoice[] }> {
    return this.dispatchBuilt(
      buildInteraction(this.state, request),
      request.kind,
      request.user,
      timeoutMs,
      null,
    );
  }

  private async dispatchBuilt(
    built: BuiltInteraction,
    kind: 'command' | 'autocomplete' | 'component',
    user: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    source: StoredMessage | null,
  ): Promise<{ reply: InteractionReply } | { choices: AutocompleteChoice[] }> {
    const started = Date.now();
    await this.gateway.waitForReady(timeoutMs);
    return new Promise((resolve, reject) => {
      const remaining = Math.max(1, timeoutMs - (Date.now() - started));
      const timer = setTimeout(() => {
        this.tracker.forget(built.token);
        const seen = tracked.events.length > 0 ? tracked.events.join('; ') : 'nothing';
        reject(
          new Error(
            `DiscordDouble: ${kind} ${built.label} (interaction ${built.id}) got no final answer within ${timeoutMs} ms; received: ${seen}`,
          ),
        );
      }, remaining);
      const tracked = this.tracker.track(
        built,
        kind,
        user,
        (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
        source,
      );
      if (!this.gateway.dispatch('INTERACTION_CREATE', built.payload)) {
        clearTimeout(timer);
        this.tracker.forget(built.token);
        reject(new Error('DiscordDouble: no gateway connection to dispatch the interaction on'));
      }
    });
  }

  /** Messages the bot posted in that user's DM channel. */
  dmsTo(userId: string): RecordedMessage[] {
    const channelId = this.state.dmChannelByUser.get(userId);
    return channelId === undefined ? [] : this.state.channelMessages(channelId);
  }

  /** Messages the bot posted with POST /channels/{id}/messages (interaction replies are not included). */
  messagesIn(channelId: string): RecordedMessage[] {
    return this.state.channelMessages(channelId);
  }

  /**
   * The next `count` message posts (DMs or channel messages) fail with `status` (503: Discord's "service
   * unavailable"), without creating a message.
   */
  failNextMessages(count: number, status = 503): void {
    for (let i = 0; i < count; i++) this.state.messageFaults.push({ status });
  }

  /** The next message post is created at once but answered after `delayMs` (longer than the client's timeout). */
  slowNextMessage(delayMs: number): void {
    this.state.messageFaults.push({ delayMs });
  }

  /** The few minutes Discord keeps `enforce_nonce` nonces have passed: a nonce used before posts a new message. */
  expireNonces(): void {
    this.state.nonces.clear();
  }

  /** From now on, messages to this user's DM channel fail with 403 / 50007 (DMs closed or bot blocked). */
  closeDms(userId: string): void {
    this.state.closedDms.add(userId);
  }

  openDms(userId: string): void {
    this.state.closedDms.delete(userId);
  }

  /** Forgets recorded requests and channel/DM messages (interaction replies already returned stay live). */
  clearRecords(): void {
    this.state.clearRecords();
  }

  async stop(): Promise<void> {
    this.gateway.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
