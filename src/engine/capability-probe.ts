import type { AppContext } from '../context.ts';
import { probeCapabilities } from '../services/capabilities.ts';
import { listServers } from '../services/servers.ts';

/** Probes every server this instance senses (at start and every few hours), one server's failure not the others'. */
export async function probeAllCapabilities(
  ctx: Pick<AppContext, 'db' | 'media' | 'config' | 'capabilities' | 'log' | 'cluster'>,
): Promise<void> {
  const rows = (await listServers(ctx.db)).filter((r) => ctx.cluster.ownsServer(r.id));
  await Promise.all(rows.map((row) => probeCapabilities(ctx, row)));
}
