// Discord's message markdown, as far as the bot's messages use it, turned into the HTML of Skyra's
// discord-components (bold, italic, underline, strike, inline code, mentions, `<t:…>` timestamps as the text a
// reader sees, ordered and bulleted lists, quotes, headings). Pure: the page builder passes names and the clock.
// Rules as Discord documents them: https://support.discord.com/hc/en-us/articles/210298617 (markdown) and
// https://discord.com/developers/docs/reference#message-formatting (mentions and timestamp styles).

export interface MarkdownContext {
  /** Display names by user id, channel names by channel id, role names by role id. */
  users: Record<string, string>;
  channels: Record<string, string>;
  roles?: Record<string, string>;
  /** The moment the message is looked at: what `<t:…:R>` is relative to. */
  now: Date;
  /** The image for an emoji sequence (Discord draws Twemoji), or null to leave it as text. */
  emoji?: (sequence: string) => string | null;
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const UTC = { timeZone: 'UTC' } as const;
const STYLES: Record<string, Intl.DateTimeFormatOptions> = {
  t: { ...UTC, hour: 'numeric', minute: '2-digit' },
  T: { ...UTC, hour: 'numeric', minute: '2-digit', second: '2-digit' },
  d: { ...UTC, day: '2-digit', month: '2-digit', year: 'numeric' },
  D: { ...UTC, day: 'numeric', month: 'long', year: 'numeric' },
  f: { ...UTC, day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit' },
  F: {
    ...UTC,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  },
};

/** "in 2 minutes", "4 minutes ago", "a day ago": the steps Discord's client uses (moment.js `fromNow`). */
export function relativeTime(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  const s = Math.abs(ms) / 1000;
  const round = (n: number) => Math.round(n);
  const span =
    s < 45
      ? 'a few seconds'
      : s < 90
        ? 'a minute'
        : s < 45 * 60
          ? `${round(s / 60)} minutes`
          : s < 90 * 60
            ? 'an hour'
            : s < 22 * 3600
              ? `${round(s / 3600)} hours`
              : s < 36 * 3600
                ? 'a day'
                : s < 26 * 86400
                  ? `${round(s / 86400)} days`
                  : s < 45 * 86400
                    ? 'a month'
                    : s < 320 * 86400
                      ? `${round(s / (30 * 86400))} months`
                      : s < 548 * 86400
                        ? 'a year'
                        : `${round(s / (365 * 86400))} years`;
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

/** What a reader sees for `<t:seconds:style>` (the zone is UTC, as the example bot runs in). */
export function timestampText(seconds: number, style: string, now: Date): string {
  const at = new Date(seconds * 1000);
  if (style === 'R') return relativeTime(at, now);
  return new Intl.DateTimeFormat('en-US', STYLES[style] ?? STYLES.f).format(at);
}

// One alternative per inline construct, leftmost first; the lazy inner groups are parsed again.
const INLINE =
  /\\([^\w\s])|`([^`]+)`|<t:(-?\d+)(?::([tTdDfFR]))?>|<@!?(\d+)>|<#(\d+)>|<@&(\d+)>|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|\*\*(.+?)\*\*|__(.+?)__|~~(.+?)~~|\*(?=\S)(.+?)\*(?!\*)|\b_(.+?)_\b/su;

const EMOJI =
  /\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}])?(?:\u200D\p{Extended_Pictographic}\uFE0F?)*/gu;

function plainText(text: string, ctx: MarkdownContext): string {
  if (!ctx.emoji) return escapeHtml(text);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(EMOJI)) {
    const url = ctx.emoji(m[0]);
    if (!url) continue;
    out += escapeHtml(text.slice(last, m.index));
    out += `<img class="emoji" alt="${escapeHtml(m[0])}" src="${escapeHtml(url)}">`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

/** One line (or a run of text) of inline markdown. */
export function inline(text: string, ctx: MarkdownContext): string {
  let out = '';
  let rest = text;
  for (let m = INLINE.exec(rest); m; m = INLINE.exec(rest)) {
    out += plainText(rest.slice(0, m.index), ctx);
    rest = rest.slice(m.index + m[0].length);
    const [, escaped, code, ts, style, user, channel, role, label, href, bold, under, strike, it1, it2] = m;
    if (escaped !== undefined) out += escapeHtml(escaped);
    else if (code !== undefined) out += `<discord-code>${escapeHtml(code)}</discord-code>`;
    else if (ts !== undefined)
      out += `<discord-time>${escapeHtml(timestampText(Number(ts), style ?? 'f', ctx.now))}</discord-time>`;
    else if (user !== undefined)
      out += `<discord-mention type="user">${escapeHtml(ctx.users[user] ?? 'unknown-user')}</discord-mention>`;
    else if (channel !== undefined)
      out += `<discord-mention type="channel">${escapeHtml(ctx.channels[channel] ?? 'unknown')}</discord-mention>`;
    else if (role !== undefined)
      out += `<discord-mention type="role">${escapeHtml(ctx.roles?.[role] ?? 'unknown-role')}</discord-mention>`;
    else if (label !== undefined && href !== undefined)
      out += `<discord-link href="${escapeHtml(href)}">${inline(label, ctx)}</discord-link>`;
    else if (bold !== undefined) out += `<discord-bold>${inline(bold, ctx)}</discord-bold>`;
    else if (under !== undefined) out += `<discord-underlined>${inline(under, ctx)}</discord-underlined>`;
    else if (strike !== undefined) out += `<s>${inline(strike, ctx)}</s>`;
    else out += `<discord-italic>${inline(it1 ?? it2 ?? '', ctx)}</discord-italic>`;
  }
  return out + plainText(rest, ctx);
}

type Block = { kind: 'text' | 'ol' | 'ul' | 'quote'; lines: string[]; start?: number };

/** Text with its block structure: lists, quotes and headings at the start of a line, the rest kept as lines. */
export function markdown(text: string, ctx: MarkdownContext): string {
  const blocks: Block[] = [];
  for (const line of text.split('\n')) {
    const ol = /^(\d{1,9})\. (.*)$/.exec(line);
    const ul = /^[-*] (.*)$/.exec(line);
    const quote = /^> ?(.*)$/.exec(line);
    const kind = ol ? 'ol' : ul ? 'ul' : quote ? 'quote' : 'text';
    const body = ol?.[2] ?? ul?.[1] ?? quote?.[1] ?? line;
    const last = blocks.at(-1);
    if (last?.kind === kind) last.lines.push(body);
    else blocks.push({ kind, lines: [body], ...(ol ? { start: Number(ol[1]) } : {}) });
  }
  return blocks
    .map((b) => {
      const items = b.lines.map((l) => `<discord-list-item>${inline(l, ctx)}</discord-list-item>`).join('');
      if (b.kind === 'ol')
        return `<discord-ordered-list start="${b.start ?? 1}">${items}</discord-ordered-list>`;
      if (b.kind === 'ul') return `<discord-unordered-list>${items}</discord-unordered-list>`;
      if (b.kind === 'quote')
        return `<discord-quote>${b.lines.map((l) => inline(l, ctx)).join('<br>')}</discord-quote>`;
      return b.lines
        .map((l) => {
          const heading = /^(#{1,3}) (.*)$/.exec(l);
          if (heading)
            return `<discord-header level="${heading[1]!.length}">${inline(heading[2]!, ctx)}</discord-header>`;
          return `<span class="line">${inline(l, ctx)}</span>`;
        })
        .join('');
    })
    .join('');
}
