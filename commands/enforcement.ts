import {
  ChannelType,
  type ChatInputCommandInteraction,
  PermissionFlagsBits,
  SlashCommandBuilder,
} from 'discord.js';
import type { AppContext } from '../src/context.ts';
import { suggest } from '../src/discord/autocomplete.ts';
import { checkAndGreetChannel } from '../src/discord/channel-check.ts';
import { alertsChannelWarning } from '../src/discord/channel-visibility.ts';
import type { Command } from '../src/discord/command.ts';
import { COLORS, discordTime, embed, ok, plain, respond } from '../src/discord/reply.ts';
import { UNLINKED_MODES, type UnlinkedMode } from '../src/policy/unlinked.ts';
import { planNames } from '../src/services/plans.ts';
import {
  getSettings,
  SWITCH_LABEL,
  type Switch,
  setAdminRole,
  setAlertsChannel,
  setReportsChannel,
  setSwitch,
  setUnlinkedMode,
  unlinkedPlanName,
} from '../src/services/settings.ts';
import type { CycleReport } from '../src/types/cycle.ts';
import { UserError } from '../src/user-error.ts';

/** Where the bot checks its permissions and posts the test message. */
const channelCheck = (interaction: ChatInputCommandInteraction, ctx: AppContext, channelId: string) => ({
  rest: interaction.client.rest,
  guildId: ctx.config.guildId,
  channelId,
  botUserId: interaction.client.user.id,
});

const UNLINKED_WORDS: Record<UnlinkedMode, (plan: string) => string> = {
  alert: () =>
    'Accounts linked to nobody: the admins get one alert per account and week while it streams (in the alerts channel).',
  ignore: () => 'Accounts linked to nobody: ignored. No plan applies to them and nobody is told.',
  plan: (plan) =>
    `Accounts linked to nobody: each is held to “${plain(plan)}” (one account = one person). Streams over the plan’s stream cap are stopped and the admins alerted. Linking an account to a member puts it on the member’s plan.`,
};

/** The mode as `/enforcement settings` shows it. */
const unlinkedShown = (mode: UnlinkedMode, plan: string | null) =>
  mode === 'plan' ? `plan “${plain(plan ?? '?')}”` : mode;

const SWITCHES: Record<string, Switch> = {
  'stream-caps': 'enforceStreams',
  'download-allotments': 'enforceDownloads',
  'switch-off-downloads': 'disableDownloads',
  'dry-run': 'dryRun',
  'self-link': 'selfLink',
  'hide-addresses': 'hideAddresses',
  'impossible-travel': 'impossibleTravel',
};

const onOff = (b: boolean) => (b ? '**on**' : 'off');

export function describeReport(report: CycleReport): string[] {
  const lines: string[] = [];
  const down = report.servers.filter((s) => !s.ok);
  lines.push(
    `Servers: ${report.servers.length - down.length} of ${report.servers.length} read` +
      (down.length ? ` (${down.map((s) => `${plain(s.name)}: ${s.error}`).join('; ')})` : ''),
  );
  const streams = report.servers.reduce((n, s) => n + s.streams, 0);
  const downloads = report.servers.reduce((n, s) => n + s.downloads, 0);
  lines.push(`Streams playing: ${streams}. Downloads reported: ${downloads}.`);
  if (report.breaches.length === 0) lines.push('Nobody is over their stream cap.');
  for (const b of report.breaches) {
    const what = b.error
      ? `could not finish: ${plain(b.error)}`
      : report.dryRun
        ? 'dry run: nothing stopped'
        : `${b.stopped} stopped${b.notStopped ? `, ${b.notStopped} not stopped` : ''}`;
    lines.push(
      `Over the stream cap: ${plain(b.memberName)}, ${b.count} of ${b.cap} (${what}; ${b.newEpisode ? `DM: ${b.dm}` : 'already notified'}).`,
    );
  }
  for (const q of report.quotas) {
    lines.push(
      `Over the download allotment: ${plain(q.memberName)}, ${q.used} of ${q.allotment}` +
        `${q.notified ? ' (notified)' : ' (already notified this week)'}${q.switchNotes.length ? `; ${q.switchNotes.join('; ')}` : ''}.`,
    );
  }
  if (report.switchesChanged > 0) lines.push(`Download switches updated: ${report.switchesChanged}.`);
  return lines;
}

