import { and, eq } from 'drizzle-orm';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { settings, templates } from '../db/schema.ts';
import {
  LANGUAGES,
  type Language,
  languageName,
  languageOf,
  type Translate,
  translator,
} from '../i18n/index.ts';
import { quoted } from '../notify/format.ts';
import {
  isTemplateName,
  TEMPLATE_NAMES,
  TEMPLATE_PLACEHOLDERS,
  type TemplateName,
  validateTemplate,
} from '../policy/templates.ts';
import { UserError } from '../user-error.ts';

export function requireTemplateName(raw: string): TemplateName {
  const name = raw.trim().toLowerCase();
  if (!isTemplateName(name)) {
    throw new UserError(`There is no template ${quoted(raw)}. Templates: ${TEMPLATE_NAMES.join(', ')}.`);
  }
  return name;
}

/**
 * The owner's templates, one per template and language, and the community's default language (the shipped language
 * of its Discord locale, else English): the text for a reader is `templateFor`.
 */
export interface TemplateBook {
  custom: ReadonlyMap<string, string>;
  defaultLanguage: Language;
}

const bookKey = (name: TemplateName, lang: Language) => `${name}:${lang}`;

export async function loadTemplates(db: Db): Promise<TemplateBook> {
  const rows = await db.select().from(templates);
  const [community] = await db.select({ guildLocale: settings.guildLocale }).from(settings).limit(1);
  return {
    custom: new Map(rows.map((r) => [bookKey(r.name as TemplateName, languageOf(r.language)), r.text])),
    defaultLanguage: languageOf(community?.guildLocale),
  };
}

/** The shipped text of every template, in a language (locales/<lang>/notices.json; English is DEFAULT_TEMPLATES). */
const SHIPPED: Record<TemplateName, (t: Translate) => string> = {
  'stream-dm': (t) => t('notices.templates.stream-dm'),
  'stream-onscreen': (t) => t('notices.templates.stream-onscreen'),
  'stream-alert': (t) => t('notices.templates.stream-alert'),
  'stream-email': (t) => t('notices.templates.stream-email'),
  warning: (t) => t('notices.templates.warning'),
  'download-dm': (t) => t('notices.templates.download-dm'),
  'download-alert': (t) => t('notices.templates.download-alert'),
  'download-email': (t) => t('notices.templates.download-email'),
  'server-down': (t) => t('notices.templates.server-down'),
  'server-up': (t) => t('notices.templates.server-up'),
};

export const shippedTemplate = (name: TemplateName, lang: Language) => SHIPPED[name](translator(lang));

/** Where a reader's text comes from: the owner's in their language, the owner's in the default one, or shipped. */
export function templateSource(
  book: TemplateBook,
  name: TemplateName,
  lang: Language,
): { text: string; from: 'own' | 'default-language' | 'shipped' } {
  const own = book.custom.get(bookKey(name, lang));
  if (own !== undefined) return { text: own, from: 'own' };
  const fallback = book.custom.get(bookKey(name, book.defaultLanguage));
  if (fallback !== undefined) return { text: fallback, from: 'default-language' };
  return { text: shippedTemplate(name, lang), from: 'shipped' };
}

/**
 * A template's text for a reader of `lang` (a member's language; admins read the community's, `defaultLanguage`):
 * the owner's text in that language, else the owner's text in the community's default language, else the shipped
 * text in that language.
 */
export function templateFor(book: TemplateBook, name: TemplateName, lang: Language): string {
  return templateSource(book, name, lang).text;
}

/** The languages an owner wrote `name` in. */
export const customLanguages = (book: TemplateBook, name: TemplateName): Language[] =>
  LANGUAGES.filter((l) => book.custom.has(bookKey(name, l)));

/** A language option as given (`de`), or the community's default language when none is given. */
export async function requireLanguage(db: Db, raw: string | null): Promise<Language> {
  if (raw === null || raw.trim() === '') return (await loadTemplates(db)).defaultLanguage;
  const lang = raw.trim().toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(lang))
    throw new UserError(`There is no language ${quoted(raw)}. Languages: ${LANGUAGES.join(', ')}.`);
  return lang as Language;
}

export async function setTemplate(
  db: Db,
  actor: string,
  rawName: string,
  text: string,
  language: Language,
): Promise<TemplateName> {
  const name = requireTemplateName(rawName);
  // Discord slash-command strings are one line; "\n" typed by the admin becomes a line break.
  const normalised = text.replace(/\\n/g, '\n').trim();
  const check = validateTemplate(name, normalised);
  if (!check.ok) throw new UserError(check.problem);
  const key = and(eq(templates.name, name), eq(templates.language, language));
  await db.transaction(async (tx) => {
    const [before] = await tx.select().from(templates).where(key);
    await tx
      .insert(templates)
      .values({ name, language, text: normalised, updatedBy: actor })
      .onConflictDoUpdate({
        target: [templates.name, templates.language],
        set: { text: normalised, updatedBy: actor, updatedAt: new Date() },
      });
    await recordAudit(tx, {
      actor,
      action: 'template.set',
      target: `template:${name}:${language}`,
      before: before?.text ?? null,
      after: normalised,
    });
  });
  return name;
}

export async function resetTemplate(
  db: Db,
  actor: string,
  rawName: string,
  language: Language,
): Promise<TemplateName> {
  const name = requireTemplateName(rawName);
  await db.transaction(async (tx) => {
    const deleted = await tx
      .delete(templates)
      .where(and(eq(templates.name, name), eq(templates.language, language)))
      .returning();
    if (deleted.length === 0)
      throw new UserError(`“${name}” has no text of its own in ${languageName(language)}: nothing to reset.`);
    await recordAudit(tx, {
      actor,
      action: 'template.reset',
      target: `template:${name}:${language}`,
      before: deleted[0]?.text,
    });
  });
  return name;
}

/** Sample values for /template preview, in the language previewed ("in 3 days", "in 3 Tagen", "dans 3 jours"). */
export function sampleValues(name: TemplateName, lang: Language = 'en'): Record<string, string | number> {
  const t = translator(lang);
  const all: Record<string, string | number> = {
    member: 'Alex',
    plan: t('notices.sample.plan'),
    cap: 2,
    allotment: 2,
    count: 3,
    streams: t('notices.sample.streams'),
    resets: new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(3, 'day'),
    disabled: t('notices.sample.disabled'),
    server: 'Main Plex',
    reason: 'no answer within 10 s',
  };
  const values = Object.fromEntries(TEMPLATE_PLACEHOLDERS[name].map((p) => [p, all[p] ?? '']));
  // As in the alert itself: its streams are listed in their own field, so a {streams} saved earlier stays empty.
  return name === 'stream-alert' ? { ...values, streams: '' } : values;
}
