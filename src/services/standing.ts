// A member's standing: what /quota shows them and /user info shows admins.
import type { EmbedBuilder } from 'discord.js';
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { breachEpisodes, downloadSwitches, plans } from '../db/schema.ts';
import { COLORS, discordTime, embed, plain } from '../discord/reply.ts';
import { clip } from '../notify/format.ts';
import { progressBar } from '../policy/downloads.ts';
import { effectiveStreamCap } from '../policy/fairness.ts';
import { describePausedRule } from '../policy/paused.ts';
import { localDayStart } from '../policy/week.ts';
import { describeBoost, memberFairness } from './fairness.ts';
import { type DiscordUserRef, findMember, memberLinks } from './members.ts';
import { selfLinkServerNames } from './self-link.ts';
import { weeklyUsage } from './usage.ts';

/** What `/quota` tells a member who is not linked: `/link` when some server lets them link themselves, else an admin. */
export function unlinkedMemberText(selfLinkServers: readonly string[]): string {
  const start = 'You are not linked to a media account yet, so Streamwarden does not know your plan. ';
  const askAdmin = 'a server admin (someone with the Manage Server permission) to link you with `/user link`';
  if (selfLinkServers.length === 0) return `${start}Ask ${askAdmin}.`;
  const shown = selfLinkServers.slice(0, 5).map((name) => `**${plain(name)}**`);
  const more =
    selfLinkServers.length > shown.length ? ` and ${selfLinkServers.length - shown.length} more` : '';
  return `${start}Link yourself with \`/link\` (it works on ${shown.join(', ')}${more}), or ask ${askAdmin}.`;
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
  options: { forAdmins: boolean },
): Promise<EmbedBuilder> {
  const member = await findMember(ctx.db, who.id);
  const links = member ? await memberLinks(ctx.db, member.id) : [];
  const title = options.forAdmins ? `Standing of ${plain(who.displayName)}` : 'Your standing';
  if (!member || (links.length === 0 && member.planId === null)) {
    return embed(title, COLORS.warn).setDescription(
      options.forAdmins
        ? `<@${who.id}> is not linked to any media account and has no plan. Link them with \`/user link\`, then \`/user plan\`.`
        : unlinkedMemberText(await selfLinkServerNames(ctx)),
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
  const { boost, exemptions } = await memberFairness(ctx.db, member.id, now);
  const cap = plan ? (effectiveStreamCap(plan.streamCap, boost, now) ?? plan.streamCap) : null;
  const capNote =
    plan && cap !== null && cap > plan.streamCap
      ? ` (${plan.streamCap} + ${cap - plan.streamCap} boost)`
      : '';

  e.addFields({
    name: 'Plan',
    value: plan
      ? `**${plain(plan.name)}**${member.planFromRoles ? ' (from roles)' : ''}${planEnd(member.planUntil, ctx.config.timezone)}`
      : 'None yet: ask an admin to put you on a plan (`/user plan`).',
    inline: true,
  });
  if (plan) {
    e.addFields({
      name: 'Streams',
      value: cycle
        ? `${streamsNow} of ${cap}${capNote} at once\n(as of ${discordTime(cycle.startedAt, 'R')})`
        : `up to ${cap}${capNote} at once\n(not checked yet)`,
      inline: true,
    });
    const paused = describePausedRule({ limitMinutes: plan.pausedLimitMinutes, action: plan.pausedAction });
    if (paused)
      e.addFields({
        name: 'Paused streams',
        value: `${paused[0]?.toUpperCase()}${paused.slice(1)}`,
        inline: true,
      });
  }
  if (usage) {
    const left = Math.max(0, usage.allotment - usage.used);
    const boosted = usage.boosted > 0 ? ` (includes +${usage.boosted} from a boost)` : '';
    const downloads =
      plan && !plan.downloadsAllowed
        ? 'Your plan does not include downloads.'
        : `${progressBar(usage.used, usage.allotment)} **${usage.used} of ${usage.allotment}** used${boosted}, ${left} left\n` +
          `Week resets ${discordTime(usage.weekEnd, 'R')} (${discordTime(usage.weekEnd, 'f')})`;
    e.addFields({ name: 'Downloads this week', value: downloads });
  }
  if (boost) {
    e.addFields({
      name: 'Boost',
      value: `${describeBoost(boost)}, ends ${discordTime(boost.endsAt, 'R')} (${discordTime(boost.endsAt, 'f')})`,
    });
  }
  if (exemptions.length > 0) {
    const shown = exemptions.slice(0, 10).map((x) => {
      const note = options.forAdmins && x.note ? `: ${plain(clip(x.note, 80))}` : '';
      return `• ${plain(clip(x.deviceName, 60))}${note}`;
    });
    if (exemptions.length > shown.length) shown.push(`…and ${exemptions.length - shown.length} more`);
    e.addFields({
      name: 'Exempt devices (never counted)',
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
      name: 'Downloads switched off',
      value: `Until ${discordTime(until, 'f')} (${discordTime(until, 'R')}), when your week resets.`,
    });
  }
  if (options.forAdmins) {
    e.addFields({
      name: 'Linked accounts',
      value:
        links.length > 0
          ? links.map((l) => `• **${plain(l.server)}**: ${plain(l.accountName)}`).join('\n')
          : 'none',
    });
    if (member.downloadAllotment !== null) {
      e.addFields({
        name: 'Own download allotment',
        value: `${member.downloadAllotment} a week (overrides the plan’s)`,
        inline: true,
      });
    }
    e.addFields({ name: 'Email', value: member.email ? plain(member.email) : 'not set', inline: true });
    const [open] = await ctx.db
      .select()
      .from(breachEpisodes)
      .where(and(eq(breachEpisodes.memberId, member.id), isNull(breachEpisodes.closedAt)));
    if (open)
      e.addFields({
        name: 'Stream cap',
        value: `Over the stream cap since ${discordTime(open.openedAt, 'R')}`,
      });
    const failed = switches.filter((s) => s.lastError);
    if (failed.length > 0) {
      e.addFields({
        name: 'Switch problems',
        value: failed.map((s) => `• ${plain(s.lastError ?? '')} (${s.attempts} tries)`).join('\n'),
      });
    }
  }
  return e;
}
