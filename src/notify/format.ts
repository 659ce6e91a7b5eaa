// Formatting shared by notices and command replies.

/** Mentions off: nothing a member controls (a username, a title) can ping anyone. */
export const NO_MENTIONS = { parse: [] as never[] };

export const COLORS = { ok: 0x2ecc71, info: 0x5865f2, warn: 0xf1c40f, bad: 0xe74c3c } as const;

/** Escapes markdown and breaks @ so that text a member controls renders as typed and never pings. */
export function safe(text: string): string {
  return text.replace(/([\\*_~`|>#[\]])/g, '\\$1').replace(/@/g, '@\u200b');
}

/** A Discord timestamp, shown in each reader's own time zone. */
export const discordTime = (d: Date, style: 'R' | 'f' | 'F' | 'd' | 't') =>
  `<t:${Math.floor(d.getTime() / 1000)}:${style}>`;
