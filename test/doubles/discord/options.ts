/** Validation of option values given to invoke()/autocomplete() against the registered definitions. */
import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { channelPayload, everyoneRole, memberPayload, userPayload } from './payloads.ts';
import type { DoubleState } from './state.ts';
import { BASIC_PERMISSIONS } from './state.ts';

export type OptionValue = string | number | boolean;

/** The subset of an option definition the double reads (definitions arrive as plain JSON). */
export interface OptionSpec {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: ReadonlyArray<{ name: string; value: string | number }>;
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  channel_types?: readonly number[];
  options?: readonly OptionSpec[];
}

export const T = ApplicationCommandOptionType;
const CHANNEL_TYPE_NUMBERS = { text: 0, voice: 2, category: 4 } as const;

export function fail(message: string): never {
  throw new Error(`DiscordDouble: ${message}`);
}

/** Comma-separated names of the options (of the given types; all when omitted), for error messages. */
export function names(options: readonly OptionSpec[] | undefined, types?: number[]): string {
  return (
    (options ?? [])
      .filter((o) => types === undefined || types.includes(o.type))
      .map((o) => o.name)
      .join(', ') || 'none'
  );
}

export interface Resolved {
  users: Record<string, unknown>;
  members: Record<string, unknown>;
  channels: Record<string, unknown>;
  roles: Record<string, unknown>;
}

/** Checks a value the way Discord's client would let a user enter it, and fills `resolved` for entities. */
export function checkValue(
  state: DoubleState,
  spec: OptionSpec,
  value: OptionValue,
  resolved: Resolved,
  where: string,
) {
  function bad(why: string): never {
    return fail(`${where} option "${spec.name}": ${why} (got ${JSON.stringify(value)})`);
  }
  const resolveUser = (id: string) => {
    const user = state.users.get(id) ?? bad('unknown user id');
    resolved.users[id] = userPayload(user);
    const member = state.members.get(id);
    if (member) {
      const { user: _user, deaf: _deaf, mute: _mute, ...rest } = memberPayload(member);
      resolved.members[id] = { ...rest, permissions: BASIC_PERMISSIONS };
    }
  };
  switch (spec.type) {
    case T.String:
      if (typeof value !== 'string') bad('expected a string');
      if (spec.min_length !== undefined && value.length < spec.min_length)
        bad(`shorter than ${spec.min_length}`);
      if (spec.max_length !== undefined && value.length > spec.max_length)
        bad(`longer than ${spec.max_length}`);
      break;
    case T.Integer:
    case T.Number:
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('expected a number');
      if (spec.type === T.Integer && !Number.isInteger(value)) bad('expected an integer');
      if (spec.min_value !== undefined && value < spec.min_value) bad(`below min_value ${spec.min_value}`);
      if (spec.max_value !== undefined && value > spec.max_value) bad(`above max_value ${spec.max_value}`);
      break;
    case T.Boolean:
      if (typeof value !== 'boolean') bad('expected a boolean');
      break;
    case T.User:
      resolveUser(typeof value === 'string' ? value : bad('expected a user id'));
      break;
    case T.Channel: {
      const channel = state.channels.get(String(value)) ?? bad('unknown channel id');
      if (spec.channel_types && !spec.channel_types.includes(CHANNEL_TYPE_NUMBERS[channel.type])) {
        bad(`channel type not in channel_types [${spec.channel_types.join(', ')}]`);
      }
      const { id, name, type, parent_id } = channelPayload(state, channel) as unknown as Record<
        string,
        unknown
      >;
      resolved.channels[channel.id] = { id, name, type, parent_id, permissions: BASIC_PERMISSIONS };
      break;
    }
    case T.Role:
    case T.Mentionable: {
      // Resolved data carries full role objects (interactions/receiving-and-responding#…-resolved-data-structure).
      const role = value === state.guildId ? everyoneRole(state) : state.roles.get(String(value));
      if (role) resolved.roles[role.id] = role;
      else if (spec.type === T.Mentionable) resolveUser(String(value));
      else bad('unknown role id (create it with createRole; @everyone is the guild id)');
      break;
    }
    default:
      bad(`option type ${spec.type} is not supported by the double`);
  }
  if (spec.choices && !spec.choices.some((c) => c.value === value)) {
    bad(`not one of the choices ${spec.choices.map((c) => JSON.stringify(c.value)).join(', ')}`);
  }
}
