import { and, eq, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import {
  type LinkedBy,
  type MediaServerRow,
  type Member,
  mediaAccounts,
  mediaServers,
  members,
  plans,
} from '../db/schema.ts';
import { type MediaAccount, PartialAccountsError } from '../media/types.ts';
import { clip, quoted, safe } from '../notify/format.ts';
import { closeNames } from '../policy/accounts.ts';
import { UserError } from '../user-error.ts';
import { failureObservation } from './capabilities.ts';
import { requireServer } from './servers.ts';

export interface DiscordUserRef {
  id: string;
  displayName: string;
}

export async function findMember(db: Db, discordUserId: string): Promise<Member | undefined> {
  const [row] = await db.select().from(members).where(eq(members.discordUserId, discordUserId));
  return row;
}

export async function upsertMember(db: Db, user: DiscordUserRef): Promise<Member> {
  const [row] = await db
    .insert(members)
    .values({ discordUserId: user.id, displayName: user.displayName })
    .onConflictDoUpdate({ target: members.discordUserId, set: { displayName: user.displayName } })
    .returning();
  if (!row) throw new Error('upsert returned nothing');
  return row;
}

function validateAccountName(raw: string): string {
  const name = raw.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (name.length === 0 || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new UserError('`account` must be the member’s user name on that server, 1–100 characters.');
  }
  return name;
}

interface AccountLookup {
  accountName: string;
  accountId: string | null;
  /** Whether the name was checked; false when the server could not be reached (the link is then kept by name). */
  checked: boolean;
  /** What could not be read when the server answered in part and the name was not in the rest (in words). */
  unread: string[];
  /** The account was invited but has not accepted yet. */
  pending: boolean;
}

/** Looks the account up so a typo is caught now, not at the first breach. A server that can't be reached doesn't
 *  block linking: the name is matched when sessions are read. Nor does a list read in part, unless the name is in
 *  the part read. */
async function lookUpAccount(
  ctx: AppContext,
  server: MediaServerRow,
  accountName: string,
): Promise<AccountLookup> {
  const unchecked = (unread: string[]) => ({
    accountName,
    accountId: null,
    checked: false,
    unread,
    pending: false,
  });
  let accounts: MediaAccount[];
  let unread: string[] = [];
  try {
    accounts = await ctx.media.forRow(server).listAccounts();
    await ctx.capabilities.observe(server, [{ capability: 'list-accounts', ok: true }]);
  } catch (err) {
    await ctx.capabilities.observe(server, [failureObservation('list-accounts', err)]);
    ctx.log.warn({ err, server: server.name }, 'could not list accounts while linking');
    if (!(err instanceof PartialAccountsError)) return unchecked([]);
    accounts = err.found;
    unread = err.unread;
  }
  const wanted = accountName.toLowerCase();
  const found =
    accounts.find((a) => a.name.toLowerCase() === wanted) ??
    accounts.find((a) => a.aliases?.some((alias) => alias.toLowerCase() === wanted));
  if (!found && unread.length > 0) return unchecked(unread);
  if (!found) {
    const names = accounts.map((a) => a.name);
    const close = closeNames(accountName, names).map((n) => `**${safe(clip(n, 60))}**`);
    const sample = names
      .slice(0, 10)
      .map((n) => safe(clip(n, 60)))
      .join(', ');
    throw new UserError(
      [
        `${server.name} has no account named ${quoted(accountName)}.`,
        close.length ? `Did you mean ${close.join(' or ')}?` : '',
        sample ? `Accounts there include: ${sample}.` : '',
        'Use the name exactly as the server shows it.',
      ]
        .filter(Boolean)
        .join(' '),
    );
  }
  return {
    accountName: found.name,
    accountId: found.id,
    checked: true,
    unread: [],
    pending: found.pending === true,
  };
}

export async function linkAccount(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  serverName: string,
  rawAccount: string,
) {
  const server = await requireServer(ctx.db, serverName);
  const lookup = await lookUpAccount(ctx, server, validateAccountName(rawAccount));
  const { accountName, accountId } = lookup;
  const saved = await saveLink(ctx, actor, user, server, { accountName, accountId }, { action: 'user.link' });
  return { ...saved, ...lookup, server };
}

/** The account is linked to another member; `holder` is that member's display name. */
export class AccountTakenError extends UserError {
  constructor(
    message: string,
    readonly holder: string,
  ) {
    super(message);
  }
}

export interface LinkOptions {
  /** The audit action (`user.link` for admins, `user.self-link` for `/link`). */
  action: string;
  /** Added to the audit entry's `after` (how the account was proven, for `/link`). */
  detail?: Record<string, string>;
  /** When the member already has exactly this account on the server, change nothing and write no audit entry. */
  keepUnchanged?: boolean;
  /** Who made the link (default `admin`): `/link` never replaces an admin's link without an admin's approval. */
  linkedBy?: LinkedBy;
}

/**
 * Stores `user`'s link to `account` on `server`, the one place links are written: one account per server per
 * member (an existing link on that server is replaced), and an account linked to someone else (by name, or by
 * account id under an older name) is refused with AccountTakenError. Audited in the same transaction.
 */
export async function saveLink(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  server: MediaServerRow,
  account: { accountName: string; accountId: string | null },
  options: LinkOptions,
) {
  try {
    return await ctx.db.transaction((tx) => writeLink(tx, actor, user, server, account, options));
  } catch (err) {
    if (!isUniqueViolation(err) || err instanceof UserError) throw err;
    // Another link of this account committed between our check and our write.
    await refuseTakenAccount(ctx.db, user, server, account);
    throw err;
  }
}

/** saveLink's work inside the caller's transaction (a unique violation aborts it: see saveLink). */
export async function writeLink(
  tx: Db,
  actor: string,
  user: DiscordUserRef,
  server: MediaServerRow,
  account: { accountName: string; accountId: string | null },
  options: LinkOptions,
) {
  const { accountName, accountId } = account;
  const linkedBy = options.linkedBy ?? 'admin';
  // Checked in the transaction that writes; the unique indexes on (server, name) and (server, account id) turn a
  // concurrent link of the same account into a unique violation.
  await refuseTakenAccount(tx, user, server, account);
  const member = await upsertMember(tx, user);
  const [existing] = await tx
    .select()
    .from(mediaAccounts)
    .where(and(eq(mediaAccounts.memberId, member.id), eq(mediaAccounts.serverId, server.id)));
  if (
    options.keepUnchanged &&
    existing &&
    existing.accountId === accountId &&
    existing.accountName === accountName
  ) {
    return { member, previous: existing.accountName, unchanged: true };
  }
  if (existing) {
    await tx
      .update(mediaAccounts)
      .set({ accountName, accountId, linkedBy })
      .where(eq(mediaAccounts.id, existing.id));
  } else {
    await tx
      .insert(mediaAccounts)
      .values({ memberId: member.id, serverId: server.id, accountName, accountId, linkedBy });
  }
  await recordAudit(tx, {
    actor,
    action: options.action,
    target: `member:${user.id}`,
    before: existing ? { server: server.name, account: existing.accountName } : null,
    after: { server: server.name, account: accountName, ...options.detail },
  });
  return { member, previous: existing?.accountName ?? null, unchanged: false };
}

/** Throws AccountTakenError when the account is linked to someone else on `server` (by name, or by account id under
 *  an older name). */
export async function refuseTakenAccount(
  db: Db,
  user: DiscordUserRef,
  server: MediaServerRow,
  account: { accountName: string; accountId: string | null },
): Promise<void> {
  const { accountName, accountId } = account;
  const sameAccount = eq(sql`lower(${mediaAccounts.accountName})`, accountName.toLowerCase());
  const [taken] = await db
    .select({ displayName: members.displayName })
    .from(mediaAccounts)
    .innerJoin(members, eq(members.id, mediaAccounts.memberId))
    .where(
      and(
        eq(mediaAccounts.serverId, server.id),
        accountId ? or(sameAccount, eq(mediaAccounts.accountId, accountId)) : sameAccount,
        ne(members.discordUserId, user.id),
      ),
    );
  if (taken) {
    throw new AccountTakenError(
      `${quoted(accountName)} on ${server.name} is already linked to ${taken.displayName}. Unlink it first with \`/user unlink\`.`,
      taken.displayName,
    );
  }
}

export async function unlinkAccount(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  serverName: string,
) {
  const server = await requireServer(ctx.db, serverName);
  const member = await findMember(ctx.db, user.id);
  const [link] = member
    ? await ctx.db
        .select()
        .from(mediaAccounts)
        .where(and(eq(mediaAccounts.memberId, member.id), eq(mediaAccounts.serverId, server.id)))
    : [];
  if (!member || !link) throw new UserError(`${user.displayName} has no account linked on ${server.name}.`);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(mediaAccounts).where(eq(mediaAccounts.id, link.id));
    await recordAudit(tx, {
      actor,
      action: 'user.unlink',
      target: `member:${user.id}`,
      before: { server: server.name, account: link.accountName },
    });
  });
  return { server, accountName: link.accountName };
}

