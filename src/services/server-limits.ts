// `/server limits`: a server's own caps on streams and on transcoded streams at once, whatever the plans say. Off by
// default (null); 0 or `clear` removes a cap. Enforced by the cycle (src/decide/server-limits.ts).
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { type MediaServerRow, mediaServers } from '../db/schema.ts';
import { UserError } from '../user-error.ts';
import { requireServer } from './servers.ts';

/** The highest cap accepted: far above any server's real capacity, low enough to be a typo when exceeded. */
export const LIMIT_MAX = 1000;

export type LimitClear = 'streams' | 'transcodes' | 'both';

export interface LimitChanges {
  /** A new cap; 0 removes it; null leaves it as it is. */
  streams: number | null;
  transcodes: number | null;
  clear: LimitClear | null;
}

function check(what: string, n: number | null): void {
  if (n === null) return;
  if (!Number.isInteger(n) || n < 0 || n > LIMIT_MAX)
    throw new UserError(
      `\`${what}\` must be a whole number from 0 to ${LIMIT_MAX} (0 removes the cap). Nothing was changed.`,
    );
}

export async function setServerLimits(
  ctx: AppContext,
  actor: string,
  rawName: string,
  changes: LimitChanges,
): Promise<MediaServerRow> {
  const row = await requireServer(ctx.db, rawName);
  const { streams, transcodes, clear } = changes;
  if (streams === null && transcodes === null && clear === null)
    throw new UserError(
      'Nothing to change: give `streams`, `transcodes`, or both (0 removes a cap), or `clear`. ' +
        'The server’s limits are shown in `/server list`.',
    );
  check('streams', streams);
  check('transcodes', transcodes);
  const clearsStreams = clear === 'streams' || clear === 'both';
  const clearsTranscodes = clear === 'transcodes' || clear === 'both';
  if ((clearsStreams && streams !== null) || (clearsTranscodes && transcodes !== null))
    throw new UserError(
      'Give a cap or `clear` it, not both at once. Nothing was changed: run the command again with one of them.',
    );
  const next = (value: number | null, clears: boolean, before: number | null) =>
    clears ? null : value === null ? before : value === 0 ? null : value;
  const maxStreams = next(streams, clearsStreams, row.maxStreams);
  const maxTranscodes = next(transcodes, clearsTranscodes, row.maxTranscodes);
  if (maxStreams !== null && maxTranscodes !== null && maxTranscodes > maxStreams)
    throw new UserError(
      `A transcode is a stream too: at most ${maxStreams} streams leaves no room for ${maxTranscodes} transcodes. ` +
        'Give `transcodes` no higher than `streams`. Nothing was changed.',
    );
  return ctx.db.transaction(async (tx) => {
    const [after] = await tx
      .update(mediaServers)
      .set({ maxStreams, maxTranscodes })
      .where(eq(mediaServers.id, row.id))
      .returning();
    if (!after) throw new Error('update returned nothing');
    await recordAudit(tx, {
      actor,
      action: 'server.limits',
      target: `server:${row.name}`,
      before: { streams: row.maxStreams, transcodes: row.maxTranscodes },
      after: { streams: after.maxStreams, transcodes: after.maxTranscodes },
    });
    return after;
  });
}

/** A server's limits in words, for `/server list` and the answer of `/server limits`. */
export function limitsText(row: Pick<MediaServerRow, 'maxStreams' | 'maxTranscodes'>): string {
  if (row.maxStreams === null && row.maxTranscodes === null) return 'none';
  return [
    row.maxStreams !== null && `at most ${row.maxStreams} stream${row.maxStreams === 1 ? '' : 's'} at once`,
    row.maxTranscodes !== null &&
      `at most ${row.maxTranscodes} transcode${row.maxTranscodes === 1 ? '' : 's'} at once`,
  ]
    .filter(Boolean)
    .join(', ');
}
