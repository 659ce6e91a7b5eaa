// Each server's health from what its read found: the time of its last good read, and its status, kept where
// it changed (with the outage for the weekly report). Admins hear once when a server goes down and once when it
// comes back (the transition is stored, so a restart does not repeat it).

import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordServerTransition } from '../db/outages.ts';
import { mediaServers } from '../db/schema.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import { serverStatusAlert } from '../notify/notices.ts';
import type { ServerSnapshot } from '../sense/read-servers.ts';
import { loadTemplates, templateFor } from '../services/templates.ts';

export async function recordServerHealth(
  ctx: AppContext,
  snapshots: ServerSnapshot[],
  now: Date,
  alertsChannelId: string | null,
): Promise<void> {
  const templates = await loadTemplates(ctx.db);
  await storeSteadyStatus(ctx, snapshots, now);
  for (const snap of snapshots) {
    const { row } = snap;
    const up = snap.error === null;
    const changed = up ? row.status !== 'up' : row.status !== 'down';
    if (!changed) continue;
    await ctx.db
      .update(mediaServers)
      .set({
        lastPollAt: up ? now : row.lastPollAt,
        status: up ? 'up' : 'down',
        statusSince: now,
        statusReason: snap.error,
      })
      .where(eq(mediaServers.id, row.id));
    await recordServerTransition(ctx.db, row.id, up, now, snap.error);
    // Alert on down, and on up only after a down (not on the first successful poll of a new server).
    if (up && row.status !== 'down') continue;
    const kind = up ? 'server-up' : 'server-down';
    const notice = { kind, subject: `server:${row.id}:${now.toISOString()}`, channel: 'alert' };
    await deliverOnce(ctx, notice, () => ({
      channel: 'alert',
      to: alertsChannelId,
      message: serverStatusAlert(
        templateFor(templates, kind, templates.defaultLanguage),
        up,
        row.name,
        snap.error,
        templates.defaultLanguage,
      ),
    }));
  }
}

/**
 * Servers whose status did not change: the ones up get their last poll time in one statement, the ones still
 * down their latest reason in one statement per distinct reason, so the statements per cycle do not grow with
 * the number of healthy servers.
 */
async function storeSteadyStatus(ctx: AppContext, snapshots: ServerSnapshot[], now: Date): Promise<void> {
  const stillUp = snapshots.filter((s) => s.error === null && s.row.status === 'up').map((s) => s.row.id);
  if (stillUp.length > 0) {
    await ctx.db.update(mediaServers).set({ lastPollAt: now }).where(inArray(mediaServers.id, stillUp));
  }
  const stillDown = new Map<string, number[]>();
  for (const s of snapshots) {
    if (s.error === null || s.row.status !== 'down') continue;
    stillDown.set(s.error, [...(stillDown.get(s.error) ?? []), s.row.id]);
  }
  for (const [reason, ids] of stillDown) {
    await ctx.db.update(mediaServers).set({ statusReason: reason }).where(inArray(mediaServers.id, ids));
  }
}
