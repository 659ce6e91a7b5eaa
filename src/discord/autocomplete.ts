import type { AutocompleteInteraction } from 'discord.js';

/** Answers an autocomplete with the names that contain what the user typed (Discord takes at most 25 choices, each
 *  name and value 1–100 characters; a longer name could not be sent back as a value, so it is left out). */
export async function suggest(interaction: AutocompleteInteraction, names: string[]): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase();
  const matches = names
    .filter((n) => n.length >= 1 && n.length <= 100 && n.toLowerCase().includes(typed))
    .slice(0, 25);
  await interaction.respond(matches.map((n) => ({ name: n, value: n })));
}

/** Answers an autocomplete with labelled choices (label ≠ value) whose label or value contains what the user typed. */
export async function suggestChoices(
  interaction: AutocompleteInteraction,
  choices: Array<{ name: string; value: string }>,
): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase();
  const matches = choices
    .filter(
      (c) =>
        c.name.length >= 1 &&
        c.name.length <= 100 &&
        c.value.length >= 1 &&
        c.value.length <= 100 &&
        (c.name.toLowerCase().includes(typed) || c.value.toLowerCase().includes(typed)),
    )
    .slice(0, 25);
  await interaction.respond(matches);
}
