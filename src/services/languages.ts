// Which language a member is written to when no interaction says so (DMs, notices): the Discord language they had
// when they last used a command, else the community's, else English.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { members, settings } from '../db/schema.ts';
import { type Language, noticeLanguage } from '../i18n/index.ts';

/**
 * Keeps the member's Discord `locale` and the server's `guild_locale`, as Discord sends them with every interaction.
 * Writes only what changed; a member not stored yet (never linked) is not created.
 */
export async function rememberLocale(
  db: Db,
  discordUserId: string,
  locale: string | null,
  guildLocale: string | null,
): Promise<void> {
  if (locale) {
    await db
      .update(members)
      .set({ locale })
      .where(
        and(eq(members.discordUserId, discordUserId), sql`${members.locale} is distinct from ${locale}`),
      );
  }
  if (guildLocale) {
    await db
      .update(settings)
      .set({ guildLocale })
      .where(and(eq(settings.id, 1), sql`${settings.guildLocale} is distinct from ${guildLocale}`));
  }
}

/** The language of a member's notices, from what `rememberLocale` stored. */
export function memberLanguage(
  member: { locale: string | null },
  community: { guildLocale: string | null },
): Language {
  return noticeLanguage(member.locale, community.guildLocale);
}
