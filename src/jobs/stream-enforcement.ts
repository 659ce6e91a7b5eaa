// Stream caps: who is over, confirmed by a fresh read, then stop + DM + alert (+ email) once per breach episode.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { deliverOnce, noticeMessageId } from '../db/notices.ts';
import { type BreachEpisode, breachEpisodes, type Settings } from '../db/schema.ts';
import { rememberStop } from '../db/stopped-sessions.ts';
import {
  type StreamBreachNotice,
  type StreamLine,
  streamBreachAlert,
  streamBreachDm,
} from '../notify/notices.ts';
import type { Delivery, NoticeMessage } from '../notify/notifier.ts';
import {
  type AccountLink,
  type Breach,
  findBreaches,
  type MemberStream,
  matchStreams,
  type ServerRead,
  sessionRef,
  withoutStopped,
} from '../policy/streams.ts';
import { renderTemplate, type TemplateName } from '../policy/templates.ts';
import type { ServerSnapshot } from './read-servers.ts';

export interface BreachOutcome {
  memberName: string;
  count: number;
  cap: number;
  newEpisode: boolean;
  stopped: number;
  notStopped: number;
  dm: string | null;
  /** Why acting on this breach failed part-way (the other members were still handled), or null. */
  error: string | null;
}

export interface StreamEnforcementInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: Record<TemplateName, { text: string }>;
  now: Date;
  /** When each session was first seen by this process (`serverId:key`), for "started" in alerts. */
  firstSeen: ReadonlyMap<string, Date>;
  /** This cycle's streams, already matched to members (matchStreams over `snapshots`, stopped sessions left out). */
  streams: MemberStream[];
  /** `serverId:key` of the sessions the bot stopped and the server still lists: never counted again. */
  stopped: ReadonlySet<string>;
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

function capsByMember(links: LinkWithMember[]): Map<number, number | null> {
  return new Map(links.map(({ member, plan }) => [member.id, plan?.streamCap ?? null]));
}

/** How a DM went, in the words the alert and the run-now report use. */
export const describeDelivery = (d: Delivery | null) =>
  d === null ? 'Already sent earlier.' : d.ok ? 'Delivered.' : `Could not be delivered: ${d.reason}.`;

/**
 * Re-reads the servers where breaching members stream, so a session that ended meanwhile (or that Plex still
 * reported after a stop) is not acted on. A server whose re-read fails is left out (no action on a guess) and is
 * returned in `unread`, so that the episodes of its members are not closed on the strength of a failed read.
 */
