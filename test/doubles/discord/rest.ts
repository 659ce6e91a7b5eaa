import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteResult } from './message-body.ts';
import { apiError, notFound, parseBody, unauthorized } from './message-body.ts';
import {
  applicationPayload,
  channelPayload,
  dmChannelPayload,
  guildPayload,
  memberPayload,
  userPayload,
} from './payloads.ts';
import { commandPermissionRoutes } from './rest-command-permissions.ts';
import { commandRoutes } from './rest-commands.ts';
import { memberRoutes } from './rest-members.ts';
import { messageRoutes } from './rest-messages.ts';
import type { DoubleState } from './state.ts';
import type { InteractionTracker } from './webhooks.ts';

export interface RouteContext {
  state: DoubleState;
  tracker: InteractionTracker;
  params: string[];
  query: URLSearchParams;
  /** The recorded body (parsed JSON, raw text or null). */
  body: unknown;
  /** The JSON object of the body (multipart: `payload_json`), `{}` otherwise. */
  json: Record<string, unknown>;
  files: string[];
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Interaction callbacks and webhook routes are sent by discord.js without Authorization. */
  auth: boolean;
  handle: (ctx: RouteContext) => RouteResult;
}

const ok = (body: unknown): RouteResult => ({ status: 200, body });

function baseRoutes(gatewayUrl: () => string): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/gateway\/bot$/,
      auth: true,
      handle: () =>
        ok({
          url: gatewayUrl(),
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
        }),
    },
    { method: 'GET', pattern: /^\/gateway$/, auth: false, handle: () => ok({ url: gatewayUrl() }) },
    {
      method: 'GET',
      pattern: /^\/users\/@me$/,
      auth: true,
      handle: ({ state }) => ok(userPayload(state.botUser)),
    },
    {
      method: 'GET',
      pattern: /^\/(?:oauth2\/)?applications\/@me$/,
      auth: true,
      handle: ({ state }) => ok(applicationPayload(state)),
    },
    {
      method: 'GET',
      pattern: /^\/users\/(\d+)$/,
      auth: true,
      handle: ({ state, params }) => {
        const user = state.users.get(params[0] ?? '');
        return user ? ok(userPayload(user)) : apiError(404, 10013, 'Unknown User');
      },
    },
    {
      method: 'POST',
      pattern: /^\/users\/@me\/channels$/,
      auth: true,
      handle: ({ state, json }) => {
        const user = state.users.get(String(json.recipient_id));
        return user ? ok(dmChannelPayload(state, user)) : apiError(404, 10013, 'Unknown User');
      },
    },
    {
      method: 'GET',
      pattern: /^\/guilds\/(\d+)$/,
      auth: true,
      handle: ({ state, params, query }) => {
        if (params[0] !== state.guildId) return apiError(404, 10004, 'Unknown Guild');
        const counts =
          query.get('with_counts') === 'true'
            ? { approximate_member_count: state.members.size, approximate_presence_count: 0 }
            : {};
        return ok({ ...guildPayload(state), ...counts });
      },
    },
    {
      method: 'GET',
      pattern: /^\/guilds\/(\d+)\/channels$/,
      auth: true,
      handle: ({ state, params }) =>
        params[0] === state.guildId
          ? ok([...state.channels.values()].map((channel) => channelPayload(state, channel)))
          : apiError(404, 10004, 'Unknown Guild'),
    },
    {
      method: 'GET',
      pattern: /^\/guilds\/(\d+)\/members\/(\d+)$/,
      auth: true,
      handle: ({ state, params }) => {
        if (params[0] !== state.guildId) return apiError(404, 10004, 'Unknown Guild');
        const member = state.members.get(params[1] ?? '');
        return member ? ok(memberPayload(member)) : apiError(404, 10007, 'Unknown Member');
      },
    },
    {
      method: 'GET',
      pattern: /^\/channels\/(\d+)$/,
      auth: true,
      handle: ({ state, params }) => {
        const id = params[0] ?? '';
        const channel = state.channels.get(id);
        if (channel) return ok(channelPayload(state, channel));
        const recipient = state.users.get(state.dmRecipient(id) ?? '');
        return recipient ? ok(dmChannelPayload(state, recipient)) : apiError(404, 10003, 'Unknown Channel');
      },
    },
  ];
}

