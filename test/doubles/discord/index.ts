export { DiscordDouble } from './double.ts';
export { HEARTBEAT_INTERVAL_MS } from './gateway.ts';
export type { Upload } from './message-body.ts';
export type { RoleOptions } from './roles.ts';
export { ALL_PERMISSIONS, BASIC_PERMISSIONS } from './state.ts';
export type {
  AutocompleteChoice,
  AutocompleteOptions,
  ClickOptions,
  DiscordDoubleOptions,
  DoubleChannel,
  DoubleUser,
  InteractionFollowUp,
  InteractionReply,
  InvokeOptions,
  RecordedMessage,
  RecordedRequest,
} from './types.ts';
