// Act on stream decisions: each member's intents are applied in one transaction, serialized per member by a
// transaction-scoped advisory lock, and every effect (a stop, a DM, an alert, an email, an alert edit) goes to the
// outbox in that same transaction. The outbox carries them out (src/act/executors.ts).
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { streamToJson } from '../db/live-sessions.ts';
import { type Effect, effectByKey, effectsByPrefix, enqueueEffects } from '../db/outbox.ts';
import { type BreachEpisode, breachEpisodes, type EpisodeLine, type OutboxRow } from '../db/schema.ts';
import {
  decideNotices,
  type EpisodeView,
  type Intent,
  lineAction,
  lineRef,
  type StopOutcome,
  stopEffectKey,
} from '../decide/streams.ts';

/** The advisory-lock class of per-member stream decisions (any constant; 'SW' in ASCII). */
const MEMBER_LOCK = 0x5357;

/** Serializes the decisions about one member across instances, until the transaction ends. */
export async function lockMember(tx: Db, memberId: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${MEMBER_LOCK}, ${memberId})`);
}

export const episodeGroup = (episodeId: number) => `episode:${episodeId}`;
export const episodeNoticeKey = (channel: 'dm' | 'email' | 'alert' | 'warning', episodeId: number) =>
  `${channel}:episode:${episodeId}`;
export const alertEditKey = (episodeId: number, reason: string) => `alert-edit:${episodeId}:${reason}`;

export const toEpisodeView = (e: BreachEpisode): EpisodeView => ({
  id: e.id,
  state: e.state,
  stopAttempts: e.stopAttempts,
  graceUntil: e.graceUntil,
  stopRule: e.stopRule,
});

export async function openEpisodeOf(db: Db, memberId: number): Promise<BreachEpisode | null> {
  const [row] = await db
    .select()
    .from(breachEpisodes)
    .where(and(eq(breachEpisodes.memberId, memberId), isNull(breachEpisodes.closedAt)));
  return row ?? null;
}

export interface StopPayload {
  episodeId: number;
  memberId: number;
  serverId: number;
  stream: Record<string, unknown>;
  title: string;
  text: string;
  [key: string]: unknown;
}

/**
 * Decides and applies one member's intents in one transaction under the member's lock. `decide` runs inside the
 * lock on the episode as it is now, so two instances (or a push and the reconcile) never decide on stale state.
 * Returns the episode the intents touched (null when there was nothing to do) and whether it is new. Without
 * `dm` (a stand-in for an account linked to nobody: there is nobody to DM), a grace period is not warned about.
 */
export async function applyMemberDecision(
  db: Db,
  memberId: number,
  decide: (episode: BreachEpisode | null) => Intent[],
  onScreen: { title: string; text: string },
  now: Date,
  options: { dm: boolean } = { dm: true },
): Promise<{ episode: BreachEpisode; isNew: boolean } | null> {
  return db.transaction(async (tx) => {
    await lockMember(tx, memberId);
    let episode = await openEpisodeOf(tx, memberId);
    const intents = decide(episode);
    if (intents.length === 0) return episode ? { episode, isNew: false } : null;
    let isNew = false;
    const effects: Effect[] = [];
    let lines: EpisodeLine[] = [];
    for (const intent of intents) {
      if (intent.type === 'open-episode') {
        const [created] = await tx
          .insert(breachEpisodes)
          .values({
            memberId,
            openedAt: now,
            state: intent.grace ? 'grace' : 'open',
            count: intent.count,
            cap: intent.cap,
            planName: intent.planName,
            dryRun: intent.dryRun,
            lines: intent.lines,
            graceUntil: intent.grace?.until ?? null,
            stopRule: intent.stopRule,
          })
          .returning();
        if (!created) throw new Error('episode insert returned nothing');
        episode = created;
        isNew = true;
        if (intent.grace) {
          // The warning DM now, and the end of the grace at its deadline (kept across restarts by the outbox).
          if (options.dm)
            effects.push({
              key: episodeNoticeKey('warning', created.id),
              kind: 'episode-notice',
              group: episodeGroup(created.id),
              payload: { episodeId: created.id, channel: 'warning' },
            });
          effects.push({
            key: `grace-end:${created.id}`,
            kind: 'grace-end',
            payload: { episodeId: created.id },
            dueAt: intent.grace.until,
          });
        }
      } else if (intent.type === 'add-lines') {
        lines = intent.lines;
      } else if (intent.type === 'end-grace') {
        // Lines of streams the member stopped with a button during the grace stay, with their outcome.
        const clicked = (episode?.lines ?? []).filter((l) => episode?.stopAttempts.includes(lineRef(l)));
        const [continued] = await tx
          .update(breachEpisodes)
          .set({ state: 'open', count: intent.count, lines: [...clicked, ...intent.lines] })
          .where(eq(breachEpisodes.id, intent.episodeId))
          .returning();
        if (continued) episode = continued;
      } else if (intent.type === 'resolve-episode') {
        const [closed] = await tx
          .update(breachEpisodes)
          // Sorted out during the grace: no notices at all (notified_at set), only the warning says so.
          .set({ state: 'resolved', closedAt: now, ...(intent.quietly ? { notifiedAt: now } : {}) })
          .where(eq(breachEpisodes.id, intent.episodeId))
          .returning();
        if (closed) {
          episode = closed;
          // The alert (or the warning), if one was posted, says the member is back within the plan.
          effects.push({
            key: intent.quietly ? `warning-edit:${closed.id}:resolved` : alertEditKey(closed.id, 'resolved'),
            kind: intent.quietly ? 'warning-edit' : 'alert-edit',
            group: episodeGroup(closed.id),
            payload: { episodeId: closed.id },
          });
        }
      } else if (episode) {
        const payload: StopPayload = {
          episodeId: episode.id,
          memberId,
          serverId: intent.serverId,
          stream: streamToJson(intent.stream),
          ...onScreen,
        };
        effects.push({
          key: stopEffectKey(episode.id, intent.ref),
          kind: 'stop',
          group: episodeGroup(episode.id),
          payload,
        });
      }
    }
    if (!episode) return null;
    const stops = intents.flatMap((i) => (i.type === 'stop' ? [i.ref] : []));
    if (stops.length > 0 || lines.length > 0) {
      const [updated] = await tx
        .update(breachEpisodes)
        .set({
          stopAttempts: [...new Set([...episode.stopAttempts, ...stops])],
          lines: isNew ? episode.lines : [...episode.lines, ...lines],
        })
        .where(eq(breachEpisodes.id, episode.id))
        .returning();
      if (updated) episode = updated;
    }
    await enqueueEffects(tx, effects, now);
    return { episode, isNew };
  });
}

/** The outcome of each stop effect of an episode, keyed by `serverId:sessionKey`. */
export async function stopOutcomes(db: Db, episodeId: number): Promise<Map<string, StopOutcome>> {
  const prefix = `stop:${episodeId}:`;
  const rows = await effectsByPrefix(db, prefix);
  return new Map(rows.map((r) => [r.key.slice(prefix.length), outcomeOf(r)]));
}

function outcomeOf(r: OutboxRow): StopOutcome {
  const status =
    r.state === 'done'
      ? 'done'
      : r.state === 'failed'
        ? 'failed'
        : r.state === 'pending' && r.attempts > 0
          ? 'retrying'
          : 'pending';
  return { status, result: r.result as StopOutcome['result'], lastError: r.lastError };
}

/** Counts of what an episode's stops did, for the cycle report. */
export function stopTally(lines: readonly EpisodeLine[], outcomes: ReadonlyMap<string, StopOutcome>) {
  let stopped = 0;
  let notStopped = 0;
  for (const l of lines) {
    const words = lineAction(l, outcomes);
    const code = words.words.code;
    if (l.action.kind === 'stop' && !words.failed && code === 'stopped') stopped++;
    else if (words.failed || code === 'cannot-stop' || code === 'back-within' || code === 'server-removed')
      notStopped++;
  }
  return { stopped, notStopped };
}

/**
 * Phase two of an open episode: once its stops have had their first attempt, queue its notices (`channels`: the
 * DM, the email when the member has an address, the alert) and move it to `enforced` or `stop-failed`, in one
 * transaction under the member's lock. Returns true when the notices were queued now.
 */
export async function queueEpisodeNotices(
  db: Db,
  episodeId: number,
  channels: ReadonlyArray<'dm' | 'email' | 'alert'>,
  now: Date,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [episode] = await tx.select().from(breachEpisodes).where(eq(breachEpisodes.id, episodeId));
    if (!episode) return false;
    await lockMember(tx, episode.memberId);
    const [current] = await tx.select().from(breachEpisodes).where(eq(breachEpisodes.id, episodeId));
    if (!current) return false;
    const decision = decideNotices(
      { ...current, notified: current.notifiedAt !== null },
      await stopOutcomes(tx, episodeId),
    );
    if (!decision.ready) return false;
    await enqueueEffects(
      tx,
      channels.map((channel) => ({
        key: episodeNoticeKey(channel, episodeId),
        kind: 'episode-notice',
        group: episodeGroup(episodeId),
        payload: { episodeId, channel },
      })),
      now,
    );
    await tx
      .update(breachEpisodes)
      .set({ state: decision.state, notifiedAt: now })
      .where(eq(breachEpisodes.id, episodeId));
    return true;
  });
}

/** Open episodes still waiting for their notices (after a crash, or stops that ran on another instance). */
export async function episodesAwaitingNotices(db: Db): Promise<BreachEpisode[]> {
  // An episode in its grace waits for the deadline, not for its stops: left out, so the runner does not open a
  // transaction for it every second.
  return db
    .select()
    .from(breachEpisodes)
    .where(and(isNull(breachEpisodes.notifiedAt), ne(breachEpisodes.state, 'grace')));
}

export { effectByKey };
