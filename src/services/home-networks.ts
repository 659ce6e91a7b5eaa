// A server's home networks (`/server networks`): validated, stored and audited in one transaction.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { type MediaServerRow, mediaServers } from '../db/schema.ts';
import { quoted } from '../notify/format.ts';
import { type NetworksRefusal, parseNetworks } from '../policy/home-networks.ts';
import { UserError } from '../user-error.ts';
import { requireServer } from './servers.ts';

const EXAMPLE = 'e.g. `192.168.1.0/24, 2001:db8:1::/48`';

function refusalText(r: NetworksRefusal): string {
  switch (r.kind) {
    case 'empty':
      return 'no network given';
    case 'not-an-address':
      return `${quoted(r.part, 60)} is not an IPv4 or IPv6 network`;
    case 'prefix':
      return `in ${quoted(r.part, 60)} the prefix length after \`/\` must be a number from 1 to ${r.bits}`;
    case 'everything':
      return `${quoted(r.part, 60)} would take in every address`;
    case 'too-many':
      return `a server keeps at most ${r.max} networks`;
  }
}

/**
 * Sets (`networks`) or clears (`clear`) a server's home networks; with neither, returns them unchanged (to show).
 * A list that does not read is refused whole, nothing changed.
 */
export async function setHomeNetworks(
  ctx: AppContext,
  actor: string,
  rawName: string,
  change: { networks: string | null; clear: boolean },
): Promise<MediaServerRow> {
  if (change.clear && change.networks !== null)
    throw new UserError('Give either `networks` (the new list) or `clear: True` (none), not both.');
  let networks: string[] = [];
  if (change.networks !== null) {
    const parsed = parseNetworks(change.networks);
    if (!parsed.ok)
      throw new UserError(
        `Nothing changed: ${refusalText(parsed.refusal)}. Give networks in CIDR notation separated by commas, ${EXAMPLE}.`,
      );
    networks = parsed.networks;
  }
  const row = await requireServer(ctx.db, rawName);
  if (!change.clear && change.networks === null) return row;
  return ctx.db.transaction(async (tx) => {
    const [after] = await tx
      .update(mediaServers)
      .set({ homeNetworks: networks })
      .where(eq(mediaServers.id, row.id))
      .returning();
    if (!after) throw new Error('update returned nothing');
    await recordAudit(tx, {
      actor,
      action: 'server.networks',
      target: `server:${row.name}`,
      before: { networks: row.homeNetworks },
      after: { networks: after.homeNetworks },
    });
    return after;
  });
}
