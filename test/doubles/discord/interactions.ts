import { randomBytes } from 'node:crypto';
import { ApplicationCommandType, InteractionType } from 'discord-api-types/v10';
import { type ComponentData, componentData } from './components.ts';
import type { OptionSpec, OptionValue, Resolved } from './options.ts';
import { checkValue, fail, names, T } from './options.ts';
import { channelPayload, dmChannelPayload, memberPayload, messagePayload, userPayload } from './payloads.ts';
import type { CommandDefinition, DoubleState, StoredMessage } from './state.ts';
import { ALL_PERMISSIONS, BASIC_PERMISSIONS } from './state.ts';
import type { DoubleChannel } from './types.ts';

export interface InteractionRequest {
  kind: 'command' | 'autocomplete';
  user: string;
  command: string;
  subcommand?: string;
  group?: string;
  options?: Record<string, OptionValue>;
  focused?: string;
  admin?: boolean;
  channelId?: string;
  unchecked?: boolean;
  fromGuild?: string;
  /** `locale` and `guild_locale` (see InvokeOptions). */
  locale?: string;
  guildLocale?: string;
}

export interface BuiltInteraction {
  id: string;
  token: string;
  channelId: string;
  /** e.g. `/cap set` — used in error messages. */
  label: string;
  payload: Record<string, unknown>;
}

function findCommand(
  state: DoubleState,
  name: string,
): { def: CommandDefinition; scope: 'guild' | 'global' } {
  const isChatInput = (def: CommandDefinition) =>
    def.name === name && (def.type ?? ApplicationCommandType.ChatInput) === ApplicationCommandType.ChatInput;
  const guildDef = state.guildCommandDefs?.find(isChatInput);
  if (guildDef) return { def: guildDef, scope: 'guild' };
  const globalDef = state.globalCommandDefs?.find(isChatInput);
  if (globalDef) return { def: globalDef, scope: 'global' };
  const known = [...(state.guildCommandDefs ?? []), ...(state.globalCommandDefs ?? [])].map((d) => d.name);
  return fail(`command /${name} is not registered (registered: ${known.join(', ') || 'none'})`);
}

/** Walks group → subcommand and returns the leaf's option definitions plus the nesting wrapper. */
function resolveLeaf(req: InteractionRequest, def: CommandDefinition) {
  const top = ('options' in def ? (def.options ?? []) : []) as readonly OptionSpec[];
  const child = (list: readonly OptionSpec[] | undefined, type: number, name: string, where: string) =>
    list?.find((o) => o.type === type && o.name === name) ??
    fail(
      `${where} has no ${type === T.SubcommandGroup ? 'group' : 'subcommand'} "${name}" (has: ${names(list, [type])})`,
    );
  if (req.group !== undefined) {
    if (req.subcommand === undefined) fail(`/${req.command} ${req.group}: a group needs a subcommand`);
    const group = child(top, T.SubcommandGroup, req.group, `/${req.command}`);
    const sub = child(group.options, T.Subcommand, req.subcommand, `/${req.command} ${req.group}`);
    const wrap = (options: unknown[]) => [
      {
        type: T.SubcommandGroup,
        name: group.name,
        options: [{ type: T.Subcommand, name: sub.name, options }],
      },
    ];
    return { specs: sub.options ?? [], wrap, label: `/${req.command} ${req.group} ${req.subcommand}` };
  }
  if (req.subcommand !== undefined) {
    const sub = child(top, T.Subcommand, req.subcommand, `/${req.command}`);
    const wrap = (options: unknown[]) => [{ type: T.Subcommand, name: sub.name, options }];
    return { specs: sub.options ?? [], wrap, label: `/${req.command} ${req.subcommand}` };
  }
  if (top.some((o) => o.type === T.Subcommand || o.type === T.SubcommandGroup)) {
    fail(
      `/${req.command} needs a subcommand or group (has: ${names(top, [T.Subcommand, T.SubcommandGroup])})`,
    );
  }
  return { specs: top, wrap: (options: unknown[]) => options, label: `/${req.command}` };
}

