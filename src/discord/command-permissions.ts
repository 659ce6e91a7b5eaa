// The command permission overrides the owner set in Server Settings → Integrations, read over REST with the bot token
// and cached per guild. Discord: "Get Guild Application Command Permissions"
// (GET /applications/{application.id}/guilds/{guild.id}/commands/permissions) "Fetches permissions for all commands
// for your application in a guild", one object per command that has overrides, plus one whose id is the application
// id for the app-wide ones (https://discord.com/developers/docs/interactions/application-commands#get-guild-application-command-permissions;
// only editing them needs a Bearer token). The ids of our commands come from the guild's command list.
// A read is kept for 10 minutes (then read again in the background); APPLICATION_COMMAND_PERMISSIONS_UPDATE, "sent when an application command's
// permissions are updated" (https://discord.com/developers/docs/events/gateway-events#application-command-permissions-update,
// tied to no intent, so sent with Guilds only), drops it so the next check reads them again. discord.js emits it as
// `applicationCommandPermissionsUpdate`, for other applications too ("check data.applicationId").
import { type Client, Events, type REST, Routes } from 'discord.js';
import type { Logger } from '../log.ts';
import type { CommandOverrides, OverrideEntry } from '../policy/admin-access.ts';

export const PERMISSIONS_TTL_MS = 10 * 60_000;
/** After a failed read, how long the fallback (Manage Server and the admin role) is used before trying again. */
export const PERMISSIONS_RETRY_MS = 60_000;
/**
 * How long a check waits for a read before it answers as if they could not be read (the read goes on): Discord
 * wants an interaction answered within 3 s, and its REST client retries a failing request.
 */
export const PERMISSIONS_WAIT_MS = 2_000;

interface Snapshot {
  /** Override entries by command id (the application id: the app-wide ones). */
  byId: Map<string, readonly OverrideEntry[]>;
  /** Command ids by name. */
  commandIds: Map<string, string>;
}

interface Cached {
  at: number;
  snapshot: Snapshot | null;
}

interface PermissionsUpdate {
  id: string;
  guildId: string;
  applicationId: string;
}

export class CommandPermissions {
  private readonly guilds = new Map<string, Cached>();
  private readonly reading = new Map<string, Promise<Snapshot | null>>();
  /** Bumped by every update event: a read started before it is not kept. */
  private generation = 0;
  private failing = false;

  constructor(
    private readonly rest: REST,
    private readonly applicationId: string,
    private readonly log: Logger,
  ) {}

  /** The overrides that bear on `command` (by id, or by name for a button), or null when they cannot be read. */
  async forCommand(
    guildId: string,
    command: { id?: string | null; name: string },
    now: Date,
  ): Promise<CommandOverrides | null> {
    const snapshot = await this.read(guildId, now);
    if (!snapshot) return null;
    const id = command.id ?? snapshot.commandIds.get(command.name);
    return {
      command: (id !== undefined ? snapshot.byId.get(id) : undefined) ?? null,
      app: snapshot.byId.get(this.applicationId) ?? null,
    };
  }

  /** An APPLICATION_COMMAND_PERMISSIONS_UPDATE: the next check reads the overrides again. */
  updated(data: PermissionsUpdate): void {
    if (data.applicationId !== this.applicationId) return;
    this.generation += 1;
    this.guilds.delete(data.guildId);
    this.reading.delete(data.guildId);
  }

  /**
   * The kept overrides while fresh. Past 10 minutes they are read again in the background and the kept ones answer
   * meanwhile (an interaction must be answered within 3 s); with none kept (the first read, after an update event or
   * a failed read) the check waits for the read, PERMISSIONS_WAIT_MS at most.
   */
  private async read(guildId: string, now: Date): Promise<Snapshot | null> {
    const cached = this.guilds.get(guildId);
    const ttl = cached?.snapshot ? PERMISSIONS_TTL_MS : PERMISSIONS_RETRY_MS;
    if (cached && now.getTime() - cached.at < ttl) return cached.snapshot;
    const pending = this.refresh(guildId, now);
    if (cached?.snapshot) return cached.snapshot;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), PERMISSIONS_WAIT_MS);
    });
    return Promise.race([pending, waited]).finally(() => clearTimeout(timer));
  }

  private refresh(guildId: string, now: Date): Promise<Snapshot | null> {
    let pending = this.reading.get(guildId);
    if (!pending) {
      const generation = this.generation;
      pending = this.readFromDiscord(guildId).then((snapshot) => {
        if (this.generation === generation) {
          this.guilds.set(guildId, { at: now.getTime(), snapshot });
          this.reading.delete(guildId);
        }
        return snapshot;
      });
      this.reading.set(guildId, pending);
    }
    return pending;
  }

  private async readFromDiscord(guildId: string): Promise<Snapshot | null> {
    try {
      const [permissions, commands] = (await Promise.all([
        this.rest.get(Routes.guildApplicationCommandsPermissions(this.applicationId, guildId)),
        this.rest.get(Routes.applicationGuildCommands(this.applicationId, guildId)),
      ])) as [Array<{ id: string; permissions: OverrideEntry[] }>, Array<{ id: string; name: string }>];
      if (this.failing) this.log.info({ guild: guildId }, 'command permissions can be read again');
      this.failing = false;
      return {
        byId: new Map(permissions.map((p) => [p.id, p.permissions])),
        commandIds: new Map(commands.map((c) => [c.name, c.id])),
      };
    } catch (err) {
      if (!this.failing) {
        const { status, code } = err as { status?: number; code?: number | string };
        this.log.warn(
          { guild: guildId, status, code, error: (err as Error).message },
          'cannot read the command permissions set in Server Settings → Integrations; admin commands need Manage Server or the admin role until they can be read',
        );
      }
      this.failing = true;
      return null;
    }
  }
}

const byClient = new WeakMap<Client, CommandPermissions>();

/** The client's cache, made on first use; it listens for permission updates on that client's gateway. */
export function commandPermissionsOf(client: Client, applicationId: string, log: Logger): CommandPermissions {
  let cache = byClient.get(client);
  if (!cache) {
    const made = new CommandPermissions(client.rest, applicationId, log);
    client.on(Events.ApplicationCommandPermissionsUpdate, (data) => made.updated(data));
    byClient.set(client, made);
    cache = made;
  }
  return cache;
}
