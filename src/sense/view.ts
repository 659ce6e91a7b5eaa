// The cycle's view of what is playing: the reads of this cycle, what the servers not read now last showed, the
// sessions the bot stopped that are still listed (not counted), stand-ins for accounts linked to nobody, matching to
// members, and exempt devices. Writes only what sensing keeps: live sessions, learnt account ids, the stream log.
import type { AppContext } from '../context.ts';
import { loadCurrentBoosts, loadExemptions } from '../db/fairness.ts';
import { type LinkWithMember, loadLinks, storeLearntAccountIds } from '../db/links.ts';
import { loadLiveReads, syncLiveSessions } from '../db/live-sessions.ts';
import type { MediaServerRow, Settings } from '../db/schema.ts';
import { forgetStops, loadStoppedSessions } from '../db/stopped-sessions.ts';
import { logStreams } from '../db/stream-log.ts';
import { findLink } from '../policy/accounts.ts';
import { type BoostTerms, type ExemptDevice, withoutExemptDevices } from '../policy/fairness.ts';
import { homeStreamsByMember, withoutHomeStreams } from '../policy/home-networks.ts';
import { NO_PAUSED_RULE, type PausedRule, withoutUncountedPauses } from '../policy/paused.ts';
import {
  type AccountLink,
  countedStreamsByMember,
  endedStops,
  type MemberStream,
  matchStreams,
  type ServerRead,
  sessionRef,
  withoutStopped,
} from '../policy/streams.ts';
import { type UnlinkedAccount, unlinkedAccounts } from '../policy/unlinked.ts';
import { loadTemplates, type TemplateBook } from '../services/templates.ts';
import type { ServerSnapshot } from './read-servers.ts';
import { standInLinks } from './stand-ins.ts';

export const toAccountLinks = (links: LinkWithMember[]): AccountLink[] =>
  links.map(({ link }) => ({
    linkId: link.id,
    memberId: link.memberId,
    serverId: link.serverId,
    accountName: link.accountName,
    accountId: link.accountId,
  }));

/** Each member's paused-stream rule, from their plan (no plan: no limit). */
export function pausedRules(links: LinkWithMember[]): (memberId: number) => PausedRule {
  const rules = new Map(
    links.map(({ member, plan }) => [
      member.id,
      plan ? { limitMinutes: plan.pausedLimitMinutes, action: plan.pausedAction } : NO_PAUSED_RULE,
    ]),
  );
  return (memberId) => rules.get(memberId) ?? NO_PAUSED_RULE;
}

/**
 * This cycle's streams without those that never count: exempt devices, long pauses under `paused-action: uncount`,
 * and streams from their server's home networks under `home-streams: free`. The view and the re-read both use it.
 */
export function countableStreams(
  streams: MemberStream[],
  input: Pick<StreamEnforcementInput, 'exemptions' | 'links' | 'servers' | 'pausedSince' | 'now'>,
): { counted: MemberStream[]; home: MemberStream[] } {
  const homeStreams = new Map(
    input.links.map(({ member, plan }) => [member.id, plan?.homeStreams ?? 'count']),
  );
  const networks = new Map(input.servers.map((s) => [s.id, s.homeNetworks]));
  const { counted, home } = withoutHomeStreams(
    withoutExemptDevices(streams, input.exemptions),
    (memberId) => homeStreams.get(memberId) ?? 'count',
    (serverId) => networks.get(serverId) ?? [],
  );
  return {
    counted: withoutUncountedPauses(counted, pausedRules(input.links), input.pausedSince, input.now),
    home,
  };
}

export const serverReads = (snapshots: ServerSnapshot[]): ServerRead[] =>
  snapshots.flatMap((s) =>
    s.streams ? [{ serverId: s.row.id, serverName: s.row.name, streams: s.streams }] : [],
  );

export interface StreamEnforcementInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: TemplateBook;
  now: Date;
  /** When each session was first seen (`serverId:key`, kept in live_sessions), for "started" in notices. */
  firstSeen: ReadonlyMap<string, Date>;
  /** Since when each paused session is paused (`serverId:key`, kept in live_sessions), for the paused limit. */
  pausedSince: ReadonlyMap<string, Date>;
  /**
   * This cycle's streams, already matched to members (matchStreams over `snapshots`, stopped sessions left out, and
   * `countableStreams`: no exempt devices, no long pauses under `uncount`, no streams at home under `free`).
   */
  streams: MemberStream[];
  /** `serverId:key` of the sessions the bot stopped and the server still lists: never counted again. */
  stopped: ReadonlySet<string>;
  /** Every stored server (also those not read in this cycle, whose sessions came from live_sessions). */
  servers: MediaServerRow[];
  /** Servers neither read now nor known from a recent successful read (down): nothing is resolved on them. */
  unreadServers: ReadonlySet<number>;
  /** Members to decide on (a push cycle: those linked on the servers read); null: everyone. */
  decideFor: ReadonlySet<number> | null;
  /** Exempt devices (`streams` already leaves them out; the confirmation re-read does too). */
  exemptions: readonly ExemptDevice[];
  /** Boosts that may apply now (src/db/fairness.ts `loadCurrentBoosts`), raising the plan's cap while they apply. */
  boosts: readonly BoostTerms[];
}

export interface DownloadInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: TemplateBook;
  now: Date;
}

/** Everything the decisions of one cycle are made from. */
export interface CycleView extends StreamEnforcementInput {
  /** The members' own links (no stand-ins): downloads and switches are theirs only. */
  memberLinks: LinkWithMember[];
  /** Stand-ins no longer used (their account was linked, or the mode changed): their episodes are resolved. */
  retiredStandIns: number[];
  /** Accounts streaming on the servers read now that are linked to nobody. */
  unlinked: UnlinkedAccount[];
  /** Streams per member, counted as each plan counts (for /quota). */
  streamsByMember: Map<number, number>;
  /** Streams per member left out because they come from their server's home networks (for /quota). */
  homeByMember: Map<number, number>;
}

