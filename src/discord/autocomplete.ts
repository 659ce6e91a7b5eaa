import type { AutocompleteInteraction } from 'discord.js';

/** Answers an autocomplete with the names that contain what the user typed (Discord takes at most 25). */
export async function suggest(interaction: AutocompleteInteraction, names: string[]): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase();
  const matches = names.filter((n) => n.toLowerCase().includes(typed)).slice(0, 25);
  await interaction.respond(matches.map((n) => ({ name: n, value: n })));
}
