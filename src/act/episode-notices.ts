import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { effectByKey } from '../db/outbox.ts';
import { breachEpisodes, members } from '../db/schema.ts';
import { lineAction, type StopOutcome } from '../decide/streams.ts';
import { discordTime } from '../notify/format.ts';
import { streamBreachAlert, streamWarning, type WarningNotice } from '../notify/notices.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { describeDm, toLine } from '../notify/outcomes.ts';
import { memberLanguage } from '../services/languages.ts';
import { getSettings } from '../services/settings.ts';
import { loadTemplates, templateFor } from '../services/templates.ts';
import { episodeNoticeKey, stopOutcomes } from './episodes.ts';
import { PermanentEffectError } from './outbox.ts';

/** Everything a breach notice is rendered from, read now. */
export async function episodeNotice(ctx: AppContext, episodeId: number) {
  const [episode] = await ctx.db.select().from(breachEpisodes).where(eq(breachEpisodes.id, episodeId));
  if (!episode) throw new PermanentEffectError(`breach episode ${episodeId} no longer exists`);
  const [member] = await ctx.db.select().from(members).where(eq(members.id, episode.memberId));
  if (!member) throw new PermanentEffectError(`the member of episode ${episodeId} no longer exists`);
  const outcomes: Map<string, StopOutcome> = await stopOutcomes(ctx.db, episodeId);
  const settings = await getSettings(ctx.db);
  const lines = episode.lines.map((l) => ({
    ...toLine(l, lineAction(l, outcomes).words),
    ...(settings.hideAddresses ? { ipAddress: null } : {}),
  }));
  const notice = {
    memberName: member.displayName,
    planName: episode.planName,
    limit: episode.cap,
    count: episode.count,
    dryRun: episode.dryRun,
    streams: lines,
  };
  const templates = await loadTemplates(ctx.db);
  // The member's own words: the language they last used a command in, else the community's.
  const lang = memberLanguage(member, settings);
  return { episode, member, notice, settings, templates, lang };
}

/**
 * The warning DM of an episode with a grace period, as it stands now (see `streamWarning`). Its phase follows the
 * episode (a warned episode is resolved only quietly, during its grace), except for the notice sent when the grace
 * ran out, which says what was stopped even if the member is back within the plan by then (`over`).
 */
export async function warningMessage(
  ctx: AppContext,
  episodeId: number,
  phaseOverride?: WarningNotice['phase'],
): Promise<{
  member: { discordUserId: string; id: number };
  message: NoticeMessage;
  phase: WarningNotice['phase'];
}> {
  const { episode, member, notice, templates, lang } = await episodeNotice(ctx, episodeId);
  const phase: WarningNotice['phase'] =
    phaseOverride ??
    (episode.state === 'grace' ? 'grace' : episode.state === 'resolved' ? 'resolved' : 'over');
  const done = episode.lines.map((l, i) =>
    phase === 'over' || l.action.kind === 'stop' ? (notice.streams[i]?.action ?? null) : null,
  );
  const message = streamWarning(
    templateFor(templates, 'warning', lang),
    { ...notice, episodeId, deadline: episode.graceUntil ?? episode.openedAt, done, phase },
    lang,
  );
  return { member, message, phase };
}

export async function breachAlert(
  ctx: AppContext,
  episodeId: number,
): Promise<{ channel: string | null; message: NoticeMessage }> {
  const { episode, member, notice, settings, templates } = await episodeNotice(ctx, episodeId);
  const dm = await effectByKey(ctx.db, episodeNoticeKey('dm', episodeId));
  const now =
    episode.state === 'resolved' && episode.closedAt
      ? `Back within the plan ${discordTime(episode.closedAt, 'R')}.`
      : episode.state === 'stop-failed'
        ? 'Still over the plan: a stop did not take effect.'
        : null;
  const standIn = member.standInServerId !== null;
  const message = streamBreachAlert(
    templateFor(templates, 'stream-alert', templates.defaultLanguage),
    {
      ...notice,
      discordUserId: standIn ? null : member.discordUserId,
      dmDelivery: standIn
        ? 'None: this account is linked to nobody. Link it to its member with `/user link`.'
        : describeDm(dm),
      stopNote: episode.dryRun
        ? 'Dry run is on: no stream was stopped. Turn it off with `/enforcement dry-run enabled:false`.'
        : null,
      now,
    },
    templates.defaultLanguage,
  );
  return { channel: settings.alertsChannelId, message };
}