/**
 * What Discord answers a bot that is not in the guild (the double started with `invited: false`): the guild itself
 * is "Unknown Guild" (404 / 10004; Discord stopped telling "not in it" from "doesn't exist" in 2023,
 * discord/discord-api-docs#5840), and its commands, members and channels are "Missing Access" (403 / 50001,
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes; the PUT of guild
 * commands answers `{"message": "Missing Access", "code": 50001}`, as reported in museofficial/muse#681).
 */
function outsideGuild(state: DoubleState, path: string): RouteResult | null {
  if (state.invited) return null;
  if (/^\/guilds\/\d+$/.test(path)) return apiError(404, 10004, 'Unknown Guild');
  const channel = /^\/channels\/(\d+)/.exec(path)?.[1];
  if (
    /^\/guilds\/\d+\//.test(path) ||
    /^\/applications\/\d+\/guilds\//.test(path) ||
    (channel !== undefined && state.channels.has(channel))
  )
    return apiError(403, 50001, 'Missing Access');
  return null;
}

function stripPrefix(pathname: string): string {
  const decoded = decodeURIComponent(pathname);
  return decoded.replace(/^\/api\/v\d+(?=\/|$)/, '') || '/';
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The HTTP side of the double: records every request, checks the bot token, routes to a handler. */
export function createRestHandler(state: DoubleState, tracker: InteractionTracker, gatewayUrl: () => string) {
  const routes = [
    ...baseRoutes(gatewayUrl),
    ...commandPermissionRoutes(),
    ...commandRoutes(),
    ...messageRoutes(),
    ...memberRoutes(),
  ];
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = stripPrefix(url.pathname);
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const headers = headerRecord(req);
    const body = await parseBody(raw, headers['content-type']);
    state.requests.push({ method, path, query: url.searchParams, headers, body: body.recorded });
    state.uploads.push(...body.uploads);
    // A fault queued for the next message post: an error answer (the message is not created), or a slow answer
    // (the message is created at once, the answer comes late: what a client that times out and retries meets).
    const isMessagePost = method === 'POST' && /^\/channels\/\d+\/messages$/.test(path);
    const fault = isMessagePost ? state.messageFaults.shift() : undefined;
    if (fault && 'status' in fault && fault.status === 429) {
      // A rate limit as Discord sends it (https://discord.com/developers/docs/topics/rate-limits): the wait in the
      // Retry-After header (seconds) and in the body's retry_after (seconds, float), with the limit's scope.
      res
        .writeHead(429, {
          'content-type': 'application/json',
          'retry-after': '1',
          'x-ratelimit-scope': 'user',
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': '0.2',
          'x-ratelimit-bucket': 'double-messages',
        })
        .end(JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.2, global: false }));
      return;
    }
    if (fault && 'status' in fault) {
      res
        .writeHead(fault.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `${fault.status}: injected by the test`, code: 0 }));
      return;
    }
    let result: RouteResult = notFound();
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(path) : null;
      if (!match) continue;
      if (route.auth && headers.authorization !== `Bot ${state.token}`) {
        result = unauthorized();
        break;
      }
      const refused = outsideGuild(state, path);
      if (refused) {
        result = refused;
        break;
      }
      const ctx = {
        state,
        tracker,
        params: match.slice(1),
        query: url.searchParams,
        body: body.recorded,
        json: body.json,
        files: body.files,
      };
      try {
        result = route.handle(ctx);
      } catch (error) {
        result = apiError(500, 0, `DiscordDouble handler error: ${(error as Error).message}`);
      }
      break;
    }
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (state.commandPermissionsDelayMs > 0 && /\/commands(?:\/\d+)?\/permissions$/.test(path))
      await new Promise((r) => setTimeout(r, state.commandPermissionsDelayMs));
    if (result.body === undefined) {
      res.writeHead(result.status).end();
      return;
    }
    res.writeHead(result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result.body));
  };
}