/** What every guild interaction carries besides its type and data (the invoker, the channel, permissions). */
function interactionBase(
  state: DoubleState,
  userId: string,
  admin: boolean | undefined,
  channel: Required<DoubleChannel>,
  languages: { locale?: string; guildLocale?: string } = {},
) {
  const member =
    state.members.get(userId) ?? fail(`user ${userId} is not a member of guild ${state.guildId}`);
  const permissions = (admin ?? userId === state.ownerId) ? ALL_PERMISSIONS : BASIC_PERMISSIONS;
  const id = state.nextId();
  const token = `aW50ZXJhY3Rpb24.${id}.${randomBytes(24).toString('base64url')}`;
  const common = {
    guild_id: state.guildId,
    guild: { id: state.guildId, locale: languages.guildLocale ?? 'en-US', features: [] },
    // discord.js reads channelId from `channel.id`; `channel_id` is deprecated but still sent by Discord.
    channel_id: channel.id,
    channel: { ...channelPayload(state, channel), permissions },
    member: { ...memberPayload(member), permissions },
    app_permissions: BASIC_PERMISSIONS,
    // The invoker's language and the server's ("Interaction Object": both on every guild interaction).
    locale: languages.locale ?? 'en-US',
    guild_locale: languages.guildLocale ?? 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': state.guildId },
    context: 0,
    attachment_size_limit: 26214400,
  };
  return { id, token, common };
}

/** Builds a real INTERACTION_CREATE payload (type 2 command or type 4 autocomplete) from the registered definitions. */
export function buildInteraction(state: DoubleState, req: InteractionRequest): BuiltInteraction {
  if (!state.members.has(req.user)) fail(`user ${req.user} is not a member of guild ${state.guildId}`);
  const channel =
    req.channelId === undefined
      ? state.firstTextChannel()
      : (state.channels.get(req.channelId) ?? fail(`unknown channel ${req.channelId}`));
  const { def, scope } = findCommand(state, req.command);
  const { specs, wrap, label } = resolveLeaf(req, def);
  const given: Record<string, OptionValue> = { ...req.options };
  if (req.kind === 'autocomplete') {
    const focused = req.focused ?? fail(`${label}: autocomplete needs a focused option`);
    const spec = specs.find((s) => s.name === focused) ?? fail(`${label} has no option "${focused}"`);
    if (!spec.autocomplete) fail(`${label} option "${focused}" is not declared with autocomplete: true`);
    given[focused] ??= '';
  }
  for (const name of Object.keys(given)) {
    if (!specs.some((s) => s.name === name)) fail(`${label} has no option "${name}" (has: ${names(specs)})`);
  }
  const resolved: Resolved = { users: {}, members: {}, channels: {}, roles: {} };
  const options: unknown[] = [];
  for (const spec of specs) {
    const value = given[spec.name];
    if (value === undefined) {
      if (spec.required && req.kind === 'command') fail(`${label}: required option "${spec.name}" missing`);
      continue;
    }
    if (req.kind === 'autocomplete' && spec.name === req.focused) {
      options.push({ name: spec.name, type: spec.type, value: String(value), focused: true });
      continue;
    }
    const looseLength = req.unchecked && spec.type === T.String && typeof value === 'string';
    checkValue(
      state,
      looseLength ? { ...spec, min_length: undefined, max_length: undefined } : spec,
      value,
      resolved,
      label,
    );
    options.push({ name: spec.name, type: spec.type, value });
  }
  const resolvedPart = Object.fromEntries(
    Object.entries(resolved).filter(([, v]) => Object.keys(v).length > 0),
  );
  const { id, token, common } = interactionBase(state, req.user, req.admin, channel, req);
  if (req.fromGuild !== undefined) {
    common.guild_id = req.fromGuild;
    common.guild = { ...common.guild, id: req.fromGuild };
  }
  const payload = {
    id,
    application_id: state.applicationId,
    type:
      req.kind === 'command'
        ? InteractionType.ApplicationCommand
        : InteractionType.ApplicationCommandAutocomplete,
    token,
    version: 1,
    data: {
      id: state.commandId(scope, def.name),
      name: def.name,
      type: ApplicationCommandType.ChatInput,
      ...(scope === 'guild' ? { guild_id: state.guildId } : {}),
      options: wrap(options),
      ...(Object.keys(resolvedPart).length > 0 ? { resolved: resolvedPart } : {}),
    },
    ...common,
  };
  return { id, token, channelId: channel.id, label, payload };
}

