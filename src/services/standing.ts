// A member's standing: what /quota shows them and /user info shows admins.
import type { EmbedBuilder } from 'discord.js';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { breachEpisodes, downloadSwitches, type OverQuotaAction, plans } from '../db/schema.ts';
import { COLORS, discordTime, embed, plain } from '../discord/reply.ts';
import { list } from '../i18n/format.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import { clip } from '../notify/format.ts';
import { progressBar } from '../policy/downloads.ts';
import { effectiveStreamCap } from '../policy/fairness.ts';
import { overQuotaAction } from '../policy/over-quota.ts';
import { describePausedRule } from '../policy/paused.ts';
import { localDayStart } from '../policy/week.ts';
import { describeBoost, memberFairness } from './fairness.ts';
import { type DiscordUserRef, findMember, memberLinks } from './members.ts';
import { selfLinkServerNames } from './self-link.ts';
import { getSettings } from './settings.ts';
import { lastSharingFlags } from './sharing-info.ts';
import { weeklyUsage } from './usage.ts';

/** What `/quota` tells a member who is not linked: `/link` when some server lets them link themselves, else an admin. */
export function unlinkedMemberText(selfLinkServers: readonly string[], lang: Language = 'en'): string {
  const t = translator(lang);
  const start = t('standing.unlinked.start');
  if (selfLinkServers.length === 0) return `${start} ${t('standing.unlinked.askAdmin')}`;
  const shown = selfLinkServers.slice(0, 5).map((name) => `**${plain(name)}**`);
  if (selfLinkServers.length > shown.length)
    shown.push(t('standing.unlinked.more', { count: selfLinkServers.length - shown.length }));
  return `${start} ${t('standing.unlinked.linkYourself', { servers: list(lang, shown) })}`;
}

/** When an explicit plan ends (`/user plan … until:`): the first instant of that day in TIMEZONE. */
const planEnd = (until: string | null, zone: string) => {
  if (until === null) return '';
  const endsAt = localDayStart(until, zone);
  return `\nEnds ${discordTime(endsAt, 'f')} (${discordTime(endsAt, 'R')})`;
};

