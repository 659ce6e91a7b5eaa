// Stream caps, one member at a time: sense (the cycle's reads, and a fresh re-read of the servers of a member who
// looks over the cap) → decide (src/decide/streams.ts, pure) → act (src/act/episodes.ts: intents and their effects
// in one transaction under the member's lock) → the outbox carries out the stops, then the notices.

import { eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { effectByKey } from '../db/outbox.ts';
import { type BreachEpisode, breachEpisodes } from '../db/schema.ts';
import { type BreachRules, DEFAULT_RULES, decideMember, type ServerActing } from '../decide/streams.ts';
import { describeDm } from '../notify/outcomes.ts';
import { activeBoostsByMember, type BoostTerms, effectiveStreamCap } from '../policy/fairness.ts';
import { countedStreamsByMember, findBreaches } from '../policy/streams.ts';
import { renderTemplate } from '../policy/templates.ts';
import { reread } from '../sense/reread.ts';
import { type StreamEnforcementInput, toAccountLinks } from '../sense/view.ts';
import { memberLanguage } from '../services/languages.ts';
import { templateFor } from '../services/templates.ts';
import type { BreachOutcome } from '../types/cycle.ts';
import { applyMemberDecision, episodeNoticeKey, stopOutcomes, stopTally, toEpisodeView } from './episodes.ts';

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

/** Whether each server can stop streams: any instance can carry out a stop (the outbox builds the client). */
export function actingByServer(input: StreamEnforcementInput): Map<number, ServerActing> {
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

/** A member still over the cap after acting: reported once the outbox has carried out what was decided. */
interface DecidedBreach {
  entry: LinkWithMember;
  episode: BreachEpisode;
  isNew: boolean;
  count: number;
}

/** The members acted on, and those whose acting failed part-way (already reported). */
export interface StreamActs {
  decided: DecidedBreach[];
  outcomes: BreachOutcome[];
}

/**
 * Decides and acts on each member over the cap (or with an episode open), one at a time under that member's lock:
 * the intents of decide/streams.ts and their effects are stored together; the outbox carries them out.
 */
export async function enforceStreams(ctx: AppContext, input: StreamEnforcementInput): Promise<StreamActs> {
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
    renderTemplate(
      templateFor(input.templates, 'stream-onscreen', memberLanguage(entry.member, input.settings)),
      {
        member: entry.member.displayName,
        plan: entry.plan?.name ?? 'none',
        limit: cap,
        count,
        streams: '',
      },
    );

  const decided: DecidedBreach[] = [];
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
  return { decided, outcomes };
}

/** What acting on each member came to, read once the stops and notices were carried out (for the report). */
export async function breachOutcomes(ctx: AppContext, acts: StreamActs): Promise<BreachOutcome[]> {
  const outcomes = [...acts.outcomes];
  for (const d of acts.decided) outcomes.push(await outcomeOf(ctx, d));
  return outcomes;
}

async function episodesOpen(ctx: AppContext): Promise<BreachEpisode[]> {
  return ctx.db.select().from(breachEpisodes).where(isNull(breachEpisodes.closedAt));
}

async function outcomeOf(ctx: AppContext, d: DecidedBreach): Promise<BreachOutcome> {
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
