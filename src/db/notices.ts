import { and, eq } from 'drizzle-orm';
import type { Delivery } from '../notify/notifier.ts';
import type { Db } from './client.ts';
import { notices } from './schema.ts';

/**
 * Claims the right to send one notice. Returns false when it was already claimed (by an earlier cycle, or before a
 * restart): that is what makes "one DM per episode" and "once per week" hold. At most once: a crash between the
 * claim and the send loses that notice rather than repeating it.
 */
async function claimNotice(
  db: Db,
  n: { kind: string; subject: string; channel: string; memberId?: number | null },
): Promise<boolean> {
  const rows = await db
    .insert(notices)
    .values({
      kind: n.kind,
      subject: n.subject,
      channel: n.channel,
      memberId: n.memberId ?? null,
      status: 'pending',
    })
    .onConflictDoNothing()
    .returning({ id: notices.id });
  return rows.length > 0;
}

async function settleNotice(
  db: Db,
  n: { kind: string; subject: string; channel: string },
  status: 'sent' | 'failed' | 'skipped',
  detail: string | null = null,
  messageId: string | null = null,
): Promise<void> {
  await db
    .update(notices)
    .set({ status, detail, messageId })
    .where(and(eq(notices.kind, n.kind), eq(notices.subject, n.subject), eq(notices.channel, n.channel)));
}

/**
 * Sends a notice at most once for its (kind, subject, channel): claims it, sends, records the outcome. Returns the
 * delivery, or null when it had already been claimed.
 */
export async function deliverOnce(
  db: Db,
  notice: { kind: string; subject: string; channel: string; memberId?: number | null },
  send: () => Promise<Delivery>,
): Promise<Delivery | null> {
  if (!(await claimNotice(db, notice))) return null;
  const delivery = await send();
  if (delivery.ok) await settleNotice(db, notice, 'sent', null, delivery.messageId ?? null);
  else await settleNotice(db, notice, 'failed', delivery.reason);
  return delivery;
}

/** The Discord message id a notice was delivered as (null when it was not sent, or not as a message). */
export async function noticeMessageId(
  db: Db,
  n: { kind: string; subject: string; channel: string },
): Promise<string | null> {
  const [row] = await db
    .select({ messageId: notices.messageId })
    .from(notices)
    .where(and(eq(notices.kind, n.kind), eq(notices.subject, n.subject), eq(notices.channel, n.channel)));
  return row?.messageId ?? null;
}