export async function memberInfoEmbed(
  ctx: AppContext,
  who: DiscordUserRef,
  options: { forAdmins: boolean; lang?: Language },
): Promise<EmbedBuilder> {
  const lang = options.lang ?? 'en';
  const t = translator(lang);
  const member = await findMember(ctx.db, who.id);
  const links = member ? await memberLinks(ctx.db, member.id) : [];
  const title = options.forAdmins
    ? t('standing.titleOf', { name: plain(who.displayName) })
    : t('standing.title');
  if (!member || (links.length === 0 && member.planId === null)) {
    return embed(title, COLORS.warn).setDescription(
      options.forAdmins
        ? t('standing.unlinked.forAdmins', { id: who.id })
        : unlinkedMemberText(await selfLinkServerNames(ctx), lang),
    );
  }
  const now = ctx.clock();
  const [plan] = member.planId ? await ctx.db.select().from(plans).where(eq(plans.id, member.planId)) : [];
  const e = embed(title, COLORS.info);
  const usage = (await weeklyUsage(ctx.db, [{ member, plan: plan ?? null }], now, ctx.config.timezone)).get(
    member.id,
  );
  const cycle = ctx.lastCycle();
  const streamsNow = cycle?.streamsByMember.get(member.id) ?? 0;
  const atHome = cycle?.homeByMember.get(member.id) ?? 0;
  const { boost, exemptions } = await memberFairness(ctx.db, member.id, now);
  const cap = plan ? (effectiveStreamCap(plan.streamCap, boost, now) ?? plan.streamCap) : null;
  const capNote =
    plan && cap !== null && cap > plan.streamCap
      ? t('standing.streams.boostNote', { base: plan.streamCap, extra: cap - plan.streamCap })
      : '';

  e.addFields({
    name: t('standing.plan.name'),
    value: plan
      ? `${member.planFromRoles ? t('standing.plan.fromRoles', { plan: `**${plain(plan.name)}**` }) : `**${plain(plan.name)}**`}${planEnd(member.planUntil, ctx.config.timezone)}`
      : t('standing.plan.none'),
    inline: true,
  });
  if (plan) {
    e.addFields({
      name: t('standing.streams.name'),
      value: cycle
        ? t('standing.streams.checked', {
            now: streamsNow,
            cap,
            note: capNote,
            when: discordTime(cycle.startedAt, 'R'),
          }) + (atHome > 0 ? t('standing.streams.atHome', { count: atHome }) : '')
        : t('standing.streams.notChecked', { cap, note: capNote }),
      inline: true,
    });
    const converted = transcodeStanding(plan, t);
    if (converted) e.addFields({ name: t('standing.transcodes.name'), value: converted, inline: true });
    const paused = describePausedRule({ limitMinutes: plan.pausedLimitMinutes, action: plan.pausedAction });
    if (paused)
      e.addFields({
        name: 'Paused streams',
        value: `${paused[0]?.toUpperCase()}${paused.slice(1)}`,
        inline: true,
      });
    if (plan.homeStreams === 'free')
      e.addFields({ name: t('standing.home.name'), value: t('standing.home.free'), inline: true });
  }
  if (usage) {
    const left = Math.max(0, usage.allotment - usage.used);
    const boosted = usage.boosted > 0 ? t('standing.downloads.boosted', { count: usage.boosted }) : '';
    const downloads =
      plan && !plan.downloadsAllowed
        ? t('standing.downloads.notIncluded')
        : `${t('standing.downloads.used', { bar: progressBar(usage.used, usage.allotment), used: usage.used, allotment: usage.allotment, boosted, left })}\n` +
          t('standing.downloads.resets', {
            relative: discordTime(usage.weekEnd, 'R'),
            date: discordTime(usage.weekEnd, 'f'),
          }) +
          `\n${overQuotaLine(t, overQuotaAction(plan ?? null, (await getSettings(ctx.db)).disableDownloads))}`;
    e.addFields({ name: t('standing.downloads.name'), value: downloads });
  }
  if (boost) {
    e.addFields({
      name: t('standing.boost.name'),
      value: t('standing.boost.value', {
        boost: describeBoost(boost, lang),
        relative: discordTime(boost.endsAt, 'R'),
        date: discordTime(boost.endsAt, 'f'),
      }),
    });
  }
  if (exemptions.length > 0) {
    const shown = exemptions.slice(0, 10).map((x) => {
      const note = options.forAdmins && x.note ? `: ${plain(clip(x.note, 80))}` : '';
      return `• ${plain(clip(x.deviceName, 60))}${note}`;
    });
    if (exemptions.length > shown.length)
      shown.push(t('standing.exempt.more', { count: exemptions.length - shown.length }));
    e.addFields({
      name: t('standing.exempt.name'),
      value: shown.join('\n'),
    });
  }
  const switches = await ctx.db
    .select()
    .from(downloadSwitches)
    .where(eq(downloadSwitches.memberId, member.id));
  const off = switches.filter((s) => s.state !== 'disable-failed');
  if (off.length > 0) {
    const until = new Date(Math.max(...off.map((s) => s.until.getTime())));
    e.addFields({
      name: t('standing.switchedOff.name'),
      value: t('standing.switchedOff.value', {
        date: discordTime(until, 'f'),
        relative: discordTime(until, 'R'),
      }),
    });
  }
  if (options.forAdmins) {
    e.addFields({
      name: t('standing.admin.links'),
      value:
        links.length > 0
          ? links.map((l) => `• **${plain(l.server)}**: ${plain(l.accountName)}`).join('\n')
          : t('standing.admin.none'),
    });
    if (member.downloadAllotment !== null) {
      e.addFields({
        name: t('standing.admin.ownAllotment'),
        value: t('standing.admin.ownAllotmentValue', { count: member.downloadAllotment }),
        inline: true,
      });
    }
    e.addFields({
      name: t('standing.admin.email'),
      value: member.email ? plain(member.email) : t('standing.admin.notSet'),
      inline: true,
    });
    const [open] = await ctx.db
      .select()
      .from(breachEpisodes)
      .where(and(eq(breachEpisodes.memberId, member.id), isNull(breachEpisodes.closedAt)));
    if (open)
      e.addFields({
        name: t('standing.admin.streamCap'),
        value: t('standing.admin.overSince', { relative: discordTime(open.openedAt, 'R') }),
      });
    const flags = await lastSharingFlags(ctx.db, member.id);
    if (flags) e.addFields({ name: 'Sharing flags', value: flags });
    const failed = switches.filter((s) => s.lastError);
    if (failed.length > 0) {
      e.addFields({
        name: t('standing.admin.switchProblems'),
        value: failed
          .map((s) => t('standing.admin.tries', { error: plain(s.lastError ?? ''), count: s.attempts }))
          .join('\n'),
      });
    }
  }
  return e;
}

/** The plan's rule on converted (transcoded) video, for the member; null when it allows everything. */
function transcodeStanding(
  plan: { transcodes: string; transcodeCap: number | null },
  t: (key: string, options?: Record<string, unknown>) => string,
): string | null {
  if (plan.transcodes === 'none') return t('standing.transcodes.none');
  const parts: string[] = [];
  if (plan.transcodes === 'no-4k') parts.push(t('standing.transcodes.no4k'));
  if (plan.transcodeCap !== null) parts.push(t('standing.transcodes.cap', { count: plan.transcodeCap }));
  return parts.length > 0 ? parts.join('\n') : null;
}

/** What the member's plan does over the allotment, in their words. */
function overQuotaLine(t: Translate, action: OverQuotaAction): string {
  if (action === 'cancel') return t('standing.downloads.overQuota.cancel');
  if (action === 'switch-off') return t('standing.downloads.overQuota.switch-off');
  return t('standing.downloads.overQuota.warn');
}
