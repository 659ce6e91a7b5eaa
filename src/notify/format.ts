// Formatting shared by notices and command replies, and the one place where Discord's size limits are enforced.
import { type APIEmbed, escapeMarkdown, type TimestampStylesString, time } from 'discord.js';

/** Mentions off: nothing a member controls (a username, a title) can ping anyone. */
export const NO_MENTIONS = { parse: [] as never[] };

export const COLORS = { ok: 0x2ecc71, info: 0x5865f2, warn: 0xf1c40f, bad: 0xe74c3c } as const;

/** Discord's message limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  /** Title, description, field names and values, footer and author of all embeds of one message together. */
  total: 6000,
} as const;

/** Shortens text to `max` characters, ending with an ellipsis; never splits a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Escapes markdown (discord.js `escapeMarkdown`, plus headings, bulleted lists, masked links and quotes) and breaks @ so
 * that text a member controls renders as typed and never pings or looks like a mention.
 */
export function safe(text: string): string {
  return escapeMarkdown(text, { heading: true, bulletedList: true, maskedLink: true })
    .replace(/^>/gm, '\\>')
    .replace(/@/g, '@\u200b');
}

/** Text a member or a server controls, quoted inside a sentence: shortened first, then escaped. */
export function quoted(text: string, max = 100): string {
  return `“${safe(clip(text, max))}”`;
}

/** A Discord timestamp (discord.js `time`), shown in each reader's own time zone. */
export const discordTime = (d: Date, style: TimestampStylesString) => time(d, style);

const nonEmpty = (text: string | undefined, max: number): string | undefined =>
  text === undefined || text === '' ? undefined : clip(text, max);

/** Size of an embed as Discord counts it against the 6,000-character total. */
export function embedSize(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/**
 * Makes one embed fit Discord's limits within `budget` characters: every text is shortened with an ellipsis, empty
 * field texts (which Discord refuses) become "—", and when the total is still too large the description and then
 * the field values shrink, and finally the last fields are dropped.
 */
export function fitEmbed(input: APIEmbed, budget: number = LIMITS.total): APIEmbed {
  const e: APIEmbed = { ...input };
  e.title = nonEmpty(e.title, LIMITS.title);
  e.description = nonEmpty(e.description, LIMITS.description);
  if (e.footer) e.footer = { ...e.footer, text: clip(e.footer.text || '—', LIMITS.footer) };
  if (e.author) e.author = { ...e.author, name: clip(e.author.name || '—', LIMITS.author) };
  if (e.fields) {
    e.fields = e.fields.slice(0, LIMITS.fields).map((f) => ({
      ...f,
      name: clip(f.name || '—', LIMITS.fieldName),
      value: clip(f.value || '—', LIMITS.fieldValue),
    }));
  }
  for (const key of Object.keys(e) as (keyof APIEmbed)[]) if (e[key] === undefined) delete e[key];
  let excess = embedSize(e) - budget;
  if (excess > 0 && e.description) {
    const keep = Math.max(1, e.description.length - excess);
    excess -= e.description.length - keep;
    e.description = clip(e.description, keep);
  }
  const fields = e.fields ?? [];
  for (let i = fields.length - 1; excess > 0 && i >= 0; i--) {
    const f = fields[i] as { name: string; value: string };
    const keep = Math.max(1, f.value.length - excess);
    excess -= f.value.length - keep;
    f.value = clip(f.value, keep);
  }
  while (excess > 0 && fields.length > 0) excess -= (fields.pop()?.name.length ?? 0) + 1;
  if (excess > 0 && e.title) e.title = clip(e.title, Math.max(1, e.title.length - excess));
  return e;
}

/** Makes a whole message fit: content shortened, at most 10 embeds sharing the 6,000-character total. */
export function fitMessage<T extends { content?: string; embeds?: APIEmbed[] }>(message: T): T {
  const out: T = { ...message };
  if (out.content !== undefined) out.content = clip(out.content, LIMITS.content);
  if (out.embeds) {
    let budget: number = LIMITS.total;
    const fitted: APIEmbed[] = [];
    for (const e of out.embeds.slice(0, LIMITS.embeds)) {
      const one = fitEmbed(e, budget);
      if (embedSize(one) > budget) break; // a later embed with no room left is dropped, never sent oversized
      budget -= embedSize(one);
      fitted.push(one);
    }
    out.embeds = fitted;
  }
  return out;
}