/** `/enforcement admin-role`: names the role, or clears it; a mistake changes nothing. */
async function adminRole(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<string> {
  const role = interaction.options.getRole('role');
  const clear = interaction.options.getBoolean('clear') ?? false;
  if (role && clear) throw new UserError('Give either `role` or `clear:true`, not both.');
  if (!role && !clear)
    throw new UserError(
      'Name the role: `/enforcement admin-role role:<role>`, or remove it with `/enforcement admin-role clear:true`.',
    );
  await setAdminRole(ctx.db, interaction.user.id, ctx.config.guildId, role?.id ?? null);
  if (!role)
    return 'No admin role: admin commands need Manage Server or an allow in Server Settings → Integrations.';
  return (
    `Members with <@&${role.id}> now count as Streamwarden admins: they can approve or refuse link changes, see ` +
    'other members’ `/quota` and `/history`, and run the admin commands Discord shows them. Discord shows an admin ' +
    'command only to members with Manage Server unless you allow the role on that command in Server Settings → ' +
    'Integrations → Streamwarden.'
  );
}

export const enforcement: Command = {
  adminOnly: true,
  data: new SlashCommandBuilder()
    .setName('enforcement')
    .setDescription('What is enforced, where alerts go, who is an admin, and a manual run')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('settings')
        .setDescription(
          'Show every enforcement setting, the channels and the schedule (bot health: /status)',
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('stream-caps')
        .setDescription('Hold members to their plan’s stream cap: DM, alert, and stop streams over it')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('download-allotments')
        .setDescription('Count downloads against each member’s download allotment; DM and alert when over')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('switch-off-downloads')
        .setDescription(
          'Also switch downloads off on the servers for members over the allotment, until the week turns',
        )
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('dry-run')
        .setDescription('Notify and alert, but never stop a stream or switch downloads off')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('self-link')
        .setDescription('Let members link their own media account with /link (on by default)')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('hide-addresses')
        .setDescription('Leave members’ IP addresses out of alerts (off by default)')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('impossible-travel')
        .setDescription(
          'Alert when one account streams from two places too far apart for the time (off by default)',
        )
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('alerts-channel')
        .setDescription('Where admin alerts are posted')
        .addChannelOption((o) =>
          o
            .setName('channel')
            .setDescription('A text channel the bot can post in')
            .setRequired(true)
            .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('reports-channel')
        .setDescription('Where the weekly report is posted at the turn of the week (leave out to stop it)')
        .addChannelOption((o) =>
          o
            .setName('channel')
            .setDescription('A text channel the bot can post in; leave out for no automatic report')
            .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('unlinked')
        .setDescription('What happens when an account linked to nobody streams (alert by default)')
        .addStringOption((o) =>
          o
            .setName('mode')
            .setDescription(
              'alert: one alert per account and week; ignore: nothing; plan: hold each to a plan',
            )
            .setRequired(true)
            .addChoices(...UNLINKED_MODES.map((m) => ({ name: m, value: m }))),
        )
        .addStringOption((o) =>
          o
            .setName('plan')
            .setDescription('With mode plan: the plan every account linked to nobody is held to')
            .setMaxLength(100)
            .setAutocomplete(true),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('admin-role')
        .setDescription('A role whose members count as Streamwarden admins, besides Manage Server')
        .addRoleOption((o) => o.setName('role').setDescription('The role (your moderators)'))
        .addBooleanOption((o) => o.setName('clear').setDescription('True: no admin role any more')),
    )
    .addSubcommand((s) =>
      s.setName('run-now').setDescription('Run one enforcement cycle now and show what it did'),
    ),

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const actor = interaction.user.id;
    await interaction.deferReply({ flags: 'Ephemeral' });
    const which = SWITCHES[sub];
    if (which) {
      const enabled = interaction.options.getBoolean('enabled', true);
      await setSwitch(ctx.db, actor, which, enabled);
      let switched = '';
      if (which === 'disableDownloads' || which === 'enforceDownloads') {
        const { switchedOn, leftOff } = await ctx.reconcileDownloadSwitches();
        if (!enabled && switchedOn + leftOff > 0)
          switched = `\nDownloads Streamwarden had switched off: ${switchedOn} switched back on, ${leftOff} left off${leftOff > 0 ? ' (retried every cycle)' : ''}.`;
      }
      return respond(interaction, ok(`${SWITCH_LABEL[which]}: ${onOff(enabled)}.${switched}`));
    }
    if (sub === 'alerts-channel') {
      const channel = interaction.options.getChannel('channel', true);
      if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) {
        throw new UserError('Pick a text channel for alerts.');
      }
      await checkAndGreetChannel({
        ...channelCheck(interaction, ctx, channel.id),
        testMessage: 'Streamwarden will post alerts here.',
      });
      await setAlertsChannel(ctx.db, actor, channel.id);
      const { hideAddresses } = await getSettings(ctx.db);
      const warning = await alertsChannelWarning(
        interaction.client.rest,
        ctx.config.guildId,
        channel.id,
        hideAddresses,
      );
      return respond(
        interaction,
        ok(
          `Alerts will be posted in <#${channel.id}> (a test message was posted there).${warning ? `\n\n⚠️ ${warning}` : ''}`,
        ),
      );
    }
    if (sub === 'reports-channel') {
      const channel = interaction.options.getChannel('channel');
      if (
        channel &&
        channel.type !== ChannelType.GuildText &&
        channel.type !== ChannelType.GuildAnnouncement
      ) {
        throw new UserError('Pick a text channel for the weekly report.');
      }
      if (channel)
        await checkAndGreetChannel({
          ...channelCheck(interaction, ctx, channel.id),
          testMessage: 'Streamwarden will post the weekly report here.',
        });
      await setReportsChannel(ctx.db, actor, channel?.id ?? null);
      return respond(
        interaction,
        ok(
          channel
            ? `The weekly report will be posted in <#${channel.id}> every Sunday at 00:00 (${ctx.config.timezone}); a test message was posted there.`
            : 'No weekly report will be posted. `/report week` still shows it on demand.',
        ),
      );
    }
    if (sub === 'unlinked') {
      const mode = interaction.options.getString('mode', true);
      if (!(UNLINKED_MODES as readonly string[]).includes(mode)) {
        throw new UserError(`\`mode\` must be one of: ${UNLINKED_MODES.join(', ')}.`);
      }
      const plan = await setUnlinkedMode(
        ctx.db,
        actor,
        mode as UnlinkedMode,
        interaction.options.getString('plan'),
      );
      return respond(interaction, ok(UNLINKED_WORDS[mode as UnlinkedMode](plan?.name ?? '')));
    }
    if (sub === 'admin-role') return respond(interaction, ok(await adminRole(interaction, ctx)));
    if (sub === 'run-now') {
      const report = await ctx.runCycleNow();
      const e = embed(report.dryRun ? 'Enforcement cycle (dry run)' : 'Enforcement cycle', COLORS.info)
        .setDescription(describeReport(report).join('\n').slice(0, 4000))
        .setFooter({
          text: `Took ${((report.finishedAt.getTime() - report.startedAt.getTime()) / 1000).toFixed(1)} s`,
        });
      return respond(interaction, { embeds: [e] });
    }
    const s = await getSettings(ctx.db);
    const next = ctx.nextRuns();
    const e = embed('Enforcement settings', COLORS.info).addFields(
      ...(Object.keys(SWITCHES) as Array<keyof typeof SWITCHES>).map((k) => {
        const key = SWITCHES[k] as Switch;
        return { name: SWITCH_LABEL[key], value: `${onOff(s[key])} (\`/enforcement ${k}\`)` };
      }),
      {
        name: 'Alerts channel',
        value: s.alertsChannelId ? `<#${s.alertsChannelId}>` : 'not set (`/enforcement alerts-channel`)',
      },
      {
        name: 'Accounts linked to nobody',
        value: `${unlinkedShown(s.unlinkedMode, await unlinkedPlanName(ctx.db, s))} (\`/enforcement unlinked\`)`,
      },
      {
        name: 'Admin role',
        value: s.adminRoleId
          ? `<@&${s.adminRoleId}> (\`/enforcement admin-role\`)`
          : 'none: Manage Server and the allows in Server Settings → Integrations (`/enforcement admin-role`)',
      },
      {
        name: 'Weekly report',
        value: s.reportsChannelId
          ? `posted in <#${s.reportsChannelId}>`
          : 'not posted (`/enforcement reports-channel`)',
      },
      {
        name: 'Schedule',
        value:
          `Poll: \`${ctx.config.pollSchedule}\` (${ctx.config.timezone})` +
          (next.poll ? `, next ${discordTime(next.poll, 'R')}` : '') +
          `\nWeek: Sunday 00:00 to Sunday 00:00, ${ctx.config.timezone}` +
          (next.weeklyReset ? `; next reset ${discordTime(next.weeklyReset, 'R')}` : ''),
      },
    );
    const last = ctx.lastCycle();
    if (last) e.addFields({ name: 'Last cycle', value: discordTime(last.startedAt, 'R') });
    return respond(interaction, { embeds: [e] });
  },

  async autocomplete(interaction, ctx) {
    await suggest(interaction, await planNames(ctx.db));
  },
};
