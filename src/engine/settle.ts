import { eq } from 'drizzle-orm';
import { episodesAwaitingNotices, queueEpisodeNotices } from '../act/episodes.ts';
import type { AppContext } from '../context.ts';
import { members } from '../db/schema.ts';

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
export async function noticeChannels(
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
