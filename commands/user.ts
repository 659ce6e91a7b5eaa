import { type ChatInputCommandInteraction, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggest, suggestChoices } from '../src/discord/autocomplete.ts';
import type { Command } from '../src/discord/command.ts';
import { type Pager, replyPaged } from '../src/discord/pages.ts';
import { COLORS, discordTime, embed, ok, plain, respond } from '../src/discord/reply.ts';
import { MEMBERS_INTENT_HELP } from '../src/engine/role-sync.ts';
import {
  BOOST_LIMITS,
  boostMember,
  describeBoost,
  deviceChoices,
  exemptDevice,
  exemptionChoices,
  NOTE_MAX,
  unboostMember,
  unexemptDevice,
} from '../src/services/fairness.ts';
import { setMemberPlan } from '../src/services/member-plans.ts';
import {
  type DiscordUserRef,
  linkAccount,
  setMemberAllotment,
  setMemberEmail,
  unlinkAccount,
} from '../src/services/members.ts';
import { NAME_MAX, planNames } from '../src/services/plans.ts';
import { memberPlanName, planFromRolesAgain } from '../src/services/role-plans.ts';
import { serverNames } from '../src/services/servers.ts';
import { memberInfoEmbed } from '../src/services/standing.ts';
import { unlinkedStreamers } from '../src/services/unlinked.ts';

function memberOption(interaction: ChatInputCommandInteraction): DiscordUserRef {
  const user = interaction.options.getUser('member', true);
  const member = interaction.options.getMember('member');
  const displayName =
    (member && 'displayName' in member ? member.displayName : null) ?? user.globalName ?? user.username;
  return { id: user.id, displayName };
}

/** What `/user link` adds when the name could not be checked, or the account has not accepted its invite. */
function linkNote(r: Awaited<ReturnType<typeof linkAccount>>): string {
  const server = plain(r.server.name);
  if (!r.checked && r.unread.length > 0) {
    return `\n${server} answered, but ${r.unread.join(' and ')} could not be read now, and the name is not among the rest: it is kept as typed and matched when sessions are read. Run \`/user link\` again later to check it.`;
  }
  if (!r.checked)
    return `\nCould not reach ${server} to check the name now; it will be matched when sessions are read.`;
  if (r.pending) {
    return `\n**${plain(r.accountName)}** has not accepted the invite to ${server} yet: they need to accept it (Plex sent it by email) before they can stream or download there. The link is kept and counts once they do.`;
  }
  return '';
}

/** `/user unlinked`, a page at a time (Previous/Next). */
const unlinkedPager: Pager = {
  async render(ctx, _filters, page) {
    const now = ctx.clock();
    const { rows, more, total } = await unlinkedStreamers(ctx.db, now, page);
    const lines = rows.map(
      (r) =>
        `**${plain(r.accountName)}** on **${plain(r.server)}** · ${r.live ? 'streaming now' : `last seen ${discordTime(r.lastSeen, 'R')}`} · ${plain(r.devices.slice(0, 3).join(', '))}${r.devices.length > 3 ? ` +${r.devices.length - 3}` : ''}`,
    );
    const e = embed('Accounts linked to nobody', COLORS.info)
      .setDescription(
        lines.length > 0
          ? `${lines.join('\n')}\n\nNo plan applies to these accounts. Link each to its member with \`/user link\`.`
          : page > 0
            ? 'No more accounts.'
            : 'Every account that streamed in the last 7 days is linked to a member.',
      )
      .setFooter({
        text: `Page ${page + 1} · ${total} account${total === 1 ? '' : 's'} · streaming now first`,
      });
    return { embeds: [e], hasNext: more };
  },
};