async function confirmBreaches(
  ctx: AppContext,
  input: StreamEnforcementInput,
  breaches: Breach[],
  accountLinks: AccountLink[],
): Promise<{ confirmed: Breach[]; unread: Set<number> }> {
  const delayMs = ctx.config.confirmDelaySeconds * 1000;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const serverIds = new Set(breaches.flatMap((b) => b.streams.map((s) => s.serverId)));
  const unread = new Set<number>();
  const fresh = await Promise.all(
    input.snapshots
      .flatMap((s) =>
        serverIds.has(s.row.id) && s.streams && s.client ? [{ row: s.row, client: s.client }] : [],
      )
      .map(async (s): Promise<ServerRead | null> => {
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
  const members = new Set(breaches.map((b) => b.memberId));
  const { streams } = matchStreams(reads, accountLinks);
  const confirmed = findBreaches(
    streams.filter((s) => members.has(s.memberId)),
    capsByMember(input.links),
  );
  return { confirmed, unread };
}

async function openEpisode(
  ctx: AppContext,
  memberId: number,
  now: Date,
): Promise<{ episode: BreachEpisode; isNew: boolean }> {
  const [open] = await ctx.db
    .select()
    .from(breachEpisodes)
    .where(and(eq(breachEpisodes.memberId, memberId), isNull(breachEpisodes.closedAt)));
  if (open) return { episode: open, isNew: false };
  const [created] = await ctx.db.insert(breachEpisodes).values({ memberId, openedAt: now }).returning();
  if (!created) throw new Error('episode insert returned nothing');
  return { episode: created, isNew: true };
}

/**
 * Closes the episodes of members now within their cap, but only when every server they use was read, both in
 * the cycle's read and in the confirmation re-read: a failed read proves nothing, and closing on it would
 * announce the same breach again next cycle.
 */
async function closeEpisodes(
  ctx: AppContext,
  input: StreamEnforcementInput,
  breaching: Set<number>,
  unread: Set<number>,
): Promise<void> {
  const failed = new Set([...input.snapshots.filter((s) => !s.streams).map((s) => s.row.id), ...unread]);
  const unsure = new Set(
    input.links.filter(({ link }) => failed.has(link.serverId)).map(({ member }) => member.id),
  );
  const open = await ctx.db.select().from(breachEpisodes).where(isNull(breachEpisodes.closedAt));
  const toClose = open.filter((e) => !breaching.has(e.memberId) && !unsure.has(e.memberId)).map((e) => e.id);
  if (toClose.length > 0) {
    await ctx.db
      .update(breachEpisodes)
      .set({ closedAt: input.now })
      .where(inArray(breachEpisodes.id, toClose));
  }
}

/** A stop the server accepted on a server that can verify it: checked by a read after the notices went out. */
interface SentStop {
  serverId: number;
  key: string;
  line: StreamLine;
}

/** What acting on one breach did, kept for the verification after the stops. */
interface Acted {
  outcome: BreachOutcome;
  episode: BreachEpisode;
  lines: StreamLine[];
  toVerify: SentStop[];
  alert: (lines: StreamLine[]) => NoticeMessage;
}

export async function enforceStreams(
  ctx: AppContext,
  input: StreamEnforcementInput,
): Promise<BreachOutcome[]> {
  const accountLinks = toAccountLinks(input.links);
  const suspected = findBreaches(input.streams, capsByMember(input.links));
  const { confirmed, unread } =
    suspected.length > 0
      ? await confirmBreaches(ctx, input, suspected, accountLinks)
      : { confirmed: [], unread: new Set<number>() };
  await closeEpisodes(ctx, input, new Set(confirmed.map((b) => b.memberId)), unread);
  const acted: Acted[] = [];
  const outcomes: BreachOutcome[] = [];
  for (const breach of confirmed) {
    // One member's failure (a database error, a server throwing mid-stop) never stops the others.
    try {
      const done = await actOnBreach(ctx, input, breach);
      acted.push(done);
      outcomes.push(done.outcome);
    } catch (err) {
      ctx.log.error({ err, member: breach.memberId }, 'acting on a stream breach failed');
      outcomes.push(failedOutcome(input, breach, err));
    }
  }
  await verifyStops(ctx, input, acted).catch((err) =>
    ctx.log.error({ err }, 'could not verify the stops of this cycle'),
  );
  return outcomes;
}

function failedOutcome(input: StreamEnforcementInput, breach: Breach, err: unknown): BreachOutcome {
  const member = input.links.find(({ member: m }) => m.id === breach.memberId)?.member;
  return {
    memberName: member?.displayName ?? `member ${breach.memberId}`,
    count: breach.count,
    cap: breach.cap,
    newEpisode: false,
    stopped: 0,
    notStopped: 0,
    dm: null,
    error: err instanceof Error ? err.message : String(err),
  };
}

async function actOnBreach(ctx: AppContext, input: StreamEnforcementInput, breach: Breach): Promise<Acted> {
  const entry = input.links.find(({ member }) => member.id === breach.memberId);
  if (!entry) throw new Error(`breach for unknown member ${breach.memberId}`);
  const { member, plan } = entry;
  const planName = plan?.name ?? 'none';
  const { episode, isNew } = await openEpisode(ctx, member.id, input.now);
  const attempts = new Set(episode.stopAttempts);
  const onScreenValues = {
    member: member.displayName,
    plan: planName,
    limit: breach.cap,
    count: breach.count,
    streams: '',
  };
  const onScreen = renderTemplate(input.templates['stream-onscreen'].text, onScreenValues);
  const lines: StreamLine[] = [];
  const toVerify: SentStop[] = [];
  let stopped = 0;
  let notStopped = 0;
  for (const ms of breach.streams) {
    const snap = input.snapshots.find((s) => s.row.id === ms.serverId);
    const key = sessionRef(ms.serverId, ms.stream.key);
    let action: string;
    let verify = false;
    if (input.settings.dryRun) {
      action = 'would be stopped (dry run)';
    } else if (!snap?.client || !snap.row.canStopStreams) {
      action = `not stopped: ${snap?.row.stopUnavailableReason ?? 'this server cannot stop streams'}`;
      notStopped++;
    } else if (attempts.has(key)) {
      action = 'a stop was already attempted; not retried';
      notStopped++;
    } else {
      attempts.add(key);
      const result = await snap.client.stopStream(ms.stream, { title: 'Too many streams', text: onScreen });
      if (!result.ok) {
        action = `stop failed: ${result.reason ?? 'unknown reason'}`;
        notStopped++;
      } else if (result.alreadyEnded) {
        action = 'had already ended';
      } else if (snap.client.supports('verifiable-stop')) {
        action = 'stopped';
        stopped++;
        verify = true;
      } else {
        action = 'stopped';
        stopped++;
        const stop = {
          serverId: ms.serverId,
          sessionKey: ms.stream.key,
          memberId: member.id,
          now: input.now,
        };
        await rememberStop(ctx.db, stop);
      }
    }
    const line: StreamLine = {
      server: ms.serverName,
      device: ms.stream.device,
      ipAddress: ms.stream.ipAddress,
      title: ms.stream.title,
      state: ms.stream.state ?? 'unknown',
      startedAt: ms.stream.startedAt ?? input.firstSeen.get(key) ?? null,
      action,
    };
    lines.push(line);
    if (verify) toVerify.push({ serverId: ms.serverId, key: ms.stream.key, line });
  }
  await ctx.db
    .update(breachEpisodes)
    .set({ stopAttempts: [...attempts] })
    .where(eq(breachEpisodes.id, episode.id));

  const notice = {
    memberName: member.displayName,
    planName,
    limit: breach.cap,
    count: breach.count,
    dryRun: input.settings.dryRun,
  };
  let dm: string | null = null;
  const alert = (current: StreamLine[], dmDelivery: string) =>
    streamBreachAlert(input.templates['stream-alert'].text, {
      ...notice,
      streams: current,
      discordUserId: member.discordUserId,
      dmDelivery,
      stopNote: input.settings.dryRun
        ? 'Dry run is on: no stream was stopped. Turn it off with `/enforcement dry-run enabled:false`.'
        : null,
    });
  if (isNew)
    dm = await notifyBreach(ctx, input, { episode, member, notice: { ...notice, streams: lines }, alert });
  return {
    outcome: {
      memberName: member.displayName,
      count: breach.count,
      cap: breach.cap,
      newEpisode: isNew,
      stopped,
      notStopped,
      dm,
      error: null,
    },
    episode,
    lines,
    toVerify,
    alert: (current) => alert(current, dm ?? 'Already sent earlier.'),
  };
}

const breachNotice = (episode: BreachEpisode, channel: string, memberId: number) => ({
  kind: 'stream-breach',
  subject: `episode:${episode.id}`,
  channel,
  memberId,
});

async function notifyBreach(
  ctx: AppContext,
  input: StreamEnforcementInput,
  n: {
    episode: BreachEpisode;
    member: LinkWithMember['member'];
    notice: StreamBreachNotice;
    alert: (lines: StreamLine[], dmDelivery: string) => NoticeMessage;
  },
): Promise<string> {
  const { member, notice } = n;
  const once = (channel: string) => breachNotice(n.episode, channel, member.id);

  const dm = await deliverOnce(ctx.db, once('dm'), () =>
    ctx.notifier.dm(member.discordUserId, streamBreachDm(input.templates['stream-dm'].text, notice)),
  );
  if (member.email) {
    const text = renderTemplate(input.templates['stream-email'].text, {
      member: notice.memberName,
      plan: notice.planName,
      limit: notice.limit,
      count: notice.count,
      streams: notice.streams
        .map((l) => `- ${l.server}: ${l.device}, ${l.title ?? 'unknown title'} (${l.state})`)
        .join('\n'),
    });
    await deliverOnce(ctx.db, once('email'), () =>
      ctx.notifier.email(member.email, 'Too many streams at once', text),
    );
  }
  await deliverOnce(ctx.db, once('alert'), () =>
    ctx.notifier.alert(input.settings.alertsChannelId, n.alert(notice.streams, describeDelivery(dm))),
  );
  return describeDelivery(dm);
}

/**
 * Jellyfin and Emby send Stop to the player, which may ignore it. Once the notices are out, the servers that can
 * verify a stop are read again: a stopped session still playing is reported as not stopped (the outcome, and the
 * episode's alert is edited in place) and stays counted, so the episode stays open.
 */
async function verifyStops(ctx: AppContext, input: StreamEnforcementInput, acted: Acted[]): Promise<void> {
  const serverIds = new Set(acted.flatMap((a) => a.toVerify.map((v) => v.serverId)));
  if (serverIds.size === 0) return;
  const delayMs = ctx.config.confirmDelaySeconds * 1000;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const stillPlaying = new Set<string>();
  for (const snap of input.snapshots) {
    if (!serverIds.has(snap.row.id) || !snap.client) continue;
    try {
      for (const s of await snap.client.listStreams())
        if (s.state !== null) stillPlaying.add(sessionRef(snap.row.id, s.key));
    } catch (err) {
      ctx.log.warn({ err, server: snap.row.name }, 'could not check whether the stops took effect');
    }
  }
  for (const a of acted) {
    const ignored = a.toVerify.filter((v) => stillPlaying.has(sessionRef(v.serverId, v.key)));
    if (ignored.length === 0) continue;
    for (const v of ignored) v.line.action = 'stop sent, but the player ignored it: still playing';
    a.outcome.stopped -= ignored.length;
    a.outcome.notStopped += ignored.length;
    const messageId = await noticeMessageId(ctx.db, breachNotice(a.episode, 'alert', 0));
    if (messageId === null) {
      ctx.log.warn({ member: a.outcome.memberName }, 'a stop was ignored but there is no alert to update');
      continue;
    }
    const edited = await ctx.notifier.editAlert(input.settings.alertsChannelId, messageId, a.alert(a.lines));
    if (!edited.ok) ctx.log.warn({ reason: edited.reason }, 'could not update the breach alert');
  }
}
