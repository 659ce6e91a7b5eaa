// Stand-ins that are no longer needed (their account was linked, or the owner changed the unlinked mode) are
// retired: the open episode of each is resolved under the member lock, and its alert edited to say so.
import { and, inArray, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { breachEpisodes } from '../db/schema.ts';
import { applyMemberDecision } from './episodes.ts';

export /** Resolves the open episodes of retired stand-ins (their alert is edited to say so), under the member lock. */
async function retireStandIns(ctx: AppContext, memberIds: number[], now: Date): Promise<void> {
  if (memberIds.length === 0) return;
  const open = await ctx.db
    .select({ memberId: breachEpisodes.memberId })
    .from(breachEpisodes)
    .where(and(inArray(breachEpisodes.memberId, memberIds), isNull(breachEpisodes.closedAt)));
  for (const { memberId } of open) {
    await applyMemberDecision(
      ctx.db,
      memberId,
      (episode) =>
        episode
          ? [{ type: 'resolve-episode', episodeId: episode.id, quietly: episode.state === 'grace' }]
          : [],
      { title: '', text: '' },
      now,
    );
  }
}
