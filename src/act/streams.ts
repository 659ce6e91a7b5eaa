// Stream caps, one member at a time: sense (the cycle's reads, and a fresh re-read of the servers of a member who
// looks over the cap) → decide (src/decide/streams.ts, pure) → act (src/act/episodes.ts: intents and their effects
// in one transaction under the member's lock) → the outbox carries out the stops, then the notices.

import { eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { effectByKey } from '../db/outbox.ts';
import {
  type BreachEpisode,
  breachEpisodes,
  type MediaServerRow,
  members,
  type Settings,
} from '../db/schema.ts';
import { type BreachRules, DEFAULT_RULES, decideMember, type ServerActing } from '../decide/streams.ts';
import { describeDm } from '../notify/outcomes.ts';
import {
  activeBoostsByMember,
  type BoostTerms,
  type ExemptDevice,
  effectiveStreamCap,
  withoutExemptDevices,
} from '../policy/fairness.ts';
import {
  type AccountLink,
  countedStreamsByMember,
  findBreaches,
  type MemberStream,
  matchStreams,
  type ServerRead,
  withoutStopped,
} from '../policy/streams.ts';
import { renderTemplate, type TemplateName } from '../policy/templates.ts';
import type { ServerSnapshot } from '../sense/read-servers.ts';
import type { BreachOutcome } from '../types/cycle.ts';
import {
  applyMemberDecision,
  episodeNoticeKey,
  episodesAwaitingNotices,
  queueEpisodeNotices,
  stopOutcomes,
  stopTally,
  toEpisodeView,
} from './episodes.ts';

export interface StreamEnforcementInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: Record<TemplateName, { text: string }>;
  now: Date;
  /** When each session was first seen (`serverId:key`, kept in live_sessions), for "started" in notices. */
  firstSeen: ReadonlyMap<string, Date>;
  /** This cycle's streams, already matched to members (matchStreams over `snapshots`, stopped sessions left out). */
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

export const toAccountLinks = (links: LinkWithMember[]): AccountLink[] =>
  links.map(({ link }) => ({
    linkId: link.id,
    memberId: link.memberId,
    serverId: link.serverId,
    accountName: link.accountName,
    accountId: link.accountId,
  }));

export const serverReads = (snapshots: ServerSnapshot[]): ServerRead[] =>
  snapshots.flatMap((s) =>
    s.streams ? [{ serverId: s.row.id, serverName: s.row.name, streams: s.streams }] : [],
  );

function capsByMember(
  links: LinkWithMember[],
  boosts: readonly BoostTerms[],
  now: Date,
): Map<number, number | null> {
  const active = activeBoostsByMember(boosts, now);
  return new Map(
    links.map(({ member, plan }) => [
      member.id,
      effectiveStreamCap(plan?.streamCap ?? null, active.get(member.id) ?? null, now),
    ]),
  );
}

/** How each member's plan handles a breach (grace, stop rule, counting). */
function rulesByMember(links: LinkWithMember[]): Map<number, BreachRules> {
  return new Map(
    links.map(({ member, plan }) => [
      member.id,
      plan
        ? { graceSeconds: plan.graceSeconds, stopRule: plan.stopRule, countBy: plan.countBy }
        : DEFAULT_RULES,
    ]),
  );
}

/**
 * Re-reads the servers where the suspected members stream, at once (a fresh read, not a sleep), so a session that
 * ended meanwhile, or that Plex still listed after a stop, is not acted on. A server whose re-read fails is left
 * out (no action on a guess) and returned in `unread`, so its members' episodes are not resolved on a failed read.
 */
async function reread(
  ctx: AppContext,
  input: StreamEnforcementInput,
  memberIds: Set<number>,
  accountLinks: AccountLink[],
): Promise<{ streams: MemberStream[]; unread: Set<number> }> {
  const delayMs = ctx.config.confirmDelaySeconds * 1000;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const serverIds = new Set(input.streams.filter((s) => memberIds.has(s.memberId)).map((s) => s.serverId));
  const unread = new Set<number>();
  // The cycle's clients for the servers it read; a server known from its stored read gets a client here.
  const clients = new Map(
    input.snapshots.flatMap((s) => (s.streams && s.client ? [[s.row.id, s.client]] : [])),
  );
  const targets = input.servers.flatMap((row) => {
    // A server another instance senses is not read here: its stored view is kept.
    if (!serverIds.has(row.id) || !ctx.cluster.ownsServer(row.id)) return [];
    try {
      const client = clients.get(row.id) ?? (input.unreadServers.has(row.id) ? null : ctx.media.forRow(row));
      return client ? [{ row, client }] : [];
    } catch {
      return [];
    }
  });
  const fresh = await Promise.all(
    targets.map(async (s): Promise<ServerRead | null> => {
      try {
        return { serverId: s.row.id, serverName: s.row.name, streams: await s.client.listStreams() };
      } catch (err) {
        ctx.log.warn({ err, server: s.row.name }, 'confirmation read failed; not acting on this server');
        unread.add(s.row.id);
        return null;
      }
    }),
  );
  const reads = withoutStopped(
    fresh.filter((r): r is ServerRead => r !== null),
    input.stopped,
  );
  const { streams } = matchStreams(reads, accountLinks);
  // Streams on servers not re-read (known from another instance's or an earlier read) are kept as they were.
  const reread = new Set(reads.map((r) => r.serverId));
  const kept = input.streams.filter((s) => !reread.has(s.serverId) && !unread.has(s.serverId));
  // Exempt devices never count, on the re-read too (input.streams already leaves them out).
  const rereadStreams = withoutExemptDevices(streams, input.exemptions);
  return { streams: [...kept, ...rereadStreams].filter((s) => memberIds.has(s.memberId)), unread };
}

/** Whether each server can stop streams: any instance can carry out a stop (the outbox builds the client). */
function actingByServer(input: StreamEnforcementInput): Map<number, ServerActing> {
  const read = new Map(input.snapshots.map((s) => [s.row.id, s]));
  return new Map(
    input.servers.map((row) => {
      const snap = read.get(row.id);
      const usable = snap ? snap.client !== null : row.status !== 'down';
      return [
        row.id,
        usable && row.canStopStreams
          ? { canStop: true, reason: null }
          : { canStop: false, reason: row.stopUnavailableReason ?? 'this server cannot stop streams' },
      ];
    }),
  );
}

export async function enforceStreams(
  ctx: AppContext,
  input: StreamEnforcementInput,
): Promise<BreachOutcome[]> {
  const accountLinks = toAccountLinks(input.links);
  const caps = capsByMember(input.links, input.boosts, input.now);
  const rules = rulesByMember(input.links);
  const countBy = (memberId: number) => rules.get(memberId)?.countBy ?? 'streams';
  const seen = { now: input.now, firstSeen: input.firstSeen };
  const suspected = new Set(findBreaches(input.streams, caps, countBy, seen).map((b) => b.memberId));
  const confirmation =
    suspected.size > 0
      ? await reread(ctx, input, suspected, accountLinks)
      : { streams: [], unread: new Set<number>() };
  const failed = new Set([
    ...input.snapshots.filter((s) => !s.streams).map((s) => s.row.id),
    ...confirmation.unread,
    ...input.unreadServers,
  ]);
  const open = await episodesOpen(ctx);
  const candidates = new Set(
    [...suspected, ...open.map((e) => e.memberId)].filter(
      (id) => !input.decideFor || input.decideFor.has(id),
    ),
  );
  const servers = actingByServer(input);
  const onScreenText = (entry: LinkWithMember, count: number, cap: number) =>
    renderTemplate(input.templates['stream-onscreen'].text, {
      member: entry.member.displayName,
      plan: entry.plan?.name ?? 'none',
      limit: cap,
      count,
      streams: '',
    });

  const decided: Array<{ entry: LinkWithMember; episode: BreachEpisode; isNew: boolean; count: number }> = [];
  const outcomes: BreachOutcome[] = [];
  for (const memberId of [...candidates].sort((a, b) => a - b)) {
    const entry = input.links.find(({ member }) => member.id === memberId);
    if (!entry) continue;
    // One member's failure (a database error) never stops the others.
    try {
      const streams = (suspected.has(memberId) ? confirmation.streams : input.streams).filter(
        (s) => s.memberId === memberId,
      );
      const linkedServers = input.links
        .filter(({ member }) => member.id === memberId)
        .map(({ link }) => link.serverId);
      const cap = caps.get(memberId) ?? null;
      const result = await applyMemberDecision(
        ctx.db,
        memberId,
        (episode) =>
          decideMember({
            memberId,
            cap,
            planName: entry.plan?.name ?? 'none',
            streams,
            readComplete: !linkedServers.some((id) => failed.has(id)),
            episode: episode ? toEpisodeView(episode) : null,
            servers,
            dryRun: input.settings.dryRun,
            firstSeen: input.firstSeen,
            rules: rules.get(memberId) ?? DEFAULT_RULES,
            now: input.now,
          }),
        { title: 'Too many streams', text: onScreenText(entry, streams.length, cap ?? 0) },
        input.now,
        { dm: entry.member.standInServerId === null },
      );
      const count = countedStreamsByMember(streams, countBy, seen).get(memberId) ?? 0;
      if (result && result.episode.state !== 'resolved' && cap !== null && count > cap)
        decided.push({ entry, ...result, count });
    } catch (err) {
      ctx.log.error({ err, member: memberId }, 'acting on a stream breach failed');
      outcomes.push(failedOutcome(entry, err));
    }
  }
  await settleEpisodes(ctx, input.now);
  for (const d of decided) outcomes.push(await outcomeOf(ctx, d));
  return outcomes;
}

async function episodesOpen(ctx: AppContext): Promise<BreachEpisode[]> {
  return ctx.db.select().from(breachEpisodes).where(isNull(breachEpisodes.closedAt));
}

/**
 * Carries out the queued stops, then queues the notices of every episode whose stops have had their first attempt
 * (including episodes left `open` by a crash or decided by another instance), and carries those out.
 */
export async function settleEpisodes(ctx: AppContext, now: Date): Promise<void> {
  await ctx.effects.drain();
  const waiting = await episodesAwaitingNotices(ctx.db);
  let queued = false;
  for (const episode of waiting) {
    const channels = await noticeChannels(ctx.db, episode.memberId);
    queued = (await queueEpisodeNotices(ctx.db, episode.id, channels, now)) || queued;
  }
  if (queued) await ctx.effects.drain();
}

/** A member's breach notices: DM, email when they have an address, alert; a stand-in's: the alert only. */
async function noticeChannels(
  db: AppContext['db'],
  memberId: number,
): Promise<Array<'dm' | 'email' | 'alert'>> {
  const [m] = await db
    .select({ email: members.email, standIn: members.standInServerId })
    .from(members)
    .where(eq(members.id, memberId));
  if (m?.standIn != null) return ['alert'];
  return m?.email ? ['dm', 'email', 'alert'] : ['dm', 'alert'];
}

async function outcomeOf(
  ctx: AppContext,
  d: { entry: LinkWithMember; episode: BreachEpisode; isNew: boolean; count: number },
): Promise<BreachOutcome> {
  const outcomes = await stopOutcomes(ctx.db, d.episode.id);
  const [episode] = await ctx.db.select().from(breachEpisodes).where(eq(breachEpisodes.id, d.episode.id));
  const lines = episode?.lines ?? d.episode.lines;
  const tally = stopTally(lines, outcomes);
  const standIn = d.entry.member.standInServerId !== null;
  const dm = !d.isNew
    ? null
    : standIn
      ? 'none, the account is linked to nobody'
      : describeDm(await effectByKey(ctx.db, episodeNoticeKey('dm', d.episode.id)));
  return {
    memberName: d.entry.member.displayName,
    count: d.count,
    cap: episode?.cap ?? d.episode.cap,
    newEpisode: d.isNew,
    ...tally,
    dm,
    error: null,
  };
}

function failedOutcome(entry: LinkWithMember, err: unknown): BreachOutcome {
  return {
    memberName: entry.member.displayName,
    count: 0,
    cap: entry.plan?.streamCap ?? 0,
    newEpisode: false,
    stopped: 0,
    notStopped: 0,
    dm: null,
    error: err instanceof Error ? err.message : String(err),
  };
}