export interface ComponentRequest {
  user: string;
  message: StoredMessage;
  customId: string;
  /** The values picked in a string select (absent for a button click). */
  values?: string[];
  admin?: boolean;
  /**
   * Discord shows an ephemeral message only to the user whose interaction it answers, so nobody else can click
   * it. Set this to send such a click anyway: a client replaying a custom_id, which the bot must refuse by itself.
   */
  evenIfHidden?: boolean;
  /** The clicker's `locale` (default `en-US`). */
  locale?: string;
}

/**
 * A click on a button of a message in the bot's DM with a user. Discord sends it without guild_id and member,
 * with `user`, the DM channel, `context: 1` (BOT_DM) and `authorizing_integration_owners` {"0": "0"} for a
 * guild-installed app ("Interaction Object" and "Interaction Context Types" in Discord's docs). Only the recipient
 * sees a DM, so only they can click; `evenIfHidden` sends someone else's click anyway (a replayed custom_id).
 */
function buildDmComponentInteraction(
  state: DoubleState,
  req: ComponentRequest,
  recipientId: string,
  data: ComponentData,
): BuiltInteraction {
  if (req.user !== recipientId && !req.evenIfHidden)
    fail(`message ${req.message.id} is in ${recipientId}'s DMs: only they can click it`);
  const user = state.users.get(req.user) ?? fail(`unknown user ${req.user}`);
  const recipient = state.users.get(recipientId) ?? fail(`unknown user ${recipientId}`);
  const id = state.nextId();
  const token = `aW50ZXJhY3Rpb24.${id}.${randomBytes(24).toString('base64url')}`;
  const channel = dmChannelPayload(state, recipient);
  const payload = {
    id,
    application_id: state.applicationId,
    type: InteractionType.MessageComponent,
    token,
    version: 1,
    data,
    message: messagePayload(state, req.message),
    channel_id: channel.id,
    channel,
    user: userPayload(user),
    app_permissions: BASIC_PERMISSIONS,
    locale: req.locale ?? 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': '0' },
    context: 1,
    attachment_size_limit: 26214400,
  };
  return { id, token, channelId: channel.id, label: `button ${req.customId}`, payload };
}

/**
 * Builds a MESSAGE_COMPONENT (type 3) interaction on a message the bot sent, as Discord does: a button click or a pick
 * in a string select that is on the message and enabled (components.ts builds `data`), with the whole message
 * (discord-api-types APIMessageComponentInteraction; Discord docs "Interaction Object", message component).
 */
export function buildComponentInteraction(state: DoubleState, req: ComponentRequest): BuiltInteraction {
  const { message } = req;
  const data = componentData(message, req.customId, req.values);
  const hidden = (message.flags & 64) !== 0 && message.interaction?.userId !== req.user;
  if (hidden && !req.evenIfHidden)
    fail(`message ${message.id} is ephemeral: only its invoker sees it and can click`);
  const recipient = state.dmRecipient(message.channelId);
  if (recipient !== undefined) return buildDmComponentInteraction(state, req, recipient, data);
  const channel = state.channels.get(message.channelId) ?? fail(`unknown channel ${message.channelId}`);
  const { id, token, common } = interactionBase(state, req.user, req.admin, channel, req);
  const payload = {
    id,
    application_id: state.applicationId,
    type: InteractionType.MessageComponent,
    token,
    version: 1,
    data,
    message: messagePayload(state, message),
    ...common,
  };
  return { id, token, channelId: channel.id, label: `button ${req.customId}`, payload };
}
