import { apiError, applyFields, messageFields, validateMessage } from './message-body.ts';
import { messagePayload } from './payloads.ts';
import type { Route, RouteContext } from './rest.ts';

/** POST /channels/{id}/messages: guild text/voice channels and DM channels opened via POST /users/@me/channels. */
function createMessage(ctx: RouteContext) {
  const { state } = ctx;
  const channelId = ctx.params[0] ?? '';
  const guildChannel = state.channels.get(channelId);
  const recipient = state.dmRecipient(channelId);
  if (!guildChannel && recipient === undefined) return apiError(404, 10003, 'Unknown Channel');
  if (guildChannel?.type === 'category')
    return apiError(400, 50008, 'Cannot send messages in a non-text channel');
  if (recipient !== undefined && state.closedDms.has(recipient)) {
    return apiError(403, 50007, 'Cannot send messages to this user');
  }
  const fields = messageFields(ctx.json, ctx.files);
  const invalid = validateMessage(fields, true);
  if (invalid) return invalid;
  const nonce = ctx.json.nonce;
  if (nonce !== undefined && (typeof nonce === 'string' ? nonce.length > 25 : typeof nonce !== 'number'))
    return apiError(400, 50035, 'Invalid Form Body', {
      nonce: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] },
    });
  const nonceKey = ctx.json.enforce_nonce === true && nonce !== undefined ? `${channelId}:${nonce}` : null;
  const earlier = nonceKey ? state.nonces.get(nonceKey) : undefined;
  if (earlier && Date.now() - earlier.at < state.nonceWindowMs)
    return { status: 200, body: messagePayload(state, earlier.message) };
  const message = state.newMessage(channelId, fields, fields.flags ?? 0);
  state.storeMessage(message);
  if (nonceKey) state.nonces.set(nonceKey, { message, at: Date.now() });
  return { status: 200, body: messagePayload(state, message) };
}

/**
 * GET /channels/{id}/messages (https://discord.com/developers/docs/resources/message#get-channel-messages): the
 * latest messages first, `limit` 1–100 (default 50), `before`/`after` a message id. A fetched message carries no
 * nonce: Discord does not store it with the message (discord.py #2451; it is echoed only in the create answer and
 * the MESSAGE_CREATE event).
 */
function listMessages(ctx: RouteContext) {
  const { state } = ctx;
  const channelId = ctx.params[0] ?? '';
  if (!state.channels.get(channelId) && state.dmRecipient(channelId) === undefined)
    return apiError(404, 10003, 'Unknown Channel');
  const limit = Number(ctx.query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return apiError(400, 50035, 'Invalid Form Body', { limit: { _errors: [{ code: 'NUMBER_TYPE_MAX' }] } });
  const before = ctx.query.get('before');
  const after = ctx.query.get('after');
  const messages = (state.messagesByChannel.get(channelId) ?? [])
    .filter(
      (m) => (before ? BigInt(m.id) < BigInt(before) : true) && (after ? BigInt(m.id) > BigInt(after) : true),
    )
    .reverse()
    .slice(0, limit);
  return { status: 200, body: messages.map((m) => messagePayload(state, m)) };
}

/** PATCH /channels/{id}/messages/{id}: edits a message posted earlier (e.g. an alert updated in place). */
function editMessage(ctx: RouteContext) {
  const message = ctx.state.findMessage(ctx.params[0] ?? '', ctx.params[1] ?? '');
  if (!message) return apiError(404, 10008, 'Unknown Message');
  const fields = messageFields(ctx.json, ctx.files);
  const invalid = validateMessage(fields, false);
  if (invalid) return invalid;
  applyFields(message, fields);
  message.editedTimestamp = new Date().toISOString();
  return { status: 200, body: messagePayload(ctx.state, message) };
}

const WEBHOOK_MESSAGE = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/;

export function messageRoutes(): Route[] {
  return [
    { method: 'POST', pattern: /^\/channels\/(\d+)\/messages$/, auth: true, handle: createMessage },
    { method: 'GET', pattern: /^\/channels\/(\d+)\/messages$/, auth: true, handle: listMessages },
    { method: 'PATCH', pattern: /^\/channels\/(\d+)\/messages\/(\d+)$/, auth: true, handle: editMessage },
    {
      method: 'POST',
      pattern: /^\/interactions\/(\d+)\/([^/]+)\/callback$/,
      auth: false,
      handle: ({ tracker, params, query, json, files }) =>
        tracker.callback(
          params[0] ?? '',
          params[1] ?? '',
          json,
          files,
          query.get('with_response') === 'true',
        ),
    },
    {
      method: 'PATCH',
      pattern: WEBHOOK_MESSAGE,
      auth: false,
      handle: ({ tracker, params: [app = '', token = '', id = ''], json, files }) =>
        tracker.edit(app, token, id, json, files),
    },
    {
      method: 'GET',
      pattern: WEBHOOK_MESSAGE,
      auth: false,
      handle: ({ tracker, params: [app = '', token = '', id = ''] }) => tracker.get(app, token, id),
    },
    {
      method: 'DELETE',
      pattern: WEBHOOK_MESSAGE,
      auth: false,
      handle: ({ tracker, params: [app = '', token = '', id = ''] }) => tracker.delete(app, token, id),
    },
    {
      method: 'POST',
      pattern: /^\/webhooks\/(\d+)\/([^/]+)$/,
      auth: false,
      handle: ({ tracker, params: [app = '', token = ''], json, files }) =>
        tracker.followUp(app, token, json, files),
    },
  ];
}