export const user: Command = {
  adminOnly: true,
  pager: unlinkedPager,
  data: new SlashCommandBuilder()
    .setName('user')
    .setDescription('Link members to their media accounts and set their plan')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('link')
        .setDescription('Link a member to their account on a media server')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('server')
            .setDescription('Server')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        )
        .addStringOption((o) =>
          o
            .setName('account')
            .setDescription('Their user name on that server, as the server shows it')
            .setRequired(true)
            .setMaxLength(100),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('unlink')
        .setDescription('Remove a member’s link to a server')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('server')
            .setDescription('Server')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('plan')
        .setDescription('Put a member on a plan')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('plan')
            .setDescription('Plan')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(NAME_MAX),
        )
        .addStringOption((o) =>
          o
            .setName('until')
            .setDescription('The day the plan ends (YYYY-MM-DD, the bot’s time zone); leave out for no end')
            .setMaxLength(10),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('plan-from-roles')
        .setDescription('Let a member’s Discord roles decide their plan again (undoes /user plan)')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('allotment')
        .setDescription('Set a member’s own download allotment (downloads a week; overrides the plan’s)')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addIntegerOption((o) =>
          o
            .setName('downloads')
            .setDescription('Downloads a week')
            .setRequired(true)
            .setMinValue(0)
            .setMaxValue(10000),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('email')
        .setDescription('Set (or clear) the address notices are emailed to')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o.setName('address').setDescription('Email address; leave out to remove').setMaxLength(254),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('exempt')
        .setDescription('Never count (or stop) streams from one of a member’s devices, e.g. the family TV')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('device')
            .setDescription(
              'One of their devices seen on any server (matched by its identifier, not its name)',
            )
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(100),
        )
        .addStringOption((o) =>
          o.setName('note').setDescription('Why, for the admins (e.g. “parents’ TV”)').setMaxLength(NOTE_MAX),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('unexempt')
        .setDescription('Count a member’s exempt device again')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('device')
            .setDescription('One of their exempt devices')
            .setRequired(true)
            .setAutocomplete(true)
            .setMaxLength(100),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('boost')
        .setDescription('Raise a member’s stream cap and/or this week’s download allotment for some hours')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true))
        .addIntegerOption((o) =>
          o
            .setName('hours')
            .setDescription('How long the boost lasts; it ends by itself')
            .setRequired(true)
            .setMinValue(BOOST_LIMITS.hours.min)
            .setMaxValue(BOOST_LIMITS.hours.max),
        )
        .addIntegerOption((o) =>
          o
            .setName('streams')
            .setDescription('Streams added to the plan’s cap')
            .setMinValue(BOOST_LIMITS.streams.min)
            .setMaxValue(BOOST_LIMITS.streams.max),
        )
        .addIntegerOption((o) =>
          o
            .setName('downloads')
            .setDescription('Downloads added to this week’s allotment')
            .setMinValue(BOOST_LIMITS.downloads.min)
            .setMaxValue(BOOST_LIMITS.downloads.max),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('unboost')
        .setDescription('End a member’s boost now')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('unlinked')
        .setDescription('Accounts that stream (now or in the last 7 days) and are linked to nobody'),
    )
    .addSubcommand((s) =>
      s
        .setName('info')
        .setDescription('Show a member’s plan, accounts and standing')
        .addUserOption((o) => o.setName('member').setDescription('Discord member').setRequired(true)),
    ),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    if (sub === 'unlinked') {
      await interaction.deferReply({ flags: 'Ephemeral' });
      return replyPaged(interaction, ctx, unlinkedPager, []);
    }
    const target = memberOption(interaction);
    await interaction.deferReply({ flags: 'Ephemeral' });
    if (sub === 'link') {
      const r = await linkAccount(
        ctx,
        actor,
        target,
        interaction.options.getString('server', true),
        interaction.options.getString('account', true),
      );
      const change = r.previous && r.previous !== r.accountName ? ` (was **${plain(r.previous)}**)` : '';
      const note = linkNote(r);
      return respond(
        interaction,
        ok(
          `<@${target.id}> is linked to **${plain(r.accountName)}** on **${plain(r.server.name)}**${change}.${note}`,
        ),
      );
    }
    if (sub === 'unlink') {
      const r = await unlinkAccount(ctx, actor, target, interaction.options.getString('server', true));
      return respond(
        interaction,
        ok(
          `<@${target.id}> is no longer linked to **${plain(r.accountName)}** on **${plain(r.server.name)}**.`,
        ),
      );
    }
    if (sub === 'plan') {
      const { plan, until, endsAt, previousUntil } = await setMemberPlan(
        ctx,
        actor,
        target,
        interaction.options.getString('plan', true),
        interaction.options.getString('until'),
      );
      const end =
        until && endsAt
          ? `\nThe plan ends ${discordTime(endsAt, 'f')} (${discordTime(endsAt, 'R')}), when ${until} starts in ${plain(ctx.config.timezone)}. They get a DM three days before; from then on their roles decide their plan, or they have none.`
          : previousUntil
            ? '\nThe plan has no end date any more.'
            : '';
      return respond(
        interaction,
        ok(`<@${target.id}> is now on **${plain(plan.name)}** (stream cap ${plan.streamCap}).${end}`),
      );
    }
    if (sub === 'plan-from-roles') {
      await planFromRolesAgain(ctx, actor, target);
      const report = await ctx.roleSync.run();
      const now = await memberPlanName(ctx.db, target.id);
      const shown = now ? `**${plain(now)}**` : 'none';
      if (report.outcome === 'unavailable' || report.outcome === 'failed') {
        const why =
          report.outcome === 'unavailable'
            ? MEMBERS_INTENT_HELP
            : 'Discord did not list the members just now; the next role sync (within a minute) applies it.';
        return respond(
          interaction,
          ok(
            `<@${target.id}>’s plan will follow their roles; until role sync runs they keep ${shown}.\n${why}`,
          ),
        );
      }
      return respond(
        interaction,
        ok(
          `<@${target.id}>’s plan now follows their roles: ${now ? shown : 'none of their roles gives a plan, so they have none'}.`,
        ),
      );
    }
    if (sub === 'allotment') {
      const downloads = interaction.options.getInteger('downloads', true);
      const { plan } = await setMemberAllotment(ctx, actor, target, downloads);
      const warn =
        plan && !plan.downloadsAllowed
          ? `\nNote: their plan **${plain(plan.name)}** does not allow downloads, so their allotment stays 0 until they are on a plan that does.`
          : plan
            ? ''
            : '\nNote: they are not on a plan yet (`/user plan`).';
      return respond(
        interaction,
        ok(`<@${target.id}>’s download allotment is now **${downloads}** a week.${warn}`),
      );
    }
    if (sub === 'email') {
      const email = await setMemberEmail(ctx, actor, target, interaction.options.getString('address'));
      const mailNote = ctx.config.smtpUrl
        ? ''
        : '\nEmail is not configured on the bot (SMTP_URL), so nothing is emailed yet.';
      return respond(
        interaction,
        ok(
          email
            ? `Notices for <@${target.id}> are also emailed to ${plain(email)}.${mailNote}`
            : `No email address is kept for <@${target.id}> any more.`,
        ),
      );
    }
    if (sub === 'exempt') {
      const r = await exemptDevice(
        ctx,
        actor,
        target,
        interaction.options.getString('device', true),
        interaction.options.getString('note'),
      );
      return respond(
        interaction,
        ok(
          r.updated
            ? `The note on **${plain(r.device.name)}** of <@${target.id}> is now ${r.note ? `“${plain(r.note)}”` : 'empty'}.`
            : `Streams from **${plain(r.device.name)}** (${plain(r.device.server)}) no longer count for <@${target.id}> and are never stopped. It is matched by the device’s identifier, so renaming another device to this name does not exempt it${r.device.ipAddress ? ', and only on the network it was last seen on: the same identifier streaming from elsewhere counts' : ''}.`,
        ),
      );
    }
    if (sub === 'unexempt') {
      const r = await unexemptDevice(ctx, actor, target, interaction.options.getString('device', true));
      return respond(
        interaction,
        ok(`Streams from **${plain(r.deviceName)}** count for <@${target.id}> again.`),
      );
    }
    if (sub === 'boost') {
      const r = await boostMember(ctx, actor, target, {
        streams: interaction.options.getInteger('streams'),
        downloads: interaction.options.getInteger('downloads'),
        hours: interaction.options.getInteger('hours', true),
      });
      const replaced = r.replaced ? `\nIt replaces their previous boost (${describeBoost(r.replaced)}).` : '';
      return respond(
        interaction,
        ok(
          `<@${target.id}> has **${describeBoost(r.boost)}** on top of **${plain(r.planName)}** until ${discordTime(r.boost.endsAt, 'f')} (${discordTime(r.boost.endsAt, 'R')}). It ends by itself.${replaced}`,
        ),
      );
    }
    if (sub === 'unboost') {
      const b = await unboostMember(ctx, actor, target);
      return respond(
        interaction,
        ok(
          `<@${target.id}>’s boost (${describeBoost(b)}) has ended; their plan’s stream cap and download allotment apply again.`,
        ),
      );
    }
    return respond(interaction, { embeds: [await memberInfoEmbed(ctx, target, { forAdmins: true })] });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true).name;
    if (focused === 'device') {
      // In an autocomplete the user option carries the member's id as its value (nothing is resolved yet).
      const memberId = interaction.options.get('member')?.value;
      const id = typeof memberId === 'string' ? memberId : null;
      const unexempt = interaction.options.getSubcommand() === 'unexempt';
      return suggestChoices(
        interaction,
        unexempt ? await exemptionChoices(ctx, id) : await deviceChoices(ctx, id),
      );
    }
    await suggest(interaction, focused === 'plan' ? await planNames(ctx.db) : await serverNames(ctx.db));
  },
};
