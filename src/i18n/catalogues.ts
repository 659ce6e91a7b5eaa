// Every shipped catalogue, imported so that the bundle carries them (no files to find at run time, no network).
// A new language is a folder in locales/ with the same files as locales/en/, plus its lines here;
// test/unit/i18n-catalogues.test.ts checks both.
import deCommands from '../../locales/de/commands.json' with { type: 'json' };
import deCommon from '../../locales/de/common.json' with { type: 'json' };
import deLink from '../../locales/de/link.json' with { type: 'json' };
import deNotices from '../../locales/de/notices.json' with { type: 'json' };
import deReport from '../../locales/de/report.json' with { type: 'json' };
import deStanding from '../../locales/de/standing.json' with { type: 'json' };
import enCommands from '../../locales/en/commands.json' with { type: 'json' };
import enCommon from '../../locales/en/common.json' with { type: 'json' };
import enLink from '../../locales/en/link.json' with { type: 'json' };
import enNotices from '../../locales/en/notices.json' with { type: 'json' };
import enReport from '../../locales/en/report.json' with { type: 'json' };
import enStanding from '../../locales/en/standing.json' with { type: 'json' };
import frCommands from '../../locales/fr/commands.json' with { type: 'json' };
import frCommon from '../../locales/fr/common.json' with { type: 'json' };
import frLink from '../../locales/fr/link.json' with { type: 'json' };
import frNotices from '../../locales/fr/notices.json' with { type: 'json' };
import frReport from '../../locales/fr/report.json' with { type: 'json' };
import frStanding from '../../locales/fr/standing.json' with { type: 'json' };

export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's files by file name (the first part of a key: `standing.title` is in standing.json). */
export const CATALOGUES: Record<Language, Record<string, unknown>> = {
  en: {
    commands: enCommands,
    common: enCommon,
    link: enLink,
    notices: enNotices,
    report: enReport,
    standing: enStanding,
  },
  de: {
    commands: deCommands,
    common: deCommon,
    link: deLink,
    notices: deNotices,
    report: deReport,
    standing: deStanding,
  },
  fr: {
    commands: frCommands,
    common: frCommon,
    link: frLink,
    notices: frNotices,
    report: frReport,
    standing: frStanding,
  },
};
