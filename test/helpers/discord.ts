import assert from 'node:assert/strict';
import type { DiscordDouble, InteractionReply } from '../doubles/discord/index.ts';

/** Everything a member reads in a message or reply: content, embed titles, descriptions and fields. */
export const text = (r: { content: string | null; embeds: InteractionReply['embeds'] }) =>
  [
    r.content ?? '',
    ...r.embeds.flatMap((e) => [
      e.title ?? '',
      e.description ?? '',
      ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
    ]),
  ].join('\n');

/** Runs slash commands as an admin: `admin('plan', 'create', { name: 'Solo', … })`. */
export const adminCommands =
  (discord: { invoke: DiscordDouble['invoke'] }, adminId: string) =>
  (command: string, subcommand: string, options: Record<string, string | number | boolean> = {}) =>
    discord.invoke({ user: adminId, command, subcommand, options, admin: true });

/** An admin's slash commands through the Discord double, and `/enforcement run-now`'s answer as text. */
export function adminSession(discord: () => DiscordDouble, adminId: string) {
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord().invoke({ user: adminId, command, subcommand, options, admin: true });
  return { admin, runNow: async () => text(await admin('enforcement', 'run-now')) };
}

/**
 * Checks refusals: `refused(run, pattern)` runs a command that must be refused privately ("Not done" and `pattern`),
 * and `snapshot` (what the command could change) must read the same before and after.
 */
export const refusalCheck =
  (snapshot: () => Promise<unknown>) =>
  async (run: () => Promise<InteractionReply>, pattern: RegExp): Promise<void> => {
    const beforeState = await snapshot();
    const reply = await run();
    assert.equal(reply.ephemeral, true, 'a refusal is private');
    assert.match(text(reply), /Not done/);
    assert.match(text(reply), pattern);
    assert.deepEqual(await snapshot(), beforeState, 'a refusal changes nothing');
  };
