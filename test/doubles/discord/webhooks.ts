import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import type { MessageFields, RouteResult } from './message-body.ts';
import { apiError, applyFields, isEphemeral, messageFields, validateMessage } from './message-body.ts';
import { messagePayload } from './payloads.ts';
import type { DoubleState, StoredMessage } from './state.ts';
import type { AutocompleteChoice, InteractionReply } from './types.ts';

const LOADING = 128;

type InteractionKind = 'command' | 'autocomplete' | 'component';

interface PendingInteraction {
  id: string;
  token: string;
  kind: InteractionKind;
  /** For a component interaction: the message the clicked button is on. */
  source: StoredMessage | null;
  label: string;
  channelId: string;
  userId: string;
  reply: InteractionReply;
  callbackType: number | null;
  original: StoredMessage | null;
  followUps: StoredMessage[];
  /** Human-readable log of what the bot sent, for timeout errors. */
  events: string[];
  settle: ((outcome: { reply: InteractionReply } | { choices: AutocompleteChoice[] }) => void) | null;
}

const unknownInteraction = () => apiError(404, 10062, 'Unknown interaction');
const invalidWebhookToken = () => apiError(401, 50027, 'Invalid Webhook Token');
const unknownMessage = () => apiError(404, 10008, 'Unknown Message');
const invalidCallbackType = (type: number) =>
  apiError(400, 50035, 'Invalid Form Body', {
    type: {
      _errors: [
        { code: 'INTERACTION_CALLBACK_TYPE_INVALID', message: `Callback type ${type} is not valid here` },
      ],
    },
  });
const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

const R = InteractionResponseType;
const ALLOWED_CALLBACKS: Record<InteractionKind, number[]> = {
  command: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.Modal],
  autocomplete: [R.ApplicationCommandAutocompleteResult],
  // Discord docs, "Interaction Response Type": 6 and 7 are valid only for component-based interactions.
  component: [
    R.ChannelMessageWithSource,
    R.DeferredChannelMessageWithSource,
    R.DeferredMessageUpdate,
    R.UpdateMessage,
    R.Modal,
  ],
};
const INTERACTION_TYPES: Record<InteractionKind, InteractionType> = {
  command: InteractionType.ApplicationCommand,
  autocomplete: InteractionType.ApplicationCommandAutocomplete,
  component: InteractionType.MessageComponent,
};

/** Tracks interactions the double dispatched and applies the bot's callbacks, edits and follow-ups to them. */
export class InteractionTracker {
  private readonly byToken = new Map<string, PendingInteraction>();

  constructor(private readonly state: DoubleState) {}

  /** Registers a dispatched interaction; `settle` is called once with the bot's final answer. */
  track(
    built: { id: string; token: string; channelId: string; label: string },
    kind: InteractionKind,
    userId: string,
    settle: PendingInteraction['settle'],
    source: StoredMessage | null = null,
  ): { reply: InteractionReply; events: string[] } {
    const reply: InteractionReply = {
      deferred: false,
      ephemeral: false,
      content: null,
      embeds: [],
      components: [],
      allowedMentions: undefined,
      followUps: [],
      raw: [],
      modal: null,
      deleted: false,
      messageId: null,
    };
    const pending: PendingInteraction = {
      ...built,
      kind,
      source,
      userId,
      reply,
      callbackType: null,
      original: null,
      followUps: [],
      events: [],
      settle,
    };
    this.byToken.set(built.token, pending);
    return { reply, events: pending.events };
  }

  /** Stops waiting for an answer (after a timeout); later requests are still accepted and recorded. */
  forget(token: string): void {
    const pending = this.byToken.get(token);
    if (pending) pending.settle = null;
  }

  private finish(
    pending: PendingInteraction,
    outcome: { reply: InteractionReply } | { choices: AutocompleteChoice[] },
  ) {
    const settle = pending.settle;
    pending.settle = null;
    settle?.(outcome);
  }

  private newMessage(pending: PendingInteraction, fields: MessageFields, flags: number): StoredMessage {
    return this.state.newMessage(pending.channelId, fields, flags, {
      id: pending.id,
      userId: pending.userId,
    });
  }

  private syncReply(pending: PendingInteraction, fields: MessageFields): void {
    applyFields(pending.reply, fields);
    if (isEphemeral(fields.flags)) pending.reply.ephemeral = true;
  }

  /** POST /interactions/{id}/{token}/callback */
  callback(id: string, token: string, json: Record<string, unknown>, files: string[], withResponse: boolean) {
    const pending = this.byToken.get(token);
    if (!pending || pending.id !== id) return unknownInteraction();
    const type = typeof json.type === 'number' ? json.type : -1;
    const data = (isObject(json.data) ? json.data : {}) as Record<string, unknown>;
    pending.reply.raw.push(json);
    pending.events.push(`callback type ${type}${isEphemeral(data.flags as number) ? ' (ephemeral)' : ''}`);
    if (pending.callbackType !== null)
      return apiError(400, 40060, 'Interaction has already been acknowledged.');
    if (!ALLOWED_CALLBACKS[pending.kind].includes(type)) return invalidCallbackType(type);
    const fields = messageFields(data, files);
    const invalid = type === R.ChannelMessageWithSource ? validateMessage(fields, true) : null;
    if (invalid) return invalid;
    pending.callbackType = type;
    if (type === R.ApplicationCommandAutocompleteResult) {
      this.finish(pending, {
        choices: Array.isArray(data.choices) ? (data.choices as AutocompleteChoice[]) : [],
      });
    } else if (type === R.Modal) {
      pending.reply.modal = data;
      this.finish(pending, { reply: pending.reply });
    } else if (type === R.UpdateMessage || type === R.DeferredMessageUpdate) {
      // The message the button is on becomes @original of this interaction (edited now, or later for 6).
      const source = pending.source;
      if (!source) return invalidCallbackType(type);
      pending.original = source;
      pending.reply.messageId = source.id;
      if (type === R.UpdateMessage) {
        this.updateMessage(source, fields);
        this.syncReply(pending, fields);
        this.finish(pending, { reply: pending.reply });
      } else {
        pending.reply.deferred = true;
      }
    } else {
      const deferred = type === R.DeferredChannelMessageWithSource;
      pending.reply.deferred = deferred;
      pending.original = this.newMessage(pending, fields, (fields.flags ?? 0) | (deferred ? LOADING : 0));
      pending.reply.messageId = pending.original.id;
      this.syncReply(pending, fields);
      if (!deferred) this.finish(pending, { reply: pending.reply });
    }
    return withResponse ? this.callbackResponse(pending, type) : { status: 204 };
  }

