// Notice templates: the text of every message the bot sends about stream caps, download allotments and servers.
// Admins can replace any
// of them (/template); these pure functions say which placeholders each may use, check an edited template
// and render it. Placeholders are written {name}; literal braces are not supported, so that a typo such as
// "{membr}" or "{member" is reported when the template is saved instead of reaching a member.

export type TemplateName =
  | 'stream-dm'
  | 'stream-onscreen'
  | 'stream-alert'
  | 'stream-email'
  | 'warning'
  | 'download-dm'
  | 'download-alert'
  | 'download-email'
  | 'server-down'
  | 'server-up';

export const TEMPLATE_NAMES: readonly TemplateName[] = [
  'stream-dm',
  'stream-onscreen',
  'stream-alert',
  'stream-email',
  'warning',
  'download-dm',
  'download-alert',
  'download-email',
  'server-down',
  'server-up',
];

const STREAM_PLACEHOLDERS = ['member', 'plan', 'cap', 'count', 'streams'] as const;
const DOWNLOAD_PLACEHOLDERS = ['member', 'plan', 'allotment', 'count', 'resets', 'disabled'] as const;
const SERVER_PLACEHOLDERS = ['server', 'reason'] as const;

/** Which {placeholders} each template may use. The stream alert lists the streams in its own field, not {streams}. */
export const TEMPLATE_PLACEHOLDERS: Record<TemplateName, readonly string[]> = {
  'stream-dm': STREAM_PLACEHOLDERS,
  'stream-onscreen': STREAM_PLACEHOLDERS,
  'stream-alert': ['member', 'plan', 'cap', 'count'],
  'stream-email': STREAM_PLACEHOLDERS,
  warning: [...STREAM_PLACEHOLDERS, 'deadline'],
  'download-dm': DOWNLOAD_PLACEHOLDERS,
  'download-alert': DOWNLOAD_PLACEHOLDERS,
  'download-email': DOWNLOAD_PLACEHOLDERS,
  'server-down': SERVER_PLACEHOLDERS,
  'server-up': SERVER_PLACEHOLDERS,
};

/** What each placeholder is filled with (for /template help). */
export const PLACEHOLDER_DESCRIPTIONS: Readonly<Record<string, string>> = {
  member: "the member's name",
  plan: 'the name of their plan',
  cap: 'the stream cap: streams allowed at once',
  allotment: 'the download allotment: downloads allowed this week',
  count: 'streams playing now, or downloads used this week',
  streams: 'one line per stream: server, device and title',
  resets: 'when the download allotment resets (the week turns)',
  disabled: 'a sentence saying downloads are switched off until the reset, or nothing',
  server: 'the media server name',
  reason: 'why the server could not be reached',
  deadline: 'when the grace period ends (a Discord timestamp: "in 2 minutes")',
};

/**
 * Names that give the same value: a placeholder and its older name, both ways. Templates saved before the rename
 * still say {limit} (the stream cap in stream templates, the download allotment in download templates): it is
 * accepted when a template is saved and filled with the same value as {cap} or {allotment}.
 */
const SAME_VALUE: Readonly<Record<string, readonly string[]>> = {
  cap: ['limit'],
  allotment: ['limit'],
  limit: ['cap', 'allotment'],
};

/** Whether `placeholder` is the older name of one that `name` offers ({limit} for {cap} or {allotment}). */
function isOlderName(name: TemplateName, placeholder: string): boolean {
  if (placeholder !== 'limit') return false;
  return TEMPLATE_PLACEHOLDERS[name].some((p) => p === 'cap' || p === 'allotment');
}

export const DEFAULT_TEMPLATES: Record<TemplateName, string> = {
  'stream-dm':
    'Hi {member}, your plan ({plan}) allows {cap} stream(s) at the same time, and {count} were playing:\n' +
    '{streams}\n' +
    'Please stop the extra stream(s). Streams over your stream cap may be stopped.',
  'stream-onscreen':
    'Too many devices in use: your plan ({plan}) allows {cap} at once. Stop another stream, then try again.',
  'stream-alert': '{member} is over their stream cap: {count} playing, plan {plan} allows {cap}.',
  'stream-email':
    'Hi {member},\n\n' +
    'Your plan ({plan}) allows {cap} stream(s) at the same time, and {count} were playing:\n\n' +
    '{streams}\n\n' +
    'Please stop the extra stream(s) before starting a new one. Streams over your stream cap may be stopped.\n\n' +
    'Thanks for understanding!',
  warning:
    'Hi {member}, your plan ({plan}) allows {cap} stream(s) at the same time, and {count} are playing:\n' +
    '{streams}\n' +
    'Please stop one {deadline}, or pick it below with "Stop this one". If you are still over your stream cap then, ' +
    'streams will be stopped.',
  'download-dm':
    'Hi {member}, you have used {count} of your {allotment} downloads this week (plan {plan}). ' +
    'Your download allotment resets {resets}. {disabled}',
  'download-alert':
    '{member} is over their download allotment: {count} of {allotment} this week (plan {plan}). {disabled}',
  'download-email':
    'Hi {member},\n\n' +
    'You have used {count} of your {allotment} downloads this week (plan {plan}). ' +
    'A download that takes longer than two hours counts again for every further two hours.\n\n' +
    'Your download allotment resets {resets}. {disabled}\n\n' +
    'Thanks for understanding!',
  'server-down':
    '⚠️ {server} cannot be reached: {reason}. Stream caps and download allotments are not enforced on it until it is back.',
  'server-up':
    '✅ {server} is reachable again. Stream caps and download allotments are enforced on it again.',
};

