// The `data` of a MESSAGE_COMPONENT interaction, as Discord builds it from the component that was used (Discord docs
// https://discord.com/developers/docs/interactions/message-components, and "Receiving and Responding" → Message
// Component Data Structure: `custom_id`, `component_type`, and `values`, "values the user selected in a select menu
// component"; discord-api-types v10 APIMessageButtonInteractionData and APIMessageStringSelectInteractionData). Only
// what a client can actually send is built: a component that is on the message and enabled, and for a string select
// ("Component Reference" → String Select, type 3: `options[{label, value, description?}]`, `min_values` default 1,
// `max_values` default 1) values that are among its options, without repeats, as many as it allows.
import { ComponentType } from 'discord-api-types/v10';
import { fail } from './options.ts';
import type { StoredMessage } from './state.ts';

interface ComponentSpec {
  type: number;
  custom_id?: string;
  disabled?: boolean;
  options?: Array<{ value: string }>;
  min_values?: number;
  max_values?: number;
  components?: ComponentSpec[];
}

export type ComponentData =
  | { custom_id: string; component_type: ComponentType.Button }
  | { custom_id: string; component_type: ComponentType.StringSelect; values: string[] };

/** `values` given: a pick in the string select `customId`; otherwise a click on the button `customId`. */
export function componentData(message: StoredMessage, customId: string, values?: string[]): ComponentData {
  const all = (message.components as ComponentSpec[]).flatMap((row) => row.components ?? []);
  const kind = values === undefined ? ComponentType.Button : ComponentType.StringSelect;
  const what = kind === ComponentType.Button ? 'button' : 'string select';
  const component =
    all.find((c) => c.type === kind && c.custom_id === customId) ??
    fail(
      `message ${message.id} has no ${what} "${customId}" (has: ${all.map((c) => `${c.type}:${c.custom_id}`).join(', ') || 'none'})`,
    );
  if (component.disabled) fail(`${what} "${customId}" is disabled: Discord sends nothing for it`);
  if (values === undefined) return { custom_id: customId, component_type: ComponentType.Button };
  const offered = new Set((component.options ?? []).map((o) => o.value));
  const unknown = values.filter((v) => !offered.has(v));
  if (unknown.length) fail(`string select "${customId}" has no option ${unknown.join(', ')}`);
  if (new Set(values).size !== values.length) fail(`string select "${customId}": a value picked twice`);
  const min = component.min_values ?? 1;
  const max = component.max_values ?? 1;
  if (values.length < min || values.length > max)
    fail(`string select "${customId}" takes ${min}–${max} values, not ${values.length}`);
  return { custom_id: customId, component_type: ComponentType.StringSelect, values };
}