export async function setMemberAllotment(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  downloads: number,
) {
  if (!Number.isInteger(downloads) || downloads < 0 || downloads > 10_000) {
    throw new UserError('`downloads` must be a whole number from 0 to 10000.');
  }
  const result = await ctx.db.transaction(async (tx) => {
    const before = await findMember(tx, user.id);
    const member = await upsertMember(tx, user);
    await tx.update(members).set({ downloadAllotment: downloads }).where(eq(members.id, member.id));
    await recordAudit(tx, {
      actor,
      action: 'user.allotment',
      target: `member:${user.id}`,
      before: { downloads: before?.downloadAllotment ?? null },
      after: { downloads },
    });
    const [plan] = member.planId ? await tx.select().from(plans).where(eq(plans.id, member.planId)) : [];
    return { plan: plan ?? null };
  });
  await ctx.reconcileDownloadSwitches();
  return result;
}

/** zod's email check (no quoted local parts, a dotted domain); 254 is the longest address SMTP carries (RFC 5321). */
const EMAIL = z.email().max(254);

export async function setMemberEmail(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  address: string | null,
) {
  const email = address?.trim() || null;
  if (email !== null && !EMAIL.safeParse(email).success) {
    throw new UserError(
      '`address` is not an email address. Give one like name@example.org, or leave it out to remove it.',
    );
  }
  await ctx.db.transaction(async (tx) => {
    const before = await findMember(tx, user.id);
    const member = await upsertMember(tx, user);
    await tx.update(members).set({ email }).where(eq(members.id, member.id));
    await recordAudit(tx, {
      actor,
      action: 'user.email',
      target: `member:${user.id}`,
      before: { email: before?.email ? 'set' : null },
      after: { email: email ? 'set' : null },
    });
  });
  return email;
}

export async function memberLinks(db: Db, memberId: number) {
  return db
    .select({
      server: mediaServers.name,
      platform: mediaServers.platform,
      accountName: mediaAccounts.accountName,
      accountId: mediaAccounts.accountId,
    })
    .from(mediaAccounts)
    .innerJoin(mediaServers, eq(mediaServers.id, mediaAccounts.serverId))
    .where(eq(mediaAccounts.memberId, memberId))
    .orderBy(mediaServers.name);
}
