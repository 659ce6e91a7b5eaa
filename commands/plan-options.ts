// The options /plan create and /plan edit share, and a plan in words.
import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import type { HomeStreams, OverQuotaAction, PausedAction, TranscodeRule } from '../src/db/schema.ts';
import { plain } from '../src/discord/reply.ts';
import { describeOverQuota } from '../src/policy/over-quota.ts';
import { describePausedRule } from '../src/policy/paused.ts';
import { describeTranscodeRule } from '../src/policy/transcodes.ts';

/** How a plan treats a breach, in words: grace, stop rule, counting. */
export const breachRules = (p: { graceSeconds: number; stopRule: string; countBy: string }) =>
  [
    p.graceSeconds > 0 ? `${p.graceSeconds} s grace with a warning` : 'no grace',
    p.stopRule === 'newest' ? 'stops only the newest streams' : 'stops every stream',
    p.countBy === 'locations' ? 'one location (IP address) counts once' : 'every stream counts',
  ].join(', ');

export const describePlan = (p: {
  name: string;
  streamCap: number;
  downloadsAllowed: boolean;
  weeklyDownloads: number | null;
  graceSeconds: number;
  stopRule: string;
  countBy: string;
  pausedLimitMinutes: number;
  pausedAction: PausedAction;
  homeStreams: HomeStreams;
  households: number;
  transcodes: TranscodeRule;
  transcodeCap: number | null;
  downloadsOverQuota: OverQuotaAction | null;
}) =>
  `**${plain(p.name)}**: stream cap ${p.streamCap}; ` +
  (p.downloadsAllowed
    ? `downloads allowed, download allotment ${p.weeklyDownloads ?? 0} a week, over it: ${describeOverQuota(p)}`
    : 'no downloads') +
  `; ${breachRules(p)}; paused streams: ${pausedWords(p)}; streams at home: ${homeWords(p)}` +
  `; households: ${householdsWords(p.households)}; converted streams: ${transcodeWords(p)}`;

/** The home-streams rule in words, for /plan. */
export const homeWords = (p: { homeStreams: HomeStreams }) =>
  p.homeStreams === 'free'
    ? 'not counted (from the server’s own networks, `/server networks`)'
    : 'counted like any other';

/** The households rule in words: "alert past 2 places a day", or "no flag". */
export const householdsWords = (n: number) =>
  n > 0 ? `alert past ${n} place${n === 1 ? '' : 's'} a day` : 'no flag';

/** The transcode rule in words: "no 4K conversions, at most 2 converted at once", or "allowed". */
export const transcodeWords = (p: { transcodes: TranscodeRule; transcodeCap: number | null }) =>
  describeTranscodeRule({ rule: p.transcodes, cap: p.transcodeCap }) ?? 'allowed';

/** The transcode options as the service takes them (absent when not given). */
export function transcodeOptions(interaction: ChatInputCommandInteraction): {
  transcodes?: TranscodeRule;
  transcodeCap?: number;
} {
  const rule = interaction.options.getString('transcodes');
  const cap = interaction.options.getInteger('transcode-cap');
  return {
    ...(rule === 'allow' || rule === 'no-4k' || rule === 'none' ? { transcodes: rule } : {}),
    ...(cap !== null ? { transcodeCap: cap } : {}),
  };
}

