import type { AppContext } from '../context.ts';
import {
  type AccountLink,
  type MemberStream,
  matchStreams,
  type ServerRead,
  withoutStopped,
} from '../policy/streams.ts';
import { countableStreams, type StreamEnforcementInput } from './view.ts';

/**
 * Re-reads the servers where the suspected members stream, at once (a fresh read, not a sleep), so a session that
 * ended meanwhile, or that Plex still listed after a stop, is not acted on. A server whose re-read fails is left
 * out (no action on a guess) and returned in `unread`, so its members' episodes are not resolved on a failed read.
 */
export async function reread(
  ctx: AppContext,
  input: StreamEnforcementInput,
  memberIds: Set<number>,
  accountLinks: AccountLink[],
): Promise<{ streams: MemberStream[]; unread: Set<number> }> {
  const delayMs = ctx.config.confirmDelaySeconds * 1000;
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const serverIds = new Set(input.streams.filter((s) => memberIds.has(s.memberId)).map((s) => s.serverId));
  const unread = new Set<number>();
  // The cycle's clients for the servers it read; a server known from its stored read gets a client here.
  const clients = new Map(
    input.snapshots.flatMap((s) => (s.streams && s.client ? [[s.row.id, s.client]] : [])),
  );
  const targets = input.servers.flatMap((row) => {
    // A server another instance senses is not read here: its stored view is kept.
    if (!serverIds.has(row.id) || !ctx.cluster.ownsServer(row.id)) return [];
    try {
      const client = clients.get(row.id) ?? (input.unreadServers.has(row.id) ? null : ctx.media.forRow(row));
      return client ? [{ row, client }] : [];
    } catch {
      return [];
    }
  });
  const fresh = await Promise.all(
    targets.map(async (s): Promise<ServerRead | null> => {
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
  const { streams } = matchStreams(reads, accountLinks);
  // Streams on servers not re-read (known from another instance's or an earlier read) are kept as they were.
  const reread = new Set(reads.map((r) => r.serverId));
  const kept = input.streams.filter((s) => !reread.has(s.serverId) && !unread.has(s.serverId));
  // Exempt devices, long pauses under `uncount` and streams at home under `free` never count, on the re-read too.
  const rereadStreams = countableStreams(streams, input).counted;
  return { streams: [...kept, ...rereadStreams].filter((s) => memberIds.has(s.memberId)), unread };
}