export const TEMPLATE_DESCRIPTIONS: Record<TemplateName, string> = {
  'stream-dm': 'Direct message to a member who is over their stream cap',
  'stream-onscreen': 'Short message shown on the screen of a stream that is stopped (keep it brief: TVs)',
  'stream-alert':
    'Admin-channel alert when a member is over their stream cap (the streams are listed below it)',
  'stream-email': 'Email to a member who is over their stream cap',
  warning: 'Direct message warning a member over their stream cap during their plan’s grace period',
  'download-dm': 'Direct message to a member who is over their download allotment',
  'download-alert': 'Admin-channel alert when a member is over their download allotment',
  'download-email': 'Email to a member who is over their download allotment',
  'server-down': 'Admin-channel alert when a media server cannot be reached',
  'server-up': 'Admin-channel notice when a media server is reachable again',
};

/** Longest template text accepted: on-screen messages are read from a sofa, Discord messages stop at 2000. */
export const TEMPLATE_MAX_LENGTH: Record<TemplateName, number> = {
  'stream-dm': 1500,
  'stream-onscreen': 300,
  'stream-alert': 1500,
  'stream-email': 4000,
  warning: 1500,
  'download-dm': 1500,
  'download-alert': 1500,
  'download-email': 4000,
  'server-down': 500,
  'server-up': 500,
};

export function isTemplateName(s: string): s is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(s);
}

export type TemplateCheck = { ok: true } | { ok: false; problem: string };

/** Checks an edited template; `problem` tells the admin what to change. */
export function validateTemplate(name: TemplateName, text: string): TemplateCheck {
  if (text.trim() === '') return fail(`The ${name} template is empty: write the message text.`);
  const max = TEMPLATE_MAX_LENGTH[name];
  if (text.length > max) {
    return fail(
      `The ${name} template is ${text.length} characters; the limit is ${max}. ` +
        `Shorten it by ${text.length - max} characters.`,
    );
  }
  const braces = findUnbalancedBrace(text);
  if (braces !== null) return fail(braces);
  const allowed = TEMPLATE_PLACEHOLDERS[name];
  const unknown = placeholdersIn(text).filter((p) => !allowed.includes(p) && !isOlderName(name, p));
  if (unknown.length > 0) {
    const listed = [...new Set(unknown)].map((p) => `{${p}}`).join(', ');
    return fail(
      `Unknown placeholder ${listed} in ${name}. Use only: ${allowed.map((p) => `{${p}}`).join(', ')}.`,
    );
  }
  return { ok: true };
}

function fail(problem: string): TemplateCheck {
  return { ok: false, problem };
}

/** Describes the first brace that does not belong to a {placeholder}, or null when all are paired. */
function findUnbalancedBrace(text: string): string | null {
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      if (open !== -1) return braceProblem('{', open, text);
      open = i;
    } else if (ch === '}') {
      if (open === -1) return braceProblem('}', i, text);
      open = -1;
    }
  }
  return open === -1 ? null : braceProblem('{', open, text);
}

function braceProblem(brace: '{' | '}', index: number, text: string): string {
  const near = text.slice(Math.max(0, index - 10), index + 10).replace(/\s+/g, ' ');
  return (
    `Unmatched "${brace}" at character ${index + 1} (near "${near}"). ` +
    'Placeholders are written like {member}; braces cannot be used as plain text.'
  );
}

/** The names between braces, in order (the text is assumed balanced). */
function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_-]*)\}/g;

/**
 * Replaces each {name} that has a value (or whose older or newer name has one: {limit} and {cap}/{allotment});
 * unknown {x} are left as they are. Values are inserted literally
 * (no "$&" patterns, no recursive expansion of braces inside values).
 *
 * Mass-mention guard: a value can be a media-server username chosen by a member, such as "@everyone", "@here" or
 * "<@&123>". Messages are sent with mentions disabled, but as a second line of defence a zero-width space is put
 * after every "@" in a value, so no value can ever become a ping. The template text itself is the admin's and is
 * left untouched.
 */
export function renderTemplate(text: string, values: Record<string, string | number>): string {
  return text.replace(PLACEHOLDER, (match, name: string) => {
    const older = Object.hasOwn(SAME_VALUE, name) ? (SAME_VALUE[name] ?? []) : [];
    const given = [name, ...older].find((n) => Object.hasOwn(values, n));
    return given === undefined ? match : neutraliseMentions(String(values[given]));
  });
}

const ZERO_WIDTH_SPACE = '\u200b';

function neutraliseMentions(value: string): string {
  return value.replaceAll('@', `@${ZERO_WIDTH_SPACE}`);
}
