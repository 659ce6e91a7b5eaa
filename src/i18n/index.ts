// The bot's languages: one i18next instance over the catalogues in locales/<language>/, bundled with the code.
// English is the source; a key missing in another language falls back to English. Plurals use i18next's own
// suffixes (`_one`, `_other`, and `_many` for French), which it picks with Intl.PluralRules.
import i18next from 'i18next';
import { CATALOGUES, LANGUAGES, type Language } from './catalogues.ts';

export { LANGUAGES, type Language } from './catalogues.ts';

const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: CATALOGUES[l] }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  showSupportNotice: false,
  returnNull: false,
  nsSeparator: false,
  // Discord is not HTML: values are escaped for markdown by the caller (plain/safe), not here.
  interpolation: { escapeValue: false },
});

/** A message in one language: `t('standing.title')`, `t('standing.boost.streams', { count: 2 })`. */
export type Translate = (key: string, values?: Record<string, unknown>) => string;

export function translator(lang: Language): Translate {
  return (key, values) => i18n.t(key, { ...values, lng: lang }) as string;
}

/**
 * The language for a Discord locale (`de`, `fr`, `en-US`, `pt-BR`…): the shipped language of the same base, else
 * English. Null or unknown: English.
 */
export function languageOf(locale: string | null | undefined): Language {
  const base = (locale ?? '').toLowerCase().split('-')[0] ?? '';
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : 'en';
}

/** Whom a notice speaks to when there is no interaction: the member's last seen language, else the server's. */
export function noticeLanguage(memberLocale: string | null, guildLocale: string | null): Language {
  return languageOf(memberLocale ?? guildLocale);
}

/** A command's name or description in every shipped language but English (`name_localizations`, …). */
export function localizations(key: string, values?: Record<string, unknown>): { de: string; fr: string } {
  return { de: translator('de')(key, values), fr: translator('fr')(key, values) };
}

/** A language's own name ("English", "Deutsch", "Français"), for choices and listings, from Intl. */
export function languageName(lang: Language): string {
  const own = new Intl.DisplayNames([lang], { type: 'language' }).of(lang) ?? lang;
  return own.charAt(0).toLocaleUpperCase(lang) + own.slice(1);
}