  private callbackResponse(pending: PendingInteraction, type: number): RouteResult {
    const message = pending.original;
    return {
      status: 200,
      body: {
        interaction: {
          id: pending.id,
          type: INTERACTION_TYPES[pending.kind],
          ...(message
            ? {
                response_message_id: message.id,
                response_message_loading: (message.flags & LOADING) !== 0,
                response_message_ephemeral: isEphemeral(message.flags),
              }
            : {}),
        },
        resource: { type, ...(message ? { message: messagePayload(this.state, message) } : {}) },
      },
    };
  }

  /** Every interaction message the double knows: originals and follow-ups. */
  findMessage(messageId: string): StoredMessage | undefined {
    for (const pending of this.byToken.values()) {
      if (pending.original?.id === messageId) return pending.original;
      const followUp = pending.followUps.find((m) => m.id === messageId);
      if (followUp) return followUp;
    }
    return undefined;
  }

  /** Applies an edit to a message and to the live reply view of the interaction that first posted it. */
  private updateMessage(message: StoredMessage, fields: MessageFields): void {
    applyFields(message, fields);
    if (fields.files.length > 0) message.files = fields.files;
    message.editedTimestamp = new Date().toISOString();
    for (const pending of this.byToken.values()) {
      if (pending.original === message && pending.source !== message) applyFields(pending.reply, fields);
    }
  }

  private webhook(appId: string, token: string): PendingInteraction | RouteResult {
    const pending = this.byToken.get(token);
    if (appId !== this.state.applicationId || !pending) return invalidWebhookToken();
    return pending;
  }

  private message(pending: PendingInteraction, messageId: string): StoredMessage | undefined {
    if (messageId === '@original') return pending.original ?? undefined;
    return pending.followUps.find((m) => m.id === messageId);
  }

  /** PATCH /webhooks/{app}/{token}/messages/{id|@original} */
  edit(appId: string, token: string, messageId: string, json: Record<string, unknown>, files: string[]) {
    const pending = this.webhook(appId, token);
    if (!('token' in pending)) return pending;
    pending.reply.raw.push(json);
    pending.events.push(`PATCH ${messageId}`);
    const message = this.message(pending, messageId);
    if (!message) return unknownMessage();
    const fields = messageFields(json, files);
    const invalid = validateMessage(fields, false);
    if (invalid) return invalid;
    message.flags = (message.flags & ~LOADING) | (fields.flags ?? 0);
    this.updateMessage(message, fields);
    if (message === pending.original) {
      this.syncReply(pending, fields);
      this.finish(pending, { reply: pending.reply });
    } else {
      const followUp = pending.reply.followUps[pending.followUps.indexOf(message)];
      if (followUp)
        Object.assign(followUp, {
          content: message.content,
          embeds: message.embeds,
          allowedMentions: message.allowedMentions,
        });
    }
    return { status: 200, body: messagePayload(this.state, message) };
  }

  /** GET /webhooks/{app}/{token}/messages/{id|@original} */
  get(appId: string, token: string, messageId: string): RouteResult {
    const pending = this.webhook(appId, token);
    if (!('token' in pending)) return pending;
    const message = this.message(pending, messageId);
    return message ? { status: 200, body: messagePayload(this.state, message) } : unknownMessage();
  }

  /** DELETE /webhooks/{app}/{token}/messages/{id|@original} */
  delete(appId: string, token: string, messageId: string): RouteResult {
    const pending = this.webhook(appId, token);
    if (!('token' in pending)) return pending;
    pending.events.push(`DELETE ${messageId}`);
    const message = this.message(pending, messageId);
    if (!message) return unknownMessage();
    if (message === pending.original) {
      pending.original = null;
      pending.reply.deleted = true;
      this.finish(pending, { reply: pending.reply });
    }
    return { status: 204 };
  }

  /** POST /webhooks/{app}/{token} — a follow-up; after a deferral Discord shows the first one in place of "thinking…". */
  followUp(appId: string, token: string, json: Record<string, unknown>, files: string[]): RouteResult {
    const pending = this.webhook(appId, token);
    if (!('token' in pending)) return pending;
    pending.reply.raw.push(json);
    pending.events.push('follow-up');
    if (pending.callbackType === null) return apiError(404, 10015, 'Unknown Webhook');
    const fields = messageFields(json, files);
    const invalid = validateMessage(fields, true);
    if (invalid) return invalid;
    const message = this.newMessage(pending, fields, fields.flags ?? 0);
    pending.followUps.push(message);
    pending.reply.followUps.push({
      id: message.id,
      content: message.content,
      embeds: message.embeds,
      ephemeral: isEphemeral(message.flags),
      allowedMentions: message.allowedMentions,
    });
    this.finish(pending, { reply: pending.reply });
    return { status: 200, body: messagePayload(this.state, message) };
  }
}
