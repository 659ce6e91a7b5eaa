// Switching a member's downloads off (over the allotment) and back on (new week, more allotment, or the owner turned the
// switch off). Every switch the bot made is a row until it is undone, so a failing switch-back is retried on
// every cycle and never forgotten; admins hear once per failure.

import { eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import type { LinkWithMember } from '../db/links.ts';
import {
  type DownloadSwitch,
  downloadSwitches,
  type MediaServerRow,
  mediaServers,
  type Settings,
} from '../db/schema.ts';
import { decideSwitch } from '../decide/downloads.ts';
import { languageOf, translator } from '../i18n/index.ts';
import { safe } from '../notify/format.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import { plainAlert } from '../notify/notices.ts';
import { overQuotaAction, switchesOff } from '../policy/over-quota.ts';
import { failureObservation } from '../services/capabilities.ts';
import { undoSwitch } from '../services/servers.ts';
import { weeklyUsage } from '../services/usage.ts';
import type { SwitchTally } from '../types/cycle.ts';

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function setAllowed(
  ctx: AppContext,
  server: MediaServerRow,
  sw: Pick<DownloadSwitch, 'accountId' | 'accountName'>,
  allowed: boolean,
) {
  try {
    await ctx.media.forRow(server).setDownloadsAllowed({ id: sw.accountId, name: sw.accountName }, allowed);
  } catch (err) {
    await ctx.capabilities.observe(server, [failureObservation('switch-downloads', err)]);
    throw err;
  }
  await ctx.capabilities.observe(server, [{ capability: 'switch-downloads', ok: true }]);
}

/** Whether the server's platform can switch downloads; a client that cannot be built (a token that cannot be
 *  decrypted) counts as able, so the switch below fails, is recorded, and is retried like any failed switch. */
function canToggle(ctx: AppContext, server: MediaServerRow): boolean {
  try {
    return ctx.media.forRow(server).supports('toggle-downloads');
  } catch {
    return true;
  }
}

/** Switches downloads off on every server where the member has an account; returns one line per server. */
export async function switchOff(
  ctx: AppContext,
  links: LinkWithMember[],
  servers: MediaServerRow[],
  until: Date,
  weekKey: string,
): Promise<string[]> {
  const notes: string[] = [];
  for (const { link, member } of links) {
    const server = servers.find((s) => s.id === link.serverId);
    if (!server) continue;
    if (!canToggle(ctx, server)) {
      notes.push(`${safe(server.name)}: this platform cannot switch downloads off`);
      continue;
    }
    // Recorded before the call to the server (as a switch-off not yet confirmed), so a crash between the two can
    // never leave downloads off with nothing to switch them back on. The unique (member, server) key makes this
    // the only writer: a switch another cycle or instance already recorded is left alone.
    const [claimed] = await ctx.db
      .insert(downloadSwitches)
      .values({
        memberId: member.id,
        serverId: server.id,
        accountName: link.accountName,
        accountId: link.accountId,
        state: 'disable-failed',
        weekKey,
        until,
        attempts: 1,
        lastError: 'switching off (not confirmed yet)',
      })
      .onConflictDoNothing({ target: [downloadSwitches.memberId, downloadSwitches.serverId] })
      .returning({ id: downloadSwitches.id });
    if (!claimed) continue;
    try {
      await setAllowed(ctx, server, link, false);
      await ctx.db
        .update(downloadSwitches)
        .set({ state: 'disabled', lastError: null, updatedAt: ctx.clock() })
        .where(eq(downloadSwitches.id, claimed.id));
      notes.push(`${safe(server.name)}: downloads switched off`);
    } catch (err) {
      const lastError = reasonOf(err);
      await ctx.db
        .update(downloadSwitches)
        .set({ lastError, updatedAt: ctx.clock() })
        .where(eq(downloadSwitches.id, claimed.id));
      notes.push(
        `${safe(server.name)}: could not switch downloads off (${safe(lastError)}); will retry every cycle`,
      );
    }
  }
  return notes;
}

/**
 * Brings every switch row to where it should be: back on when the week turned, the member is no longer over
 * their allotment, or the owner turned `switch-off-downloads` (or `download-allotments`) off; retried off when a
 * switch-off failed and the member is still over. A switch-off that was not confirmed (`disable-failed`: it
 * failed, or the process died while the server was applying it) is settled by what the server reports.
 */
export async function reconcileSwitches(
  ctx: AppContext,
  settings: Settings,
  links: LinkWithMember[],
  now: Date,
): Promise<SwitchTally> {
  const tally: SwitchTally = { changed: 0, switchedOn: 0, leftOff: 0 };
  const rows = await ctx.db.select().from(downloadSwitches);
  if (rows.length === 0) return tally;
  const memberIds = [...new Set(rows.map((r) => r.memberId))];
  const people = memberIds.flatMap((id) => {
    const l = links.find(({ member }) => member.id === id);
    return l ? [{ member: l.member, plan: l.plan }] : [];
  });
  const usage = await weeklyUsage(ctx.db, people, now, ctx.config.timezone);
  const servers = await ctx.db
    .select()
    .from(mediaServers)
    .where(inArray(mediaServers.id, [...new Set(rows.map((r) => r.serverId))]));
  for (const row of rows) {
    const server = servers.find((s) => s.id === row.serverId);
    const plan = people.find((p) => p.member.id === row.memberId)?.plan ?? null;
    const action = overQuotaAction(plan, settings.disableDownloads);
    const move = decideSwitch(row, {
      usage: usage.get(row.memberId),
      // With several instances, a server's switches are moved by the instance that senses it.
      owned: server !== undefined && ctx.cluster.ownsServer(server.id),
      // Under `cancel`, a switch exists only where a download could not be cancelled: it stays until the week ends.
      disableDownloads: switchesOff(action),
      enforceDownloads: settings.enforceDownloads,
      now,
    });
    if (move.kind === 'leave' || !server) {
      if (move.kind === 'leave' && move.shouldBeOn) tally.leftOff += 1;
      continue;
    }
    // One switch's failure (the database, an unexpected error) never stops the others.
    try {
      if (move.kind === 'confirm-off') {
        tally.changed += await confirmSwitchedOff(ctx, server, row, now);
      } else if (move.kind === 'switch-on') {
        const name = people.find((p) => p.member.id === row.memberId)?.member.displayName;
        const on = await switchBackOn(ctx, settings, server, row, name, now);
        tally.changed += on ? 1 : 0;
        if (on) tally.switchedOn += 1;
        else tally.leftOff += 1;
      }
    } catch (err) {
      if (move.kind === 'switch-on') tally.leftOff += 1;
      ctx.log.error(
        { err, server: server.name, member: row.memberId },
        'could not reconcile a download switch',
      );
    }
  }
  return tally;
}

/** A switch-off not confirmed yet: confirmed when the server already reports downloads off, else retried. */
async function confirmSwitchedOff(
  ctx: AppContext,
  server: MediaServerRow,
  row: DownloadSwitch,
  now: Date,
): Promise<number> {
  try {
    const client = ctx.media.forRow(server);
    if (await client.downloadsAllowed({ id: row.accountId, name: row.accountName }))
      await setAllowed(ctx, server, row, false);
    await ctx.db
      .update(downloadSwitches)
      .set({ state: 'disabled', lastError: null, updatedAt: now })
      .where(eq(downloadSwitches.id, row.id));
    return 1;
  } catch (err) {
    await ctx.db
      .update(downloadSwitches)
      .set({ attempts: row.attempts + 1, lastError: reasonOf(err), updatedAt: now })
      .where(eq(downloadSwitches.id, row.id));
    return 0;
  }
}

/** True when downloads are back on (the row is gone); false when the switch failed and is left for a retry. */
async function switchBackOn(
  ctx: AppContext,
  settings: Settings,
  server: MediaServerRow,
  row: DownloadSwitch,
  memberName: string | undefined,
  now: Date,
): Promise<boolean> {
  try {
    await undoSwitch(ctx, server, row);
    await ctx.db.delete(downloadSwitches).where(eq(downloadSwitches.id, row.id));
    ctx.log.info({ server: server.name, account: row.accountName }, 'downloads switched back on');
    return true;
  } catch (err) {
    const reason = reasonOf(err);
    await ctx.db
      .update(downloadSwitches)
      .set({ state: 'enable-failed', attempts: row.attempts + 1, lastError: reason, updatedAt: now })
      .where(eq(downloadSwitches.id, row.id));
    const who = memberName ? safe(memberName) : `member ${row.memberId}`;
    const t = translator(languageOf(settings.guildLocale));
    const notice = {
      kind: 'download-switch',
      subject: `switch:${row.id}:enable-failed`,
      channel: 'alert',
      memberId: row.memberId,
    };
    await deliverOnce(ctx, notice, () => ({
      channel: 'alert',
      to: settings.alertsChannelId,
      message: plainAlert(
        t('notices.alert.switchBackFailed'),
        `Downloads for ${who} (${safe(row.accountName)} on ${safe(server.name)}) could not be switched back on: ${safe(reason)}.\n` +
          'Streamwarden keeps retrying every cycle. You can also switch them on by hand on the server.',
      ),
    }));
    return false;
  }
}
