// Download quotas: record what each server reports, count each member's week, and act once per member per week.

import type { AppContext } from '../context.ts';
import type { Member, Plan } from '../db/schema.ts';
import { decideQuotas, type QuotaMove } from '../decide/downloads.ts';
import { quotaAlert, quotaDm, quotaEmail } from '../notify/downloads.ts';
import { discordTime, safe } from '../notify/format.ts';
import { deliverOnce } from '../notify/notice-queue.ts';
import { describeDelivery } from '../notify/outcomes.ts';
import type { DownloadInput } from '../sense/view.ts';
import { memberLanguage } from '../services/languages.ts';
import { templateFor } from '../services/templates.ts';
import { countedDownloads, type Usage, weeklyUsage } from '../services/usage.ts';
import type { QuotaOutcome } from '../types/cycle.ts';
import { cancellableServers, queueCancels } from './download-cancels.ts';
import { switchOff } from './switches.ts';

export async function enforceDownloads(ctx: AppContext, input: DownloadInput): Promise<QuotaOutcome[]> {
  const people = new Map(input.links.map(({ member, plan }) => [member.id, { member, plan }]));
  const usage = await weeklyUsage(ctx.db, [...people.values()], input.now, ctx.config.timezone);
  const moves = decideQuotas(usage, new Set(people.keys()), input.settings, {
    planOf: (memberId) => people.get(memberId)?.plan ?? null,
    serversOf: (memberId) =>
      input.links.filter(({ member }) => member.id === memberId).map(({ link }) => link.serverId),
    cancellable: cancellableServers(
      ctx,
      input.snapshots.map((s) => s.row),
    ),
  });
  const outcomes: QuotaOutcome[] = [];
  for (const move of moves) {
    const person = people.get(move.memberId);
    const u = usage.get(move.memberId);
    if (!person || !u) continue;
    // One member's failure never stops the others: it is logged and reported in the outcome.
    try {
      outcomes.push(await actOnQuota(ctx, input, person, u, move));
    } catch (err) {
      ctx.log.error({ err, member: move.memberId }, 'acting on a download quota failed');
      outcomes.push({
        memberName: person.member.displayName,
        used: u.used,
        allotment: u.allotment,
        notified: false,
        switchNotes: [`could not finish: ${safe(err instanceof Error ? err.message : String(err))}`],
      });
    }
  }
  return outcomes;
}

async function actOnQuota(
  ctx: AppContext,
  input: DownloadInput,
  person: { member: Member; plan: Plan | null },
  u: Usage,
  move: QuotaMove,
): Promise<QuotaOutcome> {
  const servers = input.snapshots.map((s) => s.row);
  const { member, plan } = person;
  const memberId = member.id;
  const { switching } = move;
  const cancelling = move.cancelOn.length > 0;
  const switchNotes = [
    ...(switching
      ? await switchOff(
          ctx,
          input.links.filter(
            ({ member: m, link }) => m.id === memberId && move.switchOff.includes(link.serverId),
          ),
          servers,
          u.weekEnd,
          u.weekKey,
        )
      : []),
    ...(await queueCancels(
      ctx,
      input,
      {
        memberId,
        memberName: member.displayName,
        discordUserId: member.discordUserId,
        planName: plan?.name ?? 'none',
      },
      u,
      move,
    )),
  ];
  const once = (channel: string) => ({
    kind: 'download-quota',
    subject: `week:${memberId}:${u.weekKey}`,
    channel,
    memberId,
  });
  const notice = {
    memberName: member.displayName,
    planName: plan?.name ?? 'none',
    used: u.used,
    allotment: u.allotment,
    resetsAt: u.weekEnd,
    switchedOff: switching,
    cancelling: !switching && cancelling,
  };
  // The member's notices in their language; the admins' alert in the community's.
  const lang = memberLanguage(member, input.settings);
  const book = input.templates;
  const dm = await deliverOnce(ctx, once('dm'), () => ({
    channel: 'dm',
    to: member.discordUserId,
    message: quotaDm(templateFor(book, 'download-dm', lang), notice, lang),
  }));
  if (member.email) {
    const email = quotaEmail(templateFor(book, 'download-email', lang), notice, lang, ctx.config.timezone);
    await deliverOnce(ctx, once('email'), () => ({ channel: 'email', to: member.email, ...email }));
  }
  const switchNote =
    move.policy === 'dry-run'
      ? `Dry run is on: downloads were not ${move.action === 'cancel' ? 'cancelled or ' : ''}switched off.`
      : switching || cancelling
        ? switchNotes.join('\n') ||
          (cancelling
            ? 'Plan rule `downloads-over-quota: cancel`: no download beyond the allotment is in progress.'
            : 'No linked server can switch downloads off.')
        : move.action === 'warn' && plan?.downloadsOverQuota === 'warn'
          ? 'The plan only warns (`downloads-over-quota: warn`).'
          : 'Switching downloads off is not turned on (`/enforcement switch-off-downloads`).';
  // The list is read only when the alert is actually sent (once per member and week).
  await deliverOnce(ctx, once('alert'), async () => {
    const counted = await countedDownloads(ctx.db, memberId, u);
    return {
      channel: 'alert',
      to: input.settings.alertsChannelId,
      message: quotaAlert(
        templateFor(book, 'download-alert', book.defaultLanguage),
        {
          ...notice,
          discordUserId: member.discordUserId,
          dmDelivery: describeDelivery(dm),
          switchNote,
          downloads: counted.map(
            (d) =>
              `• ${safe(d.row.title)} · started ${discordTime(d.row.startedAt, 'R')}${d.units > 1 ? ` · counts ${d.units}×` : ''}`,
          ),
        },
        book.defaultLanguage,
      ),
    };
  });
  const notified = dm !== null;
  return { memberName: member.displayName, used: u.used, allotment: u.allotment, notified, switchNotes };
}
