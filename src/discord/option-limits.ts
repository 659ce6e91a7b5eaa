// Every option value is checked against the command's own definition before the command runs: Discord checks the
// same limits in its client, but a value can still arrive longer than the definition says (a client older than the
// registration, another counting of characters, an interaction replayed by hand), and names, templates and
// addresses must never carry characters that hide or reorder text. A value that fails gets a clear refusal
// (a UserError) that says which option and what to do, and the command is not run.
import { ApplicationCommandOptionType as T } from 'discord.js';
import { UserError } from '../user-error.ts';

/** Discord's own ceiling for a string option (max_length may be at most 6,000). */
export const STRING_OPTION_MAX = 6000;

/**
 * Characters no option may carry: control characters (C0, DEL, C1; a new line in a template is written `\n`),
 * unpaired surrogate halves, and the text-direction overrides and isolates that make a name read differently
 * from what it is (U+202A–U+202E, U+2066–U+2069), plus the noncharacters U+FFFE and U+FFFF.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/u;

/** The parts of an option's registered definition that are checked. */
export interface Spec {
  type: number;
  name: string;
  autocomplete?: boolean;
  max_length?: number;
  min_length?: number;
  min_value?: number;
  max_value?: number;
  choices?: ReadonlyArray<{ value: string | number }>;
  options?: readonly Spec[];
}
/** An option as the interaction carries it (discord.js's `interaction.options.data`). */
interface Given {
  name: string;
  type: number;
  value?: unknown;
  options?: readonly Given[];
}

const count = new Intl.NumberFormat('en-US');

/** Checks one leaf value; returns what is wrong (for the member), or null. */
export function optionProblem(spec: Spec, value: unknown): string | null {
  const name = `\`${spec.name}\``;
  if (spec.type === T.String) {
    if (typeof value !== 'string') return `${name} must be text.`;
    if (FORBIDDEN.test(value))
      return `${name} contains characters that can't be used (control characters or text-direction marks). Type it again without them.`;
    const length = [...value].length;
    const max = Math.min(spec.max_length ?? STRING_OPTION_MAX, STRING_OPTION_MAX);
    if (length > max)
      return `${name} is too long (${count.format(length)} characters; at most ${count.format(max)}).${spec.autocomplete ? ' Pick a value from the list.' : ''}`;
    if (spec.min_length !== undefined && length < spec.min_length)
      return `${name} is too short (at least ${count.format(spec.min_length)} characters).`;
  }
  if (spec.type === T.Integer || spec.type === T.Number) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number.`;
    if (spec.type === T.Integer && !Number.isSafeInteger(value)) return `${name} must be a whole number.`;
    if (spec.min_value !== undefined && value < spec.min_value)
      return `${name} must be at least ${spec.min_value}.`;
    if (spec.max_value !== undefined && value > spec.max_value)
      return `${name} must be at most ${spec.max_value}.`;
  }
  if (spec.type === T.Boolean && typeof value !== 'boolean') return `${name} must be true or false.`;
  if (spec.choices && !spec.choices.some((c) => c.value === value))
    return `${name} must be one of the choices offered.`;
  return null;
}

/**
 * Throws a UserError for the first option value that breaks its definition. `given` is the interaction's option
 * tree (group → subcommand → values); `specs` is the registered definition's options.
 */
export function checkOptionValues(specs: readonly Spec[] | undefined, given: readonly Given[]): void {
  const stale =
    'This command has changed since your Discord app loaded it. Reload Discord (Ctrl+R) and try again.';
  for (const option of given) {
    const spec = specs?.find((s) => s.name === option.name && s.type === option.type);
    if (!spec) throw new UserError(stale);
    if (option.type === T.Subcommand || option.type === T.SubcommandGroup) {
      checkOptionValues(spec.options, option.options ?? []);
      continue;
    }
    // Users, channels, roles and mentionables arrive as ids that Discord resolved itself.
    if (![T.String, T.Integer, T.Number, T.Boolean].includes(option.type)) continue;
    const problem = optionProblem(spec, option.value);
    if (problem) throw new UserError(problem);
  }
}
