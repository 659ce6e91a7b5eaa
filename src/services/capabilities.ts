// What the bot can do on each server, kept per server and capability (src/decide/capabilities.ts decides the
// transitions). Fed by every adapter call of the cycle, the stops and download switches, linking, the push channels,
// and by side-effect-free probes (`probeCapabilities`: at /server add, at start and every few hours). A transition
// from working to failed queues one alert for the admins, and one more when it works again, through the outbox.
//
// The states are cached per server so a steady cycle adds no statement: a row is written only when it changes.
// The instance that senses a server is the only one observing it (server leases), and the cache of a server is
// dropped when its lease or its row changes hands (`forget`).

import type { AppContext } from '../context.ts';
import { type CapabilityMap, loadCapabilities, storeCapability } from '../db/capabilities.ts';
import type { MediaServerRow } from '../db/schema.ts';
import { decideCapability, UNKNOWN } from '../decide/capabilities.ts';
import { languageOf } from '../i18n/index.ts';
import { isCapabilityFailure, MediaServerError, type ServerIdentity } from '../media/types.ts';
import { queueNotice } from '../notify/notice-queue.ts';
import { capabilityAlert } from '../notify/notices.ts';
import { knownPushProblem } from '../policy/versions.ts';
import { redact } from '../redact.ts';
import {
  CAPABILITIES,
  CAPABILITY_LABEL,
  type CapabilityName,
  type CapabilityObserver,
  type CapabilityRecord,
  type Observation,
  type ServerRef,
} from '../types/capabilities.ts';
import { getSettings } from './settings.ts';

/** What to do when a capability fails and the observation gave no more specific advice. */
export const DEFAULT_FIX: Record<CapabilityName, string> = {
  'read-sessions':
    'Run `/server test`; if the server was updated, check its version is one the bot supports. Streams on this server are not enforced until it works.',
  'stop-stream':
    'Check that the token is an administrator’s (Plex: the owner’s, with Plex Pass). Members over their stream cap are still told and alerted, but not stopped.',
  'on-screen-message':
    'Members are stopped without the on-screen explanation; their DM still says why. Check the player or the server’s version.',
  'list-accounts':
    'Names given to `/user link` cannot be checked and `/link` cannot finish on this server. Run `/server test`.',
  'switch-downloads':
    'Switch downloads by hand on the server for members over their download allotment, and check that the token is an administrator’s.',
  'cancel-download':
    'Plans with `downloads-over-quota: cancel` switch downloads off on this server instead, until the week ends.',
  'read-downloads': 'Downloads on this server are not counted until it works again. Run `/server test`.',
  'push-events':
    'Streams are still enforced: the bot polls this server every 15 seconds until push delivers again. Check `/status`.',
  'self-link': 'Members cannot use `/link` on this server: link them with `/user link`.',
};

/** An observation from a failed call: null when the failure is the server's health, not this capability's. */
export function failureObservation(capability: CapabilityName, err: unknown): Observation | null {
  if (err instanceof MediaServerError) {
    if (!isCapabilityFailure(err)) return null;
    return { capability, ok: false, reason: redact(err.message) };
  }
  return null;
}

export class CapabilityBook implements CapabilityObserver {
  private readonly cache = new Map<number, CapabilityMap>();
  private readonly chains = new Map<number, Promise<void>>();

  constructor(private readonly ctx: () => Pick<AppContext, 'db' | 'clock' | 'log'>) {}

  /** Applies observations of one server in order (one at a time per server); never throws. */
  observe(server: ServerRef, observations: readonly (Observation | null)[]): Promise<void> {
    const list = observations.filter((o): o is Observation => o !== null);
    if (list.length === 0) return Promise.resolve();
    const next = (this.chains.get(server.id) ?? Promise.resolve())
      .then(() => this.apply(server, list))
      .catch((err) => this.ctx().log.error({ err, server: server.name }, 'could not record capabilities'));
    this.chains.set(server.id, next);
    return next;
  }

  /** Drops what is cached for a server (removed). */
  forget(serverId: number): void {
    this.cache.delete(serverId);
  }

  /** Drops what is cached for the servers this instance no longer senses: another instance writes their rows now,
   *  so they are read again if their lease comes back. */
  keepOnly(owned: (serverId: number) => boolean): void {
    for (const id of this.cache.keys()) if (!owned(id)) this.cache.delete(id);
  }

  private async current(serverId: number): Promise<CapabilityMap> {
    let map = this.cache.get(serverId);
    if (!map) {
      map = (await loadCapabilities(this.ctx().db, serverId)).get(serverId) ?? new Map();
      this.cache.set(serverId, map);
    }
    return map;
  }

  private async apply(server: ServerRef, observations: Observation[]): Promise<void> {
    const { db, clock } = this.ctx();
    const map = await this.current(server.id);
    const now = clock();
    for (const o of observations) {
      const before = map.get(o.capability) ?? UNKNOWN;
      const decision = decideCapability(before, o, now);
      if (!decision.changed) continue;
      await storeCapability(db, server.id, o.capability, decision.next);
      map.set(o.capability, decision.next);
      // The failure the alert is about: the new one when lost, the one that ended when back.
      if (decision.alert)
        await this.alert(
          server,
          o.capability,
          decision.alert,
          decision.alert === 'lost' ? decision.next : before,
        );
    }
  }

