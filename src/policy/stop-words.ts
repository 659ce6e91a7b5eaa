// What was done about a stream, stored as a code (and the reason a server gave, where there is one) and written out
// in the reader's language when a notice is rendered: a member reads it in theirs, admins in the community's.
// Rows written by older versions hold the English words instead; `stopWordsOf` reads those back into codes.

export const STOP_CODES = [
  'warned',
  'kept',
  'dry-run',
  'cannot-stop',
  'stop-requested',
  'stop-retrying',
  'stop-failed',
  'back-within',
  'server-removed',
  'already-ended',
  'stopped',
  'ignored',
  'resumed',
] as const;
export type StopCode = (typeof STOP_CODES)[number];

/** A stored outcome: a code, and for `cannot-stop`, `stop-retrying` and `stop-failed` the reason as given. */
export interface StopWords {
  code: StopCode;
  /** The server's or the bot's own reason, as it gave it (not translated: it names what the server said). */
  reason?: string;
}

/** The English words, as the engine wrote them before codes were stored (and as logs and the run-now report say). */
export function englishWords(w: StopWords): string {
  const reason = w.reason ?? 'unknown reason';
  switch (w.code) {
    case 'warned':
      return 'warned';
    case 'kept':
      return 'kept: within the plan once the newest are stopped';
    case 'dry-run':
      return 'would be stopped (dry run)';
    case 'cannot-stop':
      return `not stopped: ${w.reason ?? 'this server cannot stop streams'}`;
    case 'stop-requested':
      return 'stop requested';
    case 'stop-retrying':
      return `stop failed (${w.reason ?? 'error'}); retrying`;
    case 'stop-failed':
      return `stop failed: ${reason}`;
    case 'back-within':
      return 'not stopped: the member was back within the plan';
    case 'server-removed':
      return 'not stopped: the server was removed';
    case 'already-ended':
      return 'had already ended';
    case 'stopped':
      return 'stopped';
    case 'ignored':
      return 'stop sent, but the player ignored it: still playing';
    case 'resumed':
      return 'not stopped: playing again';
  }
}

/** A stored outcome as read: a code, or the words of an older row that no code matches. */
export type ReadWords = StopWords | { code: null; text: string };

const EXACT: ReadonlyMap<string, StopCode> = new Map(
  (
    [
      'warned',
      'kept',
      'dry-run',
      'stop-requested',
      'back-within',
      'server-removed',
      'already-ended',
      'stopped',
      'ignored',
      'resumed',
    ] as const
  ).map((code) => [englishWords({ code }), code]),
);

/**
 * A stored outcome read back: `{ code, reason }` as written now, or the English words of an older row (a line's
 * `text`, an effect result's `text`), turned back into their code. Words no version wrote stay words (`text`).
 */
export function stopWordsOf(stored: { code?: string; reason?: string; text?: string }): ReadWords {
  if (stored.code && (STOP_CODES as readonly string[]).includes(stored.code))
    return {
      code: stored.code as StopCode,
      ...(stored.reason !== undefined ? { reason: stored.reason } : {}),
    };
  const text = stored.text ?? '';
  const exact = EXACT.get(text);
  if (exact) return { code: exact };
  const retrying = /^stop failed \((.*)\); retrying$/s.exec(text);
  if (retrying) return { code: 'stop-retrying', reason: retrying[1] ?? '' };
  if (text.startsWith('stop failed: '))
    return { code: 'stop-failed', reason: text.slice('stop failed: '.length) };
  if (text.startsWith('not stopped: '))
    return { code: 'cannot-stop', reason: text.slice('not stopped: '.length) };
  return { code: null, text };
}
