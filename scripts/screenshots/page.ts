// One captured message as a static HTML page of Skyra's discord-components, laid out as Discord's dark theme
// shows it: the bot's name and avatar, the embeds (title, description, fields in rows of up to three inline ones,
// colour bar, footer and timestamp) and the buttons (style, label, disabled). Pure: no I/O.
// Payload shapes: https://discord.com/developers/docs/resources/message#embed-object and
// https://discord.com/developers/docs/components/reference#button.
import type { APIEmbed } from 'discord-api-types/v10';
import type { Capture, Shot } from './capture.ts';
import { escapeHtml, type MarkdownContext, markdown } from './markdown.ts';

/** Where the page finds its assets (served from node_modules on loopback). */
export interface PageAssets {
  /** The bundled web components (an ES module). */
  script: string;
  /** Inter's woff2 files by weight. */
  fonts: Record<400 | 500 | 600 | 700, string>;
  emoji: (sequence: string) => string | null;
}

export interface Button {
  type: number;
  style: number;
  label?: string;
  disabled?: boolean;
  url?: string;
  emoji?: { name?: string };
}

/** Button styles: 1 primary, 2 secondary, 3 success, 4 danger, 5 link. */
const BUTTON_TYPES: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'destructive' };

/** The buttons of a message's action rows (type 1 rows of type 2 buttons), in order. */
export const buttonsOf = (components: unknown[]): Button[] =>
  (components as Array<{ type: number; components?: Button[] }>)
    .filter((row) => row.type === 1)
    .flatMap((row) => (row.components ?? []).filter((c) => c.type === 2));

/** A round avatar as an inline SVG (no image is fetched): the bot's shield, or a member's plain colour. */
export function avatar(kind: 'bot' | 'member', color: string): string {
  const shield =
    kind === 'bot'
      ? '<path d="M40 16 60 24v15c0 13-8.5 22-20 26-11.5-4-20-13-20-26V24z" fill="#fff"/><path d="M33 40l5 5 10-11" stroke="' +
        color +
        '" stroke-width="5" fill="none" stroke-linecap="round" stroke-linejoin="round"/>'
      : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 80"><circle cx="40" cy="40" r="40" fill="${color}"/>${shield}</svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

const hex = (color: number | undefined) => `#${(color ?? 0x1e1f22).toString(16).padStart(6, '0')}`;

/** "Today at 8:08 PM", as Discord labels a message sent today. */
export const messageTime = (at: Date) =>
  `Today at ${new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' }).format(at)}`;

/** Discord lays inline fields out in rows of up to three; a field that is not inline takes a row of its own. */
function fieldsHtml(fields: NonNullable<APIEmbed['fields']>, ctx: MarkdownContext): string {
  let column = 0;
  return fields
    .map((f) => {
      column = f.inline ? (column % 3) + 1 : 0;
      const place = f.inline ? ` inline inline-index="${column}"` : '';
      return `<discord-embed-field field-title="${escapeHtml(f.name)}"${place}>${markdown(f.value, ctx)}</discord-embed-field>`;
    })
    .join('');
}

export function embedHtml(e: APIEmbed, ctx: MarkdownContext): string {
  const attrs = [`color="${hex(e.color)}"`];
  if (e.title) attrs.push(`embed-title="${escapeHtml(e.title)}"`);
  if (e.author?.name) attrs.push(`author-name="${escapeHtml(e.author.name)}"`);
  const parts: string[] = [];
  if (e.description)
    parts.push(
      `<discord-embed-description slot="description">${markdown(e.description, ctx)}</discord-embed-description>`,
    );
  if (e.fields?.length)
    parts.push(`<discord-embed-fields slot="fields">${fieldsHtml(e.fields, ctx)}</discord-embed-fields>`);
  if (e.footer?.text || e.timestamp) {
    const when = e.timestamp ? ` timestamp="${escapeHtml(messageTime(new Date(e.timestamp)))}"` : '';
    parts.push(
      `<discord-embed-footer slot="footer"${when}>${escapeHtml(e.footer?.text ?? '')}</discord-embed-footer>`,
    );
  }
  return `<discord-embed slot="embeds" ${attrs.join(' ')}>${parts.join('')}</discord-embed>`;
}

export function buttonHtml(b: Button, emoji: PageAssets['emoji']): string {
  const attrs: string[] = [];
  if (b.style === 5 && b.url) attrs.push(`url="${escapeHtml(b.url)}"`);
  else attrs.push(`type="${BUTTON_TYPES[b.style] ?? 'secondary'}"`);
  if (b.disabled) attrs.push('disabled');
  const image = b.emoji?.name ? emoji(b.emoji.name) : null;
  if (image && b.emoji?.name)
    attrs.push(`emoji="${escapeHtml(image)}" emoji-name="${escapeHtml(b.emoji.name)}"`);
  return `<discord-button ${attrs.join(' ')}>${escapeHtml(b.label ?? '')}</discord-button>`;
}

function componentsHtml(components: unknown[], emoji: PageAssets['emoji']): string {
  const rows = (components as Array<{ type: number; components?: Button[] }>).filter((r) => r.type === 1);
  if (rows.length === 0) return '';
  const html = rows
    .map(
      (r) =>
        `<discord-action-row>${buttonsOf([r])
          .map((b) => buttonHtml(b, emoji))
          .join('')}</discord-action-row>`,
    )
    .join('');
  return `<discord-attachments slot="components">${html}</discord-attachments>`;
}

/** The `<discord-messages>` element for one shot. */
export function messageHtml(
  shot: Shot,
  capture: Pick<Capture, 'botName' | 'users' | 'channels'>,
  assets: PageAssets,
) {
  const ctx: MarkdownContext = {
    users: capture.users,
    channels: capture.channels,
    now: shot.at,
    emoji: assets.emoji,
  };
  const { payload } = shot;
  const reply = shot.command
    ? `<discord-command slot="reply" author="${escapeHtml(shot.command.user)}" avatar="${avatar('member', '#3ba55c')}" command="/${escapeHtml(shot.command.name)}"></discord-command>`
    : '';
  const body = [
    reply,
    payload.content ? markdown(payload.content, ctx) : '',
    ...payload.embeds.map((e) => embedHtml(e, ctx)),
    componentsHtml(payload.components, assets.emoji),
  ].join('');
  const flags = payload.ephemeral ? ' ephemeral' : '';
  return `<discord-messages><discord-message author="${escapeHtml(capture.botName)}" avatar="${avatar('bot', '#5865f2')}" bot timestamp="${escapeHtml(messageTime(shot.at))}"${flags}>${body}</discord-message></discord-messages>`;
}

/** A whole page: fonts from node_modules (Inter under the family name the components ask for first), one message. */
export function pageHtml(inner: string, assets: PageAssets, width: number): string {
  const faces = Object.entries(assets.fonts)
    .map(
      ([weight, url]) =>
        `@font-face{font-family:'gg sans';src:url(${url}) format('woff2');font-weight:${weight};font-style:normal}`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Streamwarden</title>
<style>
${faces}
html,body{margin:0;background:#313338}
#shot{width:${width}px}
discord-messages{background-color:#313338;border:none;padding:4px 0}
img.emoji{width:1.375em;height:1.375em;vertical-align:bottom;object-fit:contain}
span.line{display:block;min-height:1.375em}
discord-embed-fields{grid-template-columns:repeat(12,minmax(0,1fr))}
</style>
<script type="module" src="${escapeHtml(assets.script)}"></script>
</head><body><div id="shot">${inner}</div></body></html>`;
}
