// The catalogues in locales/: every language has exactly English's keys (plurals in its own Intl.PluralRules
// categories) and the same {{placeholders}}, the code only asks for keys that exist, and the shipped default
// templates are the English ones and pass the same check as an owner's template.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATALOGUES, LANGUAGES, type Language } from '../../src/i18n/catalogues.ts';
import { languageOf, noticeLanguage, translator } from '../../src/i18n/index.ts';
import { DEFAULT_TEMPLATES, TEMPLATE_NAMES, validateTemplate } from '../../src/policy/templates.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every key of a catalogue, dotted (`standing.boost.streams_one`), with its text. */
function flatten(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

/** Keys without plural suffixes; plural bases map to the categories given. */
function shape(keys: Iterable<string>): { plain: Set<string>; plurals: Map<string, Set<string>> } {
  const plain = new Set<string>();
  const plurals = new Map<string, Set<string>>();
  for (const key of keys) {
    const m = PLURAL.exec(key);
    if (!m) plain.add(key);
    else {
      const base = key.slice(0, m.index);
      plurals.set(base, (plurals.get(base) ?? new Set()).add(m[1] as string));
    }
  }
  return { plain, plurals };
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

const flat = Object.fromEntries(LANGUAGES.map((l) => [l, flatten(CATALOGUES[l])])) as Record<
  Language,
  Map<string, string>
>;
const en = shape(flat.en.keys());

/** What the English text of `key` is (a plural base: its `_other`). */
const englishText = (key: string) => flat.en.get(key) ?? flat.en.get(`${key.replace(PLURAL, '')}_other`);

/** The t('…') keys the code asks for, in src/ and commands/ (a key built at run time would be missed: none is). */
function keysInCode(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\b(?:t|localizations|translator\([^)]*\))\(\s*'([a-zA-Z0-9_.-]+)'/g))
          found.set(m[1] as string, path.slice(ROOT.length + 1));
      }
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'commands'));
  return found;
}

describe('locale catalogues', () => {
  it('ships a folder per language, each with the same files as English, and registers each one', () => {
    const folders = readdirSync(join(ROOT, 'locales')).sort();
    assert.deepEqual(
      folders,
      [...LANGUAGES].sort(),
      'a folder in locales/ is missing from src/i18n/catalogues.ts',
    );
    const files = (l: string) => readdirSync(join(ROOT, 'locales', l)).sort();
    for (const l of LANGUAGES) assert.deepEqual(files(l), files('en'), `locales/${l}/`);
    for (const l of LANGUAGES)
      assert.deepEqual(
        Object.keys(CATALOGUES[l]).sort(),
        files('en').map((f) => f.replace(/\.json$/, '')),
      );
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${lang} has every key English has and no other`, () => {
      const own = shape(flat[lang].keys());
      const missing = [...en.plain].filter((k) => !own.plain.has(k));
      const extra = [...own.plain].filter((k) => !en.plain.has(k));
      assert.deepEqual(missing, [], `missing in locales/${lang}`);
      assert.deepEqual(extra, [], `in locales/${lang} but not in English`);
      assert.deepEqual([...own.plurals.keys()].sort(), [...en.plurals.keys()].sort(), 'plural keys');
    });

    it(`${lang} keeps English's {{placeholders}}`, () => {
      for (const [key, text] of flat[lang]) {
        const english = englishText(key);
        assert.ok(english !== undefined, key);
        assert.deepEqual(placeholders(text), placeholders(english), `${lang}: ${key}`);
      }
    });
  }

  for (const lang of LANGUAGES) {
    it(`${lang} has exactly the plural forms Intl.PluralRules gives it`, () => {
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories.slice().sort();
      for (const [base, forms] of shape(flat[lang].keys()).plurals)
        assert.deepEqual([...forms].sort(), categories, `${lang}: ${base}`);
    });
  }

  it('the code asks only for keys English has', () => {
    const used = keysInCode();
    assert.ok(used.size > 100, `found only ${used.size} keys: the scan is broken`);
    const unknown = [...used].filter(([k]) => !en.plain.has(k) && !en.plurals.has(k));
    assert.deepEqual(unknown, [], 'keys used in the code that no catalogue has');
  });

  it('every key English has is asked for by the code (a key nothing uses is a translation nobody reads)', () => {
    const used = keysInCode();
    const unused = [...en.plain, ...en.plurals.keys()].filter((k) => !used.has(k));
    assert.deepEqual(unused, [], 'keys in locales/en that no code asks for');
  });

  it('the English default templates are the ones /template shows, and every language passes its check', () => {
    for (const name of TEMPLATE_NAMES) {
      assert.equal(flat.en.get(`notices.templates.${name}`), DEFAULT_TEMPLATES[name]);
      for (const lang of LANGUAGES) {
        const text = flat[lang].get(`notices.templates.${name}`) ?? '';
        assert.deepEqual(validateTemplate(name, text), { ok: true }, `${lang}: ${name}`);
      }
    }
  });
});

describe('languageOf', () => {
  it('takes a shipped language by its base, and English for everything else', () => {
    assert.equal(languageOf('de'), 'de');
    assert.equal(languageOf('fr'), 'fr');
    assert.equal(languageOf('en-US'), 'en');
    assert.equal(languageOf('en-GB'), 'en');
    assert.equal(languageOf('pt-BR'), 'en');
    assert.equal(languageOf(null), 'en');
  });

  it('a notice without an interaction: the member’s last language, else the server’s, else English', () => {
    assert.equal(noticeLanguage('de', 'fr'), 'de');
    assert.equal(noticeLanguage(null, 'fr'), 'fr');
    assert.equal(noticeLanguage('es-ES', 'fr'), 'en', 'a member language that is not shipped is English');
    assert.equal(noticeLanguage(null, null), 'en');
  });

  it('picks plural forms by language', () => {
    assert.equal(translator('de')('standing.boost.streams', { count: 1 }), '+1 Stream');
    assert.equal(translator('de')('standing.boost.streams', { count: 2 }), '+2 Streams');
    assert.equal(translator('fr')('standing.boost.downloads', { count: 1 }), '+1 téléchargement');
    assert.equal(translator('en')('standing.history.title', { count: 8 }), 'History: last 8 weeks');
  });
});
