import type { EpisodeLine, OutboxRow } from '../db/schema.ts';
import { type Language, translator } from '../i18n/index.ts';
import type { ReadWords } from '../policy/stop-words.ts';
import { plainAlert, type StreamLine } from './notices.ts';
import type { Delivery, NoticeMessage } from './notifier.ts';

/** How a DM went, in the words the alert uses. */
export function describeDm(row: OutboxRow | null): string {
  if (!row) return 'No direct message was sent.';
  const result = row.result as { ok?: boolean; reason?: string } | null;
  if (row.state === 'done') return result?.ok ? 'Delivered.' : `Could not be delivered: ${result?.reason}.`;
  if (row.state === 'failed') return `Could not be delivered: ${row.lastError ?? 'unknown reason'}.`;
  return row.attempts > 0 ? `Not delivered yet (${row.lastError ?? 'error'}); retrying.` : 'Being sent.';
}

export const toLine = (l: EpisodeLine, words: ReadWords): StreamLine => ({
  server: l.server,
  device: l.device,
  ipAddress: l.ipAddress,
  title: l.title,
  state: l.state,
  startedAt: l.startedAt ? new Date(l.startedAt) : null,
  action: words,
});

/** What admins are told, once, when an effect is given up after its last attempt. */
export function givenUpAlert(row: OutboxRow, error: string, lang: Language = 'en'): NoticeMessage {
  const what: Record<string, string> = {
    stop: 'Stopping a stream',
    'episode-notice': 'Sending a breach notice',
    'alert-edit': 'Updating a breach alert',
    'verify-stop': 'Checking that a stop took effect',
    notice: 'Sending a notice',
  };
  return plainAlert(
    translator(lang)('notices.alert.givenUp'),
    `${what[row.kind] ?? row.kind} failed ${row.attempts} times and will not be retried: ${error}`,
  );
}

/** How a DM went, in the words the alert and the run-now report use. */
export const describeDelivery = (d: Delivery | null) =>
  d === null ? 'Already sent earlier.' : d.ok ? 'Delivered.' : `Could not be delivered: ${d.reason}.`;
