import type {
  RESTPutAPIApplicationCommandsJSONBody,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord-api-types/v10';
import type { RouteResult } from './message-body.ts';
import { apiError } from './message-body.ts';
import type { Route, RouteContext } from './rest.ts';
import type { CommandDefinition, DoubleState } from './state.ts';

type Scope = 'guild' | 'global';

interface LooseOption {
  name?: unknown;
  description?: unknown;
  required?: unknown;
  options?: LooseOption[];
}

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** A few of Discord's registration rules (names, descriptions, 25 options, required first) — enough to catch typos. */
function validateCommands(defs: unknown[]): Record<string, unknown> | null {
  const errors: Record<string, unknown> = {};
  const err = (path: string, message: string) => {
    errors[path] = { _errors: [{ code: 'APPLICATION_COMMAND_INVALID', message }] };
  };
  const checkOptions = (options: LooseOption[], path: string) => {
    if (options.length > 25) err(`${path}.options`, 'Must be 25 or fewer in length.');
    const seen = new Set<unknown>();
    let optionalSeen = false;
    options.forEach((option, i) => {
      const at = `${path}.options.${i}`;
      if (
        typeof option.name !== 'string' ||
        !NAME.test(option.name) ||
        option.name !== option.name.toLowerCase()
      ) {
        err(`${at}.name`, `Invalid option name ${JSON.stringify(option.name)}`);
      }
      if (
        typeof option.description !== 'string' ||
        option.description.length < 1 ||
        option.description.length > 100
      ) {
        err(`${at}.description`, 'Must be between 1 and 100 in length.');
      }
      if (seen.has(option.name)) err(`${at}.name`, 'Option names must be unique');
      seen.add(option.name);
      if (option.required === true && optionalSeen)
        err(`${at}.required`, 'Required options must be placed before non-required options');
      if (option.required !== true) optionalSeen = true;
      if (option.options) checkOptions(option.options, at);
    });
  };
  const names = new Set<unknown>();
  defs.forEach((def, i) => {
    const command = (typeof def === 'object' && def !== null ? def : {}) as LooseOption & { type?: unknown };
    const chatInput = command.type === undefined || command.type === 1;
    if (
      typeof command.name !== 'string' ||
      (chatInput && (!NAME.test(command.name) || command.name !== command.name.toLowerCase()))
    ) {
      err(`${i}.name`, `Invalid command name ${JSON.stringify(command.name)}`);
    }
    if (names.has(`${String(command.type)}:${String(command.name)}`))
      err(`${i}.name`, 'Application command names must be unique');
    names.add(`${String(command.type)}:${String(command.name)}`);
    if (
      chatInput &&
      (typeof command.description !== 'string' ||
        command.description.length < 1 ||
        command.description.length > 100)
    ) {
      err(`${i}.description`, 'Must be between 1 and 100 in length.');
    }
    if (command.options) checkOptions(command.options, String(i));
  });
  return Object.keys(errors).length > 0 ? errors : null;
}

function stored(state: DoubleState, scope: Scope, def: CommandDefinition): Record<string, unknown> {
  const id = state.commandId(scope, def.name);
  return {
    type: 1,
    default_member_permissions: null,
    nsfw: false,
    description_localizations: null,
    name_localizations: null,
    ...def,
    id,
    application_id: state.applicationId,
    ...(scope === 'guild' ? { guild_id: state.guildId } : {}),
    version: id,
  };
}

function checkPath(ctx: RouteContext, scope: Scope): RouteResult | null {
  if (ctx.params[0] !== ctx.state.applicationId) return apiError(403, 50001, 'Missing Access');
  if (scope === 'guild' && ctx.params[1] !== ctx.state.guildId) return apiError(403, 50001, 'Missing Access');
  return null;
}

function defsOf(state: DoubleState, scope: Scope): CommandDefinition[] | null {
  return scope === 'guild' ? state.guildCommandDefs : state.globalCommandDefs;
}

/** Definitions arrive as JSON; the validation above is all the typing they get. */
function setDefs(state: DoubleState, scope: Scope, defs: CommandDefinition[]): void {
  if (scope === 'guild') state.guildCommandDefs = defs as RESTPutAPIApplicationGuildCommandsJSONBody;
  else state.globalCommandDefs = defs as RESTPutAPIApplicationCommandsJSONBody;
}

function routesFor(scope: Scope, base: string): Route[] {
  const pattern = (suffix: string) => new RegExp(`^${base}/commands${suffix}$`);
  return [
    {
      method: 'PUT',
      pattern: pattern(''),
      auth: true,
      handle: (ctx) => {
        const bad = checkPath(ctx, scope);
        if (bad) return bad;
        const body = ctx.body;
        if (!Array.isArray(body)) return apiError(400, 50035, 'Invalid Form Body');
        const errors = validateCommands(body);
        if (errors) return apiError(400, 50035, 'Invalid Form Body', errors);
        const defs = body as CommandDefinition[];
        setDefs(ctx.state, scope, defs);
        if (scope === 'guild') ctx.state.commandWrites += 1;
        return { status: 200, body: defs.map((def) => stored(ctx.state, scope, def)) };
      },
    },
    {
      method: 'GET',
      pattern: pattern(''),
      auth: true,
      handle: (ctx) =>
        checkPath(ctx, scope) ?? {
          status: 200,
          body: (defsOf(ctx.state, scope) ?? []).map((def) => stored(ctx.state, scope, def)),
        },
    },
    {
      method: 'POST',
      pattern: pattern(''),
      auth: true,
      handle: (ctx) => {
        const bad = checkPath(ctx, scope);
        if (bad) return bad;
        const errors = validateCommands([ctx.json]);
        if (errors) return apiError(400, 50035, 'Invalid Form Body', errors);
        const def = ctx.json as unknown as CommandDefinition;
        const existing = defsOf(ctx.state, scope) ?? [];
        setDefs(ctx.state, scope, [...existing.filter((d) => d.name !== def.name), def]);
        return { status: 201, body: stored(ctx.state, scope, def) };
      },
    },
    {
      method: 'DELETE',
      pattern: pattern('/(\\d+)'),
      auth: true,
      handle: (ctx) => {
        const bad = checkPath(ctx, scope);
        if (bad) return bad;
        const id = ctx.params.at(-1);
        const existing = defsOf(ctx.state, scope) ?? [];
        const remaining = existing.filter((def) => ctx.state.commandId(scope, def.name) !== id);
        if (remaining.length === existing.length) return apiError(404, 10063, 'Unknown application command');
        setDefs(ctx.state, scope, remaining);
        return { status: 204 };
      },
    },
  ];
}

export function commandRoutes(): Route[] {
  return [
    ...routesFor('guild', '\\/applications\\/(\\d+)\\/guilds\\/(\\d+)'),
    ...routesFor('global', '\\/applications\\/(\\d+)'),
  ];
}
