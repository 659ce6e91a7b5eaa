// Reading the audit log (written by src/db/audit.ts inside each change's transaction): newest first, filtered.
import { and, desc, eq, like, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { type AuditEntry, auditLog } from '../db/schema.ts';

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

export const AUDIT_PAGE_SIZE = 8;
export const AUDIT_KINDS = ['server', 'plan', 'user', 'enforcement', 'template'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditQuery {
  /** Discord id of the member the change was about (`member:<id>` targets). */
  memberId?: string;
  /** Discord id of the admin who made it. */
  adminId?: string;
  kind?: AuditKind;
  page: number;
}

export async function queryAudit(db: Db, q: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
  const where: SQL[] = [];
  if (q.memberId) where.push(eq(auditLog.target, `member:${q.memberId}`));
  if (q.adminId) where.push(eq(auditLog.actorDiscordId, q.adminId));
  if (q.kind) where.push(like(auditLog.action, `${q.kind}.%`));
  // before/after are read as JSON text and parsed here: drizzle parses a jsonb string value a second time, which
  // turns a stored "300000000000000003" (a channel id) into a rounded number.
  const rows = await db
    .select({
      id: auditLog.id,
      actorDiscordId: auditLog.actorDiscordId,
      action: auditLog.action,
      target: auditLog.target,
      createdAt: auditLog.createdAt,
      before: sql<string | null>`${auditLog.before}::text`,
      after: sql<string | null>`${auditLog.after}::text`,
    })
    .from(auditLog)
    .where(and(...where))
    // The id is the order of commits; created_at can tie within one transaction.
    .orderBy(desc(auditLog.id))
    .limit(AUDIT_PAGE_SIZE + 1)
    .offset(q.page * AUDIT_PAGE_SIZE);
  const entries = rows
    .slice(0, AUDIT_PAGE_SIZE)
    .map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) }));
  return { entries, more: rows.length > AUDIT_PAGE_SIZE };
}

const HIDDEN_KEYS = new Set(['id', 'createdAt', 'updatedAt']);

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function flat(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * "before → after" of one change, one line per field that changed. Objects are compared field by field; a value
 * that is not an object is shown whole.
 */
export function describeChange(before: unknown, after: unknown): string[] {
  const b = flat(before);
  const a = flat(after);
  if (!b && !a) return [`${show(before)} → ${show(after)}`];
  const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])].filter(
    (k) => !HIDDEN_KEYS.has(k),
  );
  const lines: string[] = [];
  for (const key of keys) {
    const was = b ? b[key] : undefined;
    const now = a ? a[key] : undefined;
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    if (!b) lines.push(`${key}: ${show(now)}`);
    else if (!a) lines.push(`${key}: was ${show(was)}`);
    else lines.push(`${key}: ${show(was)} → ${show(now)}`);
  }
  return lines.length > 0 ? lines : ['no change'];
}
