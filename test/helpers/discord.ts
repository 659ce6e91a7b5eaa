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

/** An admin's slash commands through the Discord double, and `/enforcement run-now`'s answer as text. */
export function adminCommands(discord: () => DiscordDouble, adminId: string) {
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord().invoke({ user: adminId, command, subcommand, options, admin: true });
  return { admin, runNow: async () => text(await admin('enforcement', 'run-now')) };
}
