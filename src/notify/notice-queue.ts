// Notices that go out once per subject (a server down, a week over quota, a weekly report): each is an outbox
// effect whose key is (kind, subject, channel), so it is stored once, sent at least once (retried with back-off when
// Discord or SMTP fails for a while), and never twice (a Discord nonce from the key, sent with enforce_nonce).
import type { Db } from '../db/client.ts';
import { effectByKey, enqueueEffects } from '../db/outbox.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Delivery, NoticeMessage } from './notifier.ts';
import { type NoticePayload, toJsonMessage } from './payload.ts';

/** What queueing a notice needs: the database, the bot's clock and, to send it at once, the outbox's runner. */
export interface NoticeOutbox {
  db: Db;
  clock: () => Date;
  effects: { runKey(key: string): Promise<OutboxRow | null> };
}

export interface NoticeRef {
  kind: string;
  subject: string;
  channel: string;
  memberId?: number | null;
}

export type NoticeSpec =
  | { channel: 'dm'; to: string; message: NoticeMessage }
  | { channel: 'alert'; to: string | null; message: NoticeMessage }
  | { channel: 'email'; to: string | null; subject: string; text: string };

export const noticeKey = (n: NoticeRef) => `notice:${n.kind}:${n.subject}:${n.channel}`;

function payloadOf(spec: NoticeSpec): NoticePayload {
  return spec.channel === 'email'
    ? { channel: 'email', to: spec.to, subject: spec.subject, text: spec.text }
    : { channel: spec.channel, to: spec.to, message: toJsonMessage(spec.message) };
}

/** The delivery an effect row stands for, in the words callers already use. */
export function deliveryOf(row: OutboxRow | null): Delivery {
  if (!row) return { ok: false, reason: 'not sent', retryable: true };
  const result = row.result as { ok?: boolean; messageId?: string | null; reason?: string } | null;
  if (row.state === 'done')
    return result?.ok
      ? { ok: true, ...(result.messageId ? { messageId: result.messageId } : {}) }
      : { ok: false, reason: result?.reason ?? 'unknown reason' };
  if (row.state === 'failed') return { ok: false, reason: row.lastError ?? 'unknown reason' };
  return { ok: false, reason: `${row.lastError ?? 'not sent yet'}; it will be retried`, retryable: true };
}

/**
 * Sends a notice once for its (kind, subject, channel): `build` runs only when it was not stored before (a chart
 * is drawn only when the report is actually posted). Returns how the first attempt went, or null when the notice
 * had been stored earlier (by an earlier cycle, before a restart, or by another instance).
 */
export async function deliverOnce(
  ctx: NoticeOutbox,
  notice: NoticeRef,
  build: () => NoticeSpec | Promise<NoticeSpec>,
): Promise<Delivery | null> {
  const key = noticeKey(notice);
  if (await effectByKey(ctx.db, key)) return null;
  const payload = payloadOf(await build());
  const stored = await enqueueEffects(
    ctx.db,
    [{ key, kind: 'notice', group: `${notice.kind}:${notice.subject}`, payload }],
    ctx.clock(),
  );
  if (stored === 0) return null;
  return deliveryOf(await ctx.effects.runKey(key));
}

/**
 * Stores a once-per-subject notice without carrying it out now: the next drain (the cycle's, or the runner's within
 * a second) sends it. For callers that may run inside another effect's execution (a stop learning a capability).
 */
export async function queueNotice(
  ctx: Pick<NoticeOutbox, 'db' | 'clock'>,
  notice: NoticeRef,
  spec: NoticeSpec,
): Promise<boolean> {
  const stored = await enqueueEffects(
    ctx.db,
    [
      {
        key: noticeKey(notice),
        kind: 'notice',
        group: `${notice.kind}:${notice.subject}`,
        payload: payloadOf(spec),
      },
    ],
    ctx.clock(),
  );
  return stored > 0;
}

/**
 * The once-per-subject notices of one carried-out effect (a stop, a cancel): the member's DM when there is one to
 * send, then the admins' alert. Both are stored before anything is sent, so a retry of the effect repeats neither.
 */
export async function queueEffectNotices(
  ctx: Pick<NoticeOutbox, 'db' | 'clock'>,
  ref: { kind: string; subject: string; memberId: number },
  dm: { to: string; message: NoticeMessage } | null,
  alert: { to: string | null; message: NoticeMessage },
): Promise<void> {
  if (dm) await queueNotice(ctx, { ...ref, channel: 'dm' }, { channel: 'dm', ...dm });
  await queueNotice(ctx, { ...ref, channel: 'alert' }, { channel: 'alert', ...alert });
}
