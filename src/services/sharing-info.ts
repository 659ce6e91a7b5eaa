// The last sharing flags of a member, for `/user info` (admins only): what each flag saw, in one line, with the
// places it names. The flags are raised by the cycle (src/act/sharing.ts) and kept 90 days.
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { sharingFlags } from '../db/schema.ts';
import { discordTime } from '../discord/reply.ts';
import { clip } from '../notify/format.ts';
import { type FlagEvidence, flagSummary, placeLine } from '../notify/sharing.ts';

/** How many flags `/user info` shows. */
export const FLAGS_SHOWN = 3;

/** The member's last flags as an embed field's value; null when there are none. */
export async function lastSharingFlags(db: Db, memberId: number): Promise<string | null> {
  const rows = await db
    .select()
    .from(sharingFlags)
    .where(eq(sharingFlags.memberId, memberId))
    .orderBy(desc(sharingFlags.createdAt), desc(sharingFlags.id))
    .limit(FLAGS_SHOWN);
  if (rows.length === 0) return null;
  const text = rows
    .map((r) => {
      const e = r.evidence as unknown as FlagEvidence;
      const places = e.places.slice(0, 4).map((p) => placeLine(p, false));
      return `${discordTime(r.createdAt, 'R')}: ${flagSummary(e)}\n${places.join('\n')}`;
    })
    .join('\n');
  return clip(text, 1024);
}
