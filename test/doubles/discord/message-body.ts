import type { APIEmbed } from 'discord-api-types/v10';

/** What a REST handler answers: status plus optional JSON body (none for 204). */
export interface RouteResult {
  status: number;
  body?: unknown;
}

export function apiError(status: number, code: number, message: string, errors?: unknown): RouteResult {
  return { status, body: errors === undefined ? { message, code } : { message, code, errors } };
}

export const notFound = (): RouteResult => apiError(404, 0, '404: Not Found');
export const unauthorized = (): RouteResult => apiError(401, 0, '401: Unauthorized');

/** A parsed request body: the JSON object (multipart: `payload_json`) plus uploaded file names. */
export interface ParsedBody {
  /** What gets recorded: parsed JSON, raw text, or null when empty. */
  recorded: unknown;
  json: Record<string, unknown>;
  files: string[];
  /** The uploaded file parts (`files[n]`), with their bytes. */
  uploads: Upload[];
}

export interface Upload {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { recorded: null, json: {}, files: [], uploads: [] };
  const text = raw.toString('utf8');
  // discord.js sends attachments as multipart/form-data with the JSON in a `payload_json` part.
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), {
      headers: { 'content-type': contentType },
    }).formData();
    const files: string[] = [];
    const uploads: Upload[] = [];
    let json: Record<string, unknown> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value !== 'string') {
        files.push(value.name);
        uploads.push({
          field: name,
          name: value.name,
          contentType: value.type,
          data: Buffer.from(await value.arrayBuffer()),
        });
      } else if (name === 'payload_json') json = parseJsonObject(value);
    }
    return { recorded: text, json, files, uploads };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return { recorded: parsed, json: isRecord(parsed) ? parsed : {}, files: [], uploads: [] };
  } catch {
    return { recorded: text, json: {}, files: [], uploads: [] };
  }
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** Message fields of a create/edit body; a key is present only when the body carried it (PATCH semantics). */
export interface MessageFields {
  content?: string | null;
  embeds?: APIEmbed[];
  components?: unknown[];
  allowedMentions?: unknown;
  flags?: number;
  files: string[];
}

export function messageFields(json: Record<string, unknown>, files: string[] = []): MessageFields {
  const fields: MessageFields = { files };
  if ('content' in json) fields.content = typeof json.content === 'string' ? json.content : null;
  if (Array.isArray(json.embeds)) fields.embeds = json.embeds as APIEmbed[];
  if (Array.isArray(json.components)) fields.components = json.components;
  if ('allowed_mentions' in json) fields.allowedMentions = json.allowed_mentions;
  if (typeof json.flags === 'number') fields.flags = json.flags;
  return fields;
}

/** Applies the fields present in an edit (PATCH semantics) to a message or reply view. */
export function applyFields(
  target: { content: string | null; embeds: APIEmbed[]; components: unknown[]; allowedMentions: unknown },
  fields: MessageFields,
): void {
  if ('content' in fields) target.content = fields.content ?? null;
  if (fields.embeds) target.embeds = fields.embeds;
  if (fields.components) target.components = fields.components;
  if ('allowedMentions' in fields) target.allowedMentions = fields.allowedMentions;
}

const EPHEMERAL = 64;
export const isEphemeral = (flags: number | undefined): boolean => ((flags ?? 0) & EPHEMERAL) !== 0;

type FieldErrors = Record<string, unknown>;

function addError(errors: FieldErrors, path: Array<string | number>, code: string, message: string): void {
  let node = errors;
  for (const key of path) {
    const next = (node[String(key)] ?? {}) as FieldErrors;
    node[String(key)] = next;
    node = next;
  }
  node._errors = [{ code, message }];
}

/**
 * Discord's own limits on a message (content 2000, 10 embeds, embed text limits, 6000 in total) and the
 * "empty message" rule, answered with the same error codes (50035 / 50006) so bot bugs surface in tests.
 */
export function validateMessage(fields: MessageFields, requireBody: boolean): RouteResult | null {
  const errors: FieldErrors = {};
  const maxLength = (path: Array<string | number>, value: unknown, max: number) => {
    if (typeof value === 'string' && value.length > max) {
      addError(errors, path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    }
  };
  maxLength(['content'], fields.content, 2000);
  const embeds = fields.embeds ?? [];
  if (embeds.length > 10)
    addError(errors, ['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((embed, i) => {
    maxLength(['embeds', i, 'title'], embed.title, 256);
    maxLength(['embeds', i, 'description'], embed.description, 4096);
    maxLength(['embeds', i, 'footer', 'text'], embed.footer?.text, 2048);
    maxLength(['embeds', i, 'author', 'name'], embed.author?.name, 256);
    const embedFields = embed.fields ?? [];
    if (embedFields.length > 25) {
      addError(errors, ['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
    embedFields.forEach((field, j) => {
      maxLength(['embeds', i, 'fields', j, 'name'], field.name, 256);
      maxLength(['embeds', i, 'fields', j, 'value'], field.value, 1024);
      if (!field.name || !field.value) {
        addError(errors, ['embeds', i, 'fields', j], 'BASE_TYPE_REQUIRED', 'This field is required');
      }
      total += (field.name?.length ?? 0) + (field.value?.length ?? 0);
    });
    total += [embed.title, embed.description, embed.footer?.text, embed.author?.name].reduce(
      (sum, text) => sum + (text?.length ?? 0),
      0,
    );
  });
  if (total > 6000)
    addError(errors, ['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  if (Object.keys(errors).length > 0) return apiError(400, 50035, 'Invalid Form Body', errors);
  const empty =
    !fields.content &&
    embeds.length === 0 &&
    (fields.components ?? []).length === 0 &&
    fields.files.length === 0;
  if (requireBody && empty) return apiError(400, 50006, 'Cannot send an empty message');
  return null;
}
