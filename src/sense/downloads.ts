import type { AppContext } from '../context.ts';
import { recordDownloads } from '../db/downloads.ts';
import { findLink } from '../policy/accounts.ts';
import type { DownloadInput } from './view.ts';

/** Stores every reported download against its member; returns account ids learnt by name. */
export async function recordServerDownloads(
  ctx: AppContext,
  input: DownloadInput,
): Promise<Array<{ linkId: number; accountId: string }>> {
  const learnt: Array<{ linkId: number; accountId: string }> = [];
  for (const snap of input.snapshots) {
    if (!snap.downloads || snap.downloads.length === 0) continue;
    const serverLinks = input.links
      .filter(({ link }) => link.serverId === snap.row.id)
      .map(({ link }) => link);
    const seen = snap.downloads.map((activity) => {
      const link = findLink(activity, serverLinks);
      if (link && link.accountId === null && activity.accountId !== null) {
        learnt.push({ linkId: link.id, accountId: activity.accountId });
      }
      return { activity, memberId: link?.memberId ?? null };
    });
    await recordDownloads(ctx.db, snap.row.id, seen, { logged: snap.row.logDownloads, now: input.now }).catch(
      (err) => ctx.log.error({ err, server: snap.row.name }, 'could not record downloads'),
    );
  }
  return learnt;
}
