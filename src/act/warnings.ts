// A member's "Stop this one" click on a grace-period warning: checked, then the chosen stream is stopped through
// the outbox at once (the same stop effect the engine uses, so it is never done twice), and the warning is
// re-rendered. Whether the member is now within the plan is decided by the cycle it asks for.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { streamFromJson } from '../db/live-sessions.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { breachEpisodes, members } from '../db/schema.ts';
import { lineRef, sameSessionAsLine, stopEffectKey } from '../decide/streams.ts';
import { type Language, translator } from '../i18n/index.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { UserError } from '../user-error.ts';
import { warningMessage } from './episode-notices.ts';
import { episodeGroup, lockMember, type StopPayload } from './episodes.ts';

/**
 * `accepted` runs once the click passed every check and the stop is stored (the button then acknowledges the click;
 * a refusal before that is answered privately instead).
 */
export async function stopFromWarning(
  ctx: AppContext,
  click: { episodeId: number; index: number; userId: string; lang?: Language },
  accepted: () => Promise<unknown>,
): Promise<NoticeMessage> {
  // Refusals answer the click in the clicker's language; the warning itself stays in the member's.
  const t = translator(click.lang ?? 'en');
  const now = ctx.clock();
  const key = await ctx.db.transaction(async (tx) => {
    const [found] = await tx.select().from(breachEpisodes).where(eq(breachEpisodes.id, click.episodeId));
    if (!found) throw new UserError(t('common.warning.gone'));
    await lockMember(tx, found.memberId);
    const [episode] = await tx.select().from(breachEpisodes).where(eq(breachEpisodes.id, click.episodeId));
    const [member] = await tx.select().from(members).where(eq(members.id, found.memberId));
    if (!episode || !member) throw new UserError(t('common.warning.gone'));
    if (member.discordUserId !== click.userId) throw new UserError(t('common.warning.notYours'));
    if (episode.state !== 'grace')
      throw new UserError(
        episode.state === 'resolved' ? t('common.warning.resolved') : t('common.warning.over'),
      );
    const line = episode.lines[click.index];
    if (!line) throw new UserError(t('common.warning.noLine'));
    const ref = lineRef(line);
    const effectKey = stopEffectKey(episode.id, ref);
    if (episode.stopAttempts.includes(ref)) return effectKey;
    const [session] = await tx.query.liveSessions.findMany({
      where: (s, { and, eq: is }) => and(is(s.serverId, line.serverId), is(s.sessionKey, line.sessionKey)),
    });
    if (!session) throw new UserError(t('common.warning.ended'));
    if (!sameSessionAsLine(line, streamFromJson(session.stream)))
      throw new UserError(t('common.warning.otherDevice'));
    const payload: StopPayload = {
      episodeId: episode.id,
      memberId: member.id,
      serverId: line.serverId,
      stream: session.stream,
      title: 'Stopped',
      text: 'Stopped at your request from Discord.',
    };
    await enqueueEffects(
      tx,
      [{ key: effectKey, kind: 'stop', group: episodeGroup(episode.id), payload }],
      now,
    );
    await tx
      .update(breachEpisodes)
      .set({
        stopAttempts: [...episode.stopAttempts, ref],
        lines: episode.lines.map((l, i) =>
          i === click.index ? { ...l, action: { kind: 'stop' as const } } : l,
        ),
      })
      .where(eq(breachEpisodes.id, episode.id));
    return effectKey;
  });
  await accepted();
  // Stopped now, not at the next drain (on several instances, the server's holder runs it if this one is not).
  await ctx.effects.runKey(key);
  // A fresh read decides whether the member is within the plan now (the episode then closes quietly).
  void ctx.runCycleNow().catch((err) => ctx.log.error({ err }, 'the cycle after a warning click failed'));
  return (await warningMessage(ctx, click.episodeId)).message;
}