/** The plan's stream cap, downloads and rules: required when creating, each optional when editing. */
export function planOptions(
  s: SlashCommandSubcommandBuilder,
  required: boolean,
): SlashCommandSubcommandBuilder {
  return s
    .addIntegerOption((o) =>
      o
        .setName('stream-cap')
        .setDescription('Stream cap: streams allowed at once')
        .setRequired(required)
        .setMinValue(1)
        .setMaxValue(100),
    )
    .addBooleanOption((o) =>
      o.setName('downloads').setDescription('Are mobile downloads allowed?').setRequired(required),
    )
    .addIntegerOption((o) =>
      o
        .setName('download-allotment')
        .setDescription(
          'Download allotment: downloads a week (a member’s own, set with /user allotment, wins)',
        )
        .setMinValue(0)
        .setMaxValue(10000),
    )
    .addIntegerOption((o) =>
      o
        .setName('grace')
        .setDescription('Seconds a breach must last before anything is stopped (0–900; default 0)')
        .setMinValue(0)
        .setMaxValue(900),
    )
    .addStringOption((o) =>
      o
        .setName('stop')
        .setDescription('What to stop when over the stream cap (default: all)')
        .addChoices(
          { name: 'all: every stream of the member', value: 'all' },
          { name: 'newest: only as many of the newest as needed', value: 'newest' },
        ),
    )
    .addStringOption((o) =>
      o
        .setName('count')
        .setDescription('What counts against the stream cap (default: streams)')
        .addChoices(
          { name: 'streams: every stream', value: 'streams' },
          { name: 'locations: streams from one IP address count as one', value: 'locations' },
        ),
    )
    .addIntegerOption((o) =>
      o
        .setName('paused-limit')
        .setDescription(
          'Minutes a stream may stay paused before paused-action applies (0–1440; default 0: never)',
        )
        .setMinValue(0)
        .setMaxValue(1440),
    )
    .addStringOption((o) =>
      o
        .setName('paused-action')
        .setDescription('What happens to a stream paused for more than those minutes (default: stop)')
        .addChoices(
          { name: 'stop: stop it and tell the member why', value: 'stop' },
          { name: 'uncount: it no longer counts against the stream cap', value: 'uncount' },
        ),
    )
    .addStringOption((o) =>
      o
        .setName('home-streams')
        .setDescription('Streams from the server’s own networks (/server networks) (default: count)')
        .addChoices(
          { name: 'count: they count like any other', value: 'count' },
          { name: 'free: they do not count against the stream cap', value: 'free' },
        ),
    )
    .addStringOption((o) =>
      o
        .setName('transcodes')
        .setDescription('Whether the server may convert (transcode) the video (default: allow)')
        .addChoices(
          { name: 'allow: any conversion', value: 'allow' },
          { name: 'no-4k: never convert a 4K original', value: 'no-4k' },
          { name: 'none: no conversions, original quality only', value: 'none' },
        ),
    )
    .addIntegerOption((o) =>
      o
        .setName('households')
        .setDescription(
          'Networks one account may stream from in a day before admins are alerted (0–20; default 0: off)',
        )
        .setMinValue(0)
        .setMaxValue(20),
    )
    .addIntegerOption((o) =>
      o
        .setName('transcode-cap')
        .setDescription('Converted video streams allowed at once, across servers (0–100; default 0: no cap)')
        .setMinValue(0)
        .setMaxValue(100),
    )
    .addStringOption((o) =>
      o
        .setName('downloads-over-quota')
        .setDescription(
          'What happens over the download allotment (default: as /enforcement switch-off-downloads)',
        )
        .addChoices(
          { name: 'default: as /enforcement switch-off-downloads says', value: 'default' },
          { name: 'warn: tell the member and the admins only', value: 'warn' },
          { name: 'switch-off: switch downloads off until the week ends', value: 'switch-off' },
          { name: 'cancel: cancel downloads in progress (switch off where not possible)', value: 'cancel' },
        ),
    );
}

/** The `downloads-over-quota` option as the service takes it: null for `default`, absent when not given. */
export function overQuotaOption(interaction: ChatInputCommandInteraction): {
  overQuota?: OverQuotaAction | null;
} {
  const v = interaction.options.getString('downloads-over-quota');
  if (v === 'default') return { overQuota: null };
  return v === 'warn' || v === 'switch-off' || v === 'cancel' ? { overQuota: v } : {};
}

/** The paused-limit rule in words: "stopped after 20 min", or "no limit". */
export const pausedWords = (p: { pausedLimitMinutes: number; pausedAction: PausedAction }) =>
  describePausedRule({ limitMinutes: p.pausedLimitMinutes, action: p.pausedAction }) ?? 'no limit';

/** The paused-limit and households options as the service takes them (absent when not given). */
export function pausedOptions(interaction: ChatInputCommandInteraction): {
  pausedLimit?: number;
  pausedAction?: PausedAction;
  households?: number;
} {
  const limit = interaction.options.getInteger('paused-limit');
  const action = interaction.options.getString('paused-action');
  const households = interaction.options.getInteger('households');
  return {
    ...(limit !== null ? { pausedLimit: limit } : {}),
    ...(households !== null ? { households } : {}),
    ...(action === 'stop' || action === 'uncount' ? { pausedAction: action } : {}),
  };
}

/** The home-streams option as the service takes it (absent when not given). */
export function homeOption(interaction: ChatInputCommandInteraction): { homeStreams?: HomeStreams } {
  const value = interaction.options.getString('home-streams');
  return value === 'count' || value === 'free' ? { homeStreams: value } : {};
}

export const stopOption = (v: string | null) => (v === 'all' || v === 'newest' ? v : undefined);
export const countOption = (v: string | null) => (v === 'streams' || v === 'locations' ? v : undefined);
