// Pure builders for every notice: template text for the words, embeds for the structure.
import type { APIEmbed } from 'discord.js';
import { number } from '../i18n/format.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import type { ReadWords, StopCode } from '../policy/stop-words.ts';
import { renderTemplate } from '../policy/templates.ts';
import { COLORS, clip, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

export interface StreamLine {
  server: string;
  device: string;
  ipAddress: string | null;
  title: string | null;
  state: string;
  startedAt: Date | null;
  /** What the bot did about it (`stopped`, `cannot-stop` with the server's reason, `dry-run`…). */
  action?: ReadWords;
}

/** A stream's state in the reader's language (the media layer's `playing`, `paused`, `buffering`; else as given). */
function stateIn(t: Translate, state: string): string {
  if (state === 'playing') return t('notices.line.state.playing');
  if (state === 'paused') return t('notices.line.state.paused');
  if (state === 'buffering') return t('notices.line.state.buffering');
  return state;
}

/** What was done with a stream, in the reader's language (a code with its reason; an older row's words as stored). */
export function stopText(t: Translate, w: ReadWords): string {
  if (w.code === null) return w.text;
  const reason = w.reason ?? '';
  const words: Record<StopCode, () => string> = {
    warned: () => t('notices.line.action.warned'),
    kept: () => t('notices.line.action.kept'),
    'dry-run': () => t('notices.line.action.dryRun'),
    'cannot-stop': () =>
      w.reason ? t('notices.line.action.cannotStop', { reason }) : t('notices.line.action.cannotStopServer'),
    'stop-requested': () => t('notices.line.action.stopRequested'),
    'stop-retrying': () => t('notices.line.action.stopRetrying', { reason }),
    'stop-failed': () => t('notices.line.action.stopFailed', { reason }),
    'back-within': () => t('notices.line.action.backWithin'),
    'server-removed': () => t('notices.line.action.serverRemoved'),
    'already-ended': () => t('notices.line.action.alreadyEnded'),
    stopped: () => t('notices.line.action.stopped'),
    ignored: () => t('notices.line.action.ignored'),
    resumed: () => t('notices.line.action.resumed'),
  };
  return words[w.code]();
}

export function streamLine(s: StreamLine, forAdmins: boolean, lang: Language = 'en'): string {
  const t = translator(lang);
  // Device names and titles come from the media server (a member can rename a device): shortened, then escaped.
  const parts = [`**${safe(s.server)}**`, safe(clip(s.device, 80))];
  if (forAdmins && s.ipAddress) parts.push(safe(clip(s.ipAddress, 64)));
  parts.push(s.title ? `“${safe(clip(s.title, 150))}”` : t('notices.line.unknownTitle'), stateIn(t, s.state));
  if (s.startedAt) parts.push(t('notices.line.started', { relative: discordTime(s.startedAt, 'R') }));
  const line = `• ${parts.join(' · ')}`;
  return forAdmins && s.action ? `${line}\n  → ${stopText(t, s.action)}` : line;
}

export interface StreamBreachNotice {
  memberName: string;
  planName: string;
  /** The stream cap (shown as {cap}). */
  limit: number;
  /** Streams counted against the cap (one device counted once; policy `countStreams`), not the number of lines. */
  count: number;
  streams: StreamLine[];
  dryRun: boolean;
}

function streamValues(n: StreamBreachNotice, forAdmins: boolean, lang: Language = 'en') {
  return {
    member: safe(n.memberName),
    plan: safe(n.planName),
    cap: number(lang, n.limit),
    count: number(lang, n.count),
    streams: n.streams.map((s) => streamLine(s, forAdmins, lang)).join('\n'),
  };
}

/** The breach DM, in the member's language (`template` is the owner's text or the default in that language). */
export function streamBreachDm(
  template: string,
  n: StreamBreachNotice,
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const embed: APIEmbed = {
    title: t('notices.breachDm.title'),
    color: COLORS.bad,
    description: renderTemplate(template, streamValues(n, false, lang)),
    fields: [{ name: t('notices.breachDm.whatToDo'), value: t('notices.breachDm.whatToDoValue') }],
  };
  return { embeds: [embed] };
}

/** The email: plain text, one line per stream (no Discord markdown), in the member's language. */
export function streamBreachEmail(
  template: string,
  n: StreamBreachNotice,
  lang: Language = 'en',
): { subject: string; text: string } {
  const t = translator(lang);
  const streams = n.streams.map((l) =>
    t('notices.streamEmail.line', {
      server: l.server,
      device: l.device,
      title: l.title ?? t('notices.line.unknownTitle'),
      state: stateIn(t, l.state),
    }),
  );
  const text = renderTemplate(template, {
    member: n.memberName,
    plan: n.planName,
    cap: number(lang, n.limit),
    count: number(lang, n.count),
    streams: streams.join('\n'),
  });
  return { subject: t('notices.streamEmail.subject'), text };
}

export function streamBreachAlert(
  template: string,
  n: StreamBreachNotice & {
    /** Null for an account linked to nobody (held to the plan of `/enforcement unlinked plan`). */
    discordUserId: string | null;
    dmDelivery: string;
    stopNote: string | null;
    /** Where the episode stands since the alert was posted ("back within the plan …"), or null. */
    now?: string | null;
  },
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const values = streamValues(n, true, lang);
  // The streams are listed once, in their field: a template saved when it still offered {streams} gets nothing.
  const description = renderTemplate(template, { ...values, streams: '' }).trim();
  const fields = [
    n.discordUserId === null
      ? { name: t('notices.alert.unlinkedAccount'), value: safe(n.memberName), inline: true }
      : {
          name: t('notices.alert.member'),
          value: `<@${n.discordUserId}> (${safe(n.memberName)})`,
          inline: true,
        },
    {
      name: t('notices.alert.plan'),
      value: t('notices.alert.planValue', { plan: safe(n.planName), limit: String(n.limit) }),
      inline: true,
    },
    { name: t('notices.alert.streamsNow'), value: String(n.count), inline: true },
    { name: t('notices.alert.streams'), value: values.streams || '—' },
    { name: t('notices.alert.dm'), value: n.dmDelivery },
  ];
  if (n.stopNote) fields.push({ name: t('notices.alert.stopping'), value: n.stopNote });
  if (n.now) fields.push({ name: t('notices.alert.now'), value: n.now });
  const resolved = n.now?.startsWith('Back within the plan') ?? false;
  return {
    embeds: [
      {
        title: n.dryRun ? t('notices.alert.streamCapDryRun') : t('notices.alert.streamCap'),
        color: resolved ? COLORS.ok : COLORS.bad,
        description: description || '—',
        fields,
      },
    ],
  };
}

export function serverStatusAlert(
  template: string,
  up: boolean,
  server: string,
  reason: string | null,
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  return {
    embeds: [
      {
        title: up ? t('notices.alert.serverBack', { server }) : t('notices.alert.serverDown', { server }),
        color: up ? COLORS.ok : COLORS.bad,
        description: renderTemplate(template, { server: safe(server), reason: safe(reason ?? '') }),
      },
    ],
  };
}

/** A capability of a server stopped working ('lost') or works again ('back'); `since` is when it failed. */
export function capabilityAlert(
  kind: 'lost' | 'back',
  server: string,
  capability: string,
  since: Date,
  reason: string | null,
  fix: string | null,
  lang: Language = 'en',
): NoticeMessage {
  const t = translator(lang);
  const description =
    kind === 'lost'
      ? [`${safe(reason ?? 'unknown reason')}`, fix ? `**What to do:** ${safe(fix)}` : null]
      : [`It had failed since ${discordTime(since, 'f')}${reason ? ` (${safe(reason)})` : ''}.`];
  return {
    embeds: [
      {
        title:
          kind === 'lost'
            ? t('notices.alert.capabilityLost', { capability, server })
            : t('notices.alert.capabilityBack', { capability, server }),
        color: kind === 'lost' ? COLORS.warn : COLORS.ok,
        description: description.filter((l) => l !== null).join('\n'),
      },
    ],
  };
}

export function plainAlert(title: string, description: string, ok = false): NoticeMessage {
  return { embeds: [{ title, description: description, color: ok ? COLORS.ok : COLORS.warn }] };
}

/** The custom_id of a warning's "Stop this one" button: the episode and the line (Discord allows 100 characters). */
export const stopButtonId = (episodeId: number, index: number) => `sw-stop|${episodeId}|${index}`;

export function parseStopButtonId(customId: string): { episodeId: number; index: number } | null {
  const m = /^sw-stop\|(\d{1,12})\|(\d{1,3})$/.exec(customId);
  return m ? { episodeId: Number(m[1]), index: Number(m[2]) } : null;
}

export interface WarningNotice extends StreamBreachNotice {
  episodeId: number;
  deadline: Date;
  /** Per line: what was done with it (`stopped`), or null while it plays. */
  done: Array<ReadWords | null>;
  /** `grace` while the member can still choose; `resolved` once back within the plan; `over` after the deadline. */
  phase: 'grace' | 'resolved' | 'over';
}

/**
 * The warning DM of a grace period: the member's streams, numbered, with one "Stop this one" button each (at most
 * 25, Discord's limit of five rows of five). Re-rendered in place as the member stops streams and when the grace
 * ends; the buttons go once nothing is left to choose.
 */
export function streamWarning(template: string, n: WarningNotice, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  const values = streamValues(n, false, lang);
  const lines = n.streams.map((s, i) => {
    const done = n.done[i];
    return `${i + 1}. ${streamLine(s, false, lang).replace(/^• /, '')}${done ? ` · **${safe(stopText(t, done))}**` : ''}`;
  });
  const description = renderTemplate(template, {
    ...values,
    streams: lines.join('\n'),
    deadline: discordTime(n.deadline, 'R'),
  });
  const title =
    n.phase === 'resolved'
      ? t('notices.warning.titleResolved')
      : n.phase === 'over'
        ? t('notices.warning.titleOver')
        : t('notices.warning.titleGrace');
  const deadline = { date: discordTime(n.deadline, 'f'), relative: discordTime(n.deadline, 'R') };
  const fields =
    n.phase === 'resolved'
      ? [{ name: t('notices.warning.allGood'), value: t('notices.warning.allGoodValue') }]
      : n.phase === 'grace'
        ? [{ name: t('notices.warning.decideBy'), value: t('notices.warning.decideByValue', deadline) }]
        : [];
  const buttons =
    n.phase === 'grace'
      ? n.streams.slice(0, 25).map((s, i) => ({
          type: 2 as const,
          style: 4 as const,
          label: clip(t('notices.warning.stopButton', { number: i + 1, device: s.device }), 80),
          custom_id: stopButtonId(n.episodeId, i),
          disabled: n.done[i] !== null,
        }))
      : [];
  const components = [];
  for (let i = 0; i < buttons.length; i += 5)
    components.push({ type: 1 as const, components: buttons.slice(i, i + 5) });
  return {
    embeds: [{ title, color: n.phase === 'resolved' ? COLORS.ok : COLORS.warn, description, fields }],
    components,
  };
}
