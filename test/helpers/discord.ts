import type { InteractionReply } from '../doubles/discord/index.ts';

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
