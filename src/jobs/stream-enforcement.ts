// Stream caps: who is over, confirmed by a fresh read, then stop + DM + alert (+ email) once per breach episode.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import { deliverOnce } from '../db/notices.ts';
import { type BreachEpisode, breachEpisodes, type Settings } from '../db/schema.ts';
import { type StreamLine, streamBreachAlert, streamBreachDm } from '../notify/notices.ts';
import type { Delivery } from '../notify/notifier.ts';
import {
  type AccountLink,
  type Breach,
  findBreaches,
  type MemberStream,
  matchStreams,
  type ServerRead,
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
}

export interface StreamEnforcementInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: Record<TemplateName, { text: string }>;
  now: Date;
  /** When each session was first seen by this process (`serverId:key`), for "started" in alerts. */
  firstSeen: ReadonlyMap<string, Date>;
  /** This cycle's streams, already matched to members (matchStreams over `snapshots`). */
  streams: MemberStream[];
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
 * reported after a stop) is not acted on. A server whose re-read fails is left out: no action on a guess.
 */
async function confirmBreaches(
  ctx: AppContext,
  input: StreamEnforcementInput,
  breaches: Breach[],
  accountLinks: AccountLink[],
): Promise<Breach[]> {
  const delayMs = ctx.config.confirmDelaySeconds * 1000;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const serverIds = new Set(breaches.flatMap((b) => b.streams.map((s) => s.serverId)));
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
          return null;
        }
      }),
  );
  const reads = fresh.filter((r): r is ServerRead => r !== null);
  const members = new Set(breaches.map((b) => b.memberId));
  const { streams } = matchStreams(reads, accountLinks);
  return findBreaches(
    streams.filter((s) => members.has(s.memberId)),
    capsByMember(input.links),
  );
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

/** Closes the episodes of members now within their cap, when every server they use was read. */
async function closeEpisodes(
  ctx: AppContext,
  input: StreamEnforcementInput,
  breaching: Set<number>,
): Promise<void> {
  const failed = new Set(input.snapshots.filter((s) => !s.streams).map((s) => s.row.id));
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

export async function enforceStreams(
  ctx: AppContext,
  input: StreamEnforcementInput,
): Promise<BreachOutcome[]> {
  const accountLinks = toAccountLinks(input.links);
  const suspected = findBreaches(input.streams, capsByMember(input.links));
  const confirmed = suspected.length > 0 ? await confirmBreaches(ctx, input, suspected, accountLinks) : [];
  await closeEpisodes(ctx, input, new Set(confirmed.map((b) => b.memberId)));
  const outcomes: BreachOutcome[] = [];
  for (const breach of confirmed) outcomes.push(await actOnBreach(ctx, input, breach));
  return outcomes;
}

async function actOnBreach(
  ctx: AppContext,
  input: StreamEnforcementInput,
  breach: Breach,
): Promise<BreachOutcome> {
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
  let stopped = 0;
  let notStopped = 0;
  for (const ms of breach.streams) {
    const snap = input.snapshots.find((s) => s.row.id === ms.serverId);
    const key = `${ms.serverId}:${ms.stream.key}`;
    let action: string;
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
      action = result.ok ? 'stopped' : `stop failed: ${result.reason ?? 'unknown reason'}`;
      if (result.ok) stopped++;
      else notStopped++;
    }
    lines.push({
      server: ms.serverName,
      device: ms.stream.device,
      ipAddress: ms.stream.ipAddress,
      title: ms.stream.title,
      state: ms.stream.state ?? 'unknown',
      startedAt: ms.stream.startedAt ?? input.firstSeen.get(key) ?? null,
      action,
    });
  }
  await ctx.db
    .update(breachEpisodes)
    .set({ stopAttempts: [...attempts] })
    .where(eq(breachEpisodes.id, episode.id));

  let dm: string | null = null;
  if (isNew)
    dm = await notifyBreach(ctx, input, { episode, memberName: member.displayName, planName, breach, lines });
  return {
    memberName: member.displayName,
    count: breach.count,
    cap: breach.cap,
    newEpisode: isNew,
    stopped,
    notStopped,
    dm,
  };
}

async function notifyBreach(
  ctx: AppContext,
  input: StreamEnforcementInput,
  n: { episode: BreachEpisode; memberName: string; planName: string; breach: Breach; lines: StreamLine[] },
): Promise<string> {
  const entry = input.links.find(({ member }) => member.id === n.breach.memberId);
  const member = entry?.member;
  if (!member) return 'member unknown';
  const subject = `episode:${n.episode.id}`;
  const notice = {
    memberName: n.memberName,
    planName: n.planName,
    limit: n.breach.cap,
    streams: n.lines,
    dryRun: input.settings.dryRun,
  };
  const once = (channel: string) => ({ kind: 'stream-breach', subject, channel, memberId: member.id });

  const dm = await deliverOnce(ctx.db, once('dm'), () =>
    ctx.notifier.dm(member.discordUserId, streamBreachDm(input.templates['stream-dm'].text, notice)),
  );
  if (member.email) {
    const text = renderTemplate(input.templates['stream-email'].text, {
      member: n.memberName,
      plan: n.planName,
      limit: n.breach.cap,
      count: n.breach.count,
      streams: n.lines
        .map((l) => `- ${l.server}: ${l.device}, ${l.title ?? 'unknown title'} (${l.state})`)
        .join('\n'),
    });
    await deliverOnce(ctx.db, once('email'), () =>
      ctx.notifier.email(member.email, 'Too many streams at once', text),
    );
  }
  await deliverOnce(ctx.db, once('alert'), () =>
    ctx.notifier.alert(
      input.settings.alertsChannelId,
      streamBreachAlert(input.templates['stream-alert'].text, {
        ...notice,
        discordUserId: member.discordUserId,
        dmDelivery: describeDelivery(dm),
        stopNote: input.settings.dryRun
          ? 'Dry run is on: no stream was stopped. Turn it off with `/enforcement dry-run enabled:false`.'
          : null,
      }),
    ),
  );
  return describeDelivery(dm);
}
