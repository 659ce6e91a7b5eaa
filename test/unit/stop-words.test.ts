// Stop outcomes are stored as codes and written out in the reader's language; rows an older version wrote in
// English words read back as the same codes, and words no version wrote stay as they are.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LANGUAGES, translator } from '../../src/i18n/index.ts';
import { stopText } from '../../src/notify/notices.ts';
import { englishWords, STOP_CODES, type StopWords, stopWordsOf } from '../../src/policy/stop-words.ts';

const withReason = (code: StopWords['code']): StopWords =>
  code === 'cannot-stop' || code === 'stop-failed' || code === 'stop-retrying'
    ? { code, reason: 'HTTP 401' }
    : { code };

describe('stop words', () => {
  test('every code reads back from the English words older versions stored', () => {
    for (const code of STOP_CODES) {
      const w = withReason(code);
      assert.deepEqual(stopWordsOf({ text: englishWords(w) }), w, code);
      assert.deepEqual(stopWordsOf(w), w, `${code} as stored now`);
    }
  });

  test('words no version wrote stay words; an unknown code is read as its words', () => {
    assert.deepEqual(stopWordsOf({ text: 'something else' }), { code: null, text: 'something else' });
    assert.deepEqual(stopWordsOf({ code: 'nope', text: 'stopped' }), { code: 'stopped' });
  });

  test('English writes the words the engine always wrote; German and French write their own', () => {
    const en = translator('en');
    for (const code of STOP_CODES) {
      const w = withReason(code);
      assert.equal(stopText(en, w), englishWords(w), code);
    }
    assert.equal(stopText(en, { code: 'cannot-stop' }), 'not stopped: this server cannot stop streams');
    assert.equal(stopText(translator('de'), { code: 'stopped' }), 'beendet');
    assert.equal(
      stopText(translator('fr'), { code: 'stop-failed', reason: 'HTTP 401' }),
      'échec de l’arrêt : HTTP 401',
    );
    for (const lang of LANGUAGES.filter((l) => l !== 'en'))
      for (const code of STOP_CODES)
        assert.notEqual(
          stopText(translator(lang), withReason(code)),
          englishWords(withReason(code)),
          `${lang}: ${code}`,
        );
    assert.equal(stopText(translator('de'), { code: null, text: 'as stored' }), 'as stored');
  });
});