  private async alert(
    server: ServerRef,
    capability: CapabilityName,
    kind: 'lost' | 'back',
    failure: CapabilityRecord,
  ): Promise<void> {
    const ctx = this.ctx();
    const settings = await getSettings(ctx.db);
    const since = failure.since ?? ctx.clock();
    // Keyed by the failure's start: one "lost" and one "back" per failure, whatever the restarts or instances.
    const subject = `${server.id}:${capability}:${since.toISOString()}`;
    await queueNotice(
      ctx,
      { kind: `capability-${kind}`, subject, channel: 'alert' },
      {
        channel: 'alert',
        to: settings.alertsChannelId,
        message: capabilityAlert(
          kind,
          server.name,
          CAPABILITY_LABEL[capability],
          since,
          failure.reason,
          kind === 'lost' ? (failure.fix ?? DEFAULT_FIX[capability]) : null,
          languageOf(settings.guildLocale),
        ),
      },
    );
  }
}

/** The capabilities that apply to a server: its platform's (Plex shows no separate message; Emby has no sign-in
 *  for members), and push only when it is on. */
export function applicableCapabilities(
  ctx: Pick<AppContext, 'media' | 'config'>,
  row: MediaServerRow,
): Set<CapabilityName> {
  const all = new Set<CapabilityName>(CAPABILITIES);
  if (!ctx.config.push) all.delete('push-events');
  try {
    const client = ctx.media.forRow(row);
    if (!client.supports('on-screen-message')) all.delete('on-screen-message');
    if (!client.supports('toggle-downloads')) all.delete('switch-downloads');
    if (!client.supports('download-activity')) all.delete('read-downloads');
    // A platform that cannot cancel is not a failure: `cancelNote` says so instead.
    if (!client.supports('cancel-download')) all.delete('cancel-download');
    if (!ctx.media.selfLinkForRow(row)) all.delete('self-link');
  } catch {
    // A token that cannot be decrypted: every capability is shown (and fails on use).
  }
  return all;
}

/** Whether downloads can be cancelled on a server (`downloads-over-quota: cancel`), in words for /server test. */
export function cancelNote(ctx: Pick<AppContext, 'media'>, row: MediaServerRow): string {
  let why: string | null;
  try {
    why = ctx.media.forRow(row).cancelUnavailable;
  } catch {
    return 'Not known: the token could not be read.';
  }
  return why === null
    ? 'Downloads in progress can be cancelled here (offline sync jobs, checked by reading them back); a plain file download cannot, and plans with `downloads-over-quota: cancel` switch downloads off for it instead.'
    : `Cannot be cancelled here: ${why}. Plans with \`downloads-over-quota: cancel\` switch downloads off on this server instead, until the week ends.`;
}

/** The capabilities shown for a server: those that apply to it, unknown where never observed. */
export function shownCapabilities(
  ctx: Pick<AppContext, 'media' | 'config'>,
  row: MediaServerRow,
  stored: CapabilityMap | undefined,
): CapabilityMap {
  const keep = applicableCapabilities(ctx, row);
  return new Map(CAPABILITIES.filter((c) => keep.has(c)).map((c) => [c, stored?.get(c) ?? UNKNOWN]));
}

/** The stored capabilities of every server (or one), for /status and /server test. */
export const capabilityStates = (ctx: Pick<AppContext, 'db'>, serverId?: number) =>
  loadCapabilities(ctx.db, serverId);

/**
 * Probes one server without side effects: who it is (version, Plex Pass), a read of its sessions, accounts and
 * downloads, and what its version is known to break. Stops, messages, download switches and `/link` change
 * something on the server, so they are only learnt from use. Answers the identity, or null when it could not connect.
 */
export async function probeCapabilities(
  ctx: Pick<AppContext, 'media' | 'config' | 'capabilities' | 'log'>,
  row: MediaServerRow,
  known?: ServerIdentity,
): Promise<ServerIdentity | null> {
  let client: ReturnType<AppContext['media']['forRow']>;
  let identity: ServerIdentity;
  try {
    client = ctx.media.forRow(row);
    identity = known ?? (await client.identify());
  } catch (err) {
    ctx.log.warn({ err, server: row.name }, 'capability probe: could not connect');
    return null;
  }
  const read = async (
    capability: CapabilityName,
    call: () => Promise<unknown>,
  ): Promise<Observation | null> => {
    try {
      await call();
      return { capability, ok: true };
    } catch (err) {
      return failureObservation(capability, err);
    }
  };
  const observations = await Promise.all([
    read('read-sessions', () => client.listStreams()),
    read('list-accounts', () => client.listAccounts()),
    client.supports('download-activity') ? read('read-downloads', () => client.listDownloads()) : null,
  ]);
  if (!identity.canStopStreams)
    observations.push({
      capability: 'stop-stream',
      ok: false,
      reason: identity.stopUnavailableReason ?? 'the server does not let the bot stop streams',
    });
  const push = ctx.config.push ? knownPushProblem(row.platform, identity.version) : null;
  if (push) observations.push({ capability: 'push-events', ok: false, reason: push.reason, fix: push.fix });
  await ctx.capabilities.observe(row, observations);
  return identity;
}

/** Probes a server (see probeCapabilities) and answers its capabilities as /server add and /server test show them. */
export async function probeAndShow(
  ctx: AppContext,
  row: MediaServerRow,
  identity: ServerIdentity,
): Promise<CapabilityMap> {
  await probeCapabilities(ctx, row, identity);
  return shownCapabilities(ctx, row, (await capabilityStates(ctx, row.id)).get(row.id));
}