export interface ViewInput {
  settings: Settings;
  /** Every stored server, and those read in this cycle. */
  servers: MediaServerRow[];
  read: MediaServerRow[];
  snapshots: ServerSnapshot[];
  /** A push cycle: the servers whose events asked for it; null for the reconcile. */
  only: ReadonlySet<number> | null;
  now: Date;
}

/**
 * The sessions the bot stopped that are still listed as playing (they are not counted), after forgetting those the
 * servers read this cycle no longer list. A database failure here means counting them: never a reason to skip.
 */
async function currentStops(ctx: AppContext, reads: ServerRead[]): Promise<Set<string>> {
  try {
    const stopped = await loadStoppedSessions(ctx.db);
    for (const [serverId, keys] of endedStops(reads, stopped)) {
      await forgetStops(ctx.db, serverId, keys);
      for (const key of keys) stopped.delete(sessionRef(serverId, key));
    }
    return stopped;
  } catch (err) {
    ctx.log.error({ err }, 'could not load the stopped sessions; counting every session');
    return new Set();
  }
}

/** Keeps the sessions of the servers that log streams (`/server logging`), each with its member when known. */
async function logRead(ctx: AppContext, snapshots: ServerSnapshot[], accountLinks: AccountLink[], now: Date) {
  const logged = snapshots.filter((snap) => snap.streams && snap.row.logStreams);
  const logEntries = logged.flatMap((snap) => {
    const serverLinks = accountLinks.filter((l) => l.serverId === snap.row.id);
    return (snap.streams ?? []).map((stream) => ({
      serverId: snap.row.id,
      stream,
      memberId: findLink(stream, serverLinks)?.memberId ?? null,
    }));
  });
  await logStreams(
    ctx.db,
    logEntries,
    logged.map((snap) => snap.row.id),
    now,
  ).catch((err) => ctx.log.error({ err }, 'could not log streams'));
}

export async function senseView(ctx: AppContext, input: ViewInput): Promise<CycleView> {
  const { settings, servers, read, snapshots, only, now } = input;
  const links = await loadLinks(ctx.db);
  const templates = await loadTemplates(ctx.db);
  const allReads = serverReads(snapshots);
  const times = await syncLiveSessions(ctx.db, allReads, now).catch((err) => {
    ctx.log.error({ err }, 'could not store the live sessions');
    return { firstSeen: new Map<string, Date>(), pausedSince: new Map<string, Date>() };
  });
  const { firstSeen } = times;
  const stopped = await currentStops(ctx, allReads);
  const accountLinks = toAccountLinks(links);
  // Servers not read now count with what their last successful read stored (a server down counts as unread).
  const unreadUp = servers.filter((s) => !read.includes(s) && s.status !== 'down');
  const { reads: liveReads, pausedSince: livePaused } = await loadLiveReads(ctx.db, unreadUp).catch((err) => {
    ctx.log.error({ err }, 'could not load the live sessions of the other servers');
    return { reads: [], pausedSince: new Map<string, Date>() };
  });
  const pausedSince = new Map([...livePaused, ...times.pausedSince]);
  const counted = withoutStopped([...allReads, ...liveReads], stopped);
  // With `/enforcement unlinked plan`, accounts linked to nobody are held to that plan through stand-ins.
  const { links: standIns, retired } = await standInLinks(ctx, settings, counted, accountLinks).catch(
    (err) => {
      ctx.log.error({ err }, 'could not hold accounts linked to nobody to their plan');
      return { links: [], retired: [] };
    },
  );
  const enforced = [...links, ...standIns];
  const matched = matchStreams(counted, [...accountLinks, ...toAccountLinks(standIns)]);
  // Accounts linked to nobody, on the servers this instance read (the others' holders alert theirs).
  const unlinked = unlinkedAccounts(withoutStopped(allReads, stopped), accountLinks);
  await storeLearntAccountIds(ctx.db, matched.learntAccountIds);
  // Streams from a member's exempt devices never count and are never stopped; boosts raise caps while they apply.
  const exemptions = await loadExemptions(ctx.db);
  const boosts = await loadCurrentBoosts(ctx.db, now);
  // With `paused-action: uncount`, a stream paused past the plan's limit does not count (nor is it stopped); with
  // `home-streams: free`, neither does a stream from its server's home networks.
  const { counted: streams, home } = countableStreams(matched.streams, {
    exemptions,
    links: enforced,
    servers,
    pausedSince,
    now,
  });
  await logRead(ctx, snapshots, accountLinks, now);
  // Counted as each member's plan counts (a household behind one address as one with `count: locations`).
  const countByOf = new Map(enforced.map(({ member, plan }) => [member.id, plan?.countBy ?? 'streams']));
  const streamsByMember = countedStreamsByMember(streams, (id) => countByOf.get(id) ?? 'streams', {
    now,
    firstSeen,
  });
  return {
    snapshots,
    links: enforced,
    memberLinks: links,
    settings,
    templates,
    now,
    firstSeen,
    pausedSince,
    streams,
    stopped,
    servers,
    unreadServers: new Set(servers.filter((s) => !read.includes(s) && s.status === 'down').map((s) => s.id)),
    decideFor: only
      ? new Set(enforced.filter(({ link }) => only.has(link.serverId)).map(({ member }) => member.id))
      : null,
    exemptions,
    boosts,
    retiredStandIns: retired,
    unlinked,
    streamsByMember,
    homeByMember: homeStreamsByMember(home),
  };
}
