// A member's `/link` that would replace a link an admin made is never applied by itself: it is put to the admins
// (an alert with Approve/Refuse buttons, through the outbox) and the admin-made link stays, and is enforced, until
// one of them approves. Without an alerts channel there is nobody to ask, and the member is told to ask an admin.
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { enqueueEffects } from '../db/outbox.ts';
import {
  type LinkRequest,
  linkRequests,
  type MediaAccountRow,
  type MediaServerRow,
  mediaAccounts,
  mediaServers,
  members,
} from '../db/schema.ts';
import { type LinkRequestView, linkDecisionDm, linkRequestAlert } from '../notify/link-requests.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { toJsonMessage } from '../notify/payload.ts';
import { UserError } from '../user-error.ts';
import { memberLanguage } from './languages.ts';
import { type DiscordUserRef, findMember, refuseTakenAccount, writeLink } from './members.ts';
import { getSettings } from './settings.ts';

/** The member's link on `server` when an admin made it and `account` would replace it; null otherwise. */
export async function adminLinkReplacedBy(
  db: Db,
  discordUserId: string,
  serverId: number,
  account: { name: string; id: string },
): Promise<MediaAccountRow | null> {
  const member = await findMember(db, discordUserId);
  if (!member) return null;
  const [link] = await db
    .select()
    .from(mediaAccounts)
    .where(and(eq(mediaAccounts.memberId, member.id), eq(mediaAccounts.serverId, serverId)));
  if (link?.linkedBy !== 'admin') return null;
  const same = link.accountId
    ? link.accountId === account.id
    : link.accountName.toLowerCase() === account.name.toLowerCase();
  return same ? null : link;
}

export type SwapRequest = { kind: 'no-alerts-channel' } | { kind: 'requested'; id: number };

const alertKey = (id: number) => `link-request:${id}:alert`;
const decisionKey = (id: number) => `link-request:${id}:decision`;

/**
 * Stores the request, and its alert in the outbox, in one transaction (a pending request of the member on this
 * server is replaced), then posts the alert. Throws AccountTakenError when the account is someone else's.
 */
export async function putLinkToAdmins(
  ctx: AppContext,
  user: DiscordUserRef,
  server: MediaServerRow,
  account: { accountName: string; accountId: string | null },
  previous: MediaAccountRow,
  via: string,
): Promise<SwapRequest> {
  const alertsChannel = (await getSettings(ctx.db)).alertsChannelId;
  if (!alertsChannel) return { kind: 'no-alerts-channel' };
  const now = ctx.clock();
  const id = await ctx.db.transaction(async (tx) => {
    await refuseTakenAccount(tx, user, server, account);
    await tx
      .update(linkRequests)
      .set({ state: 'replaced', decidedAt: now })
      .where(
        and(
          eq(linkRequests.memberId, previous.memberId),
          eq(linkRequests.serverId, server.id),
          eq(linkRequests.state, 'pending'),
        ),
      );
    const [request] = await tx
      .insert(linkRequests)
      .values({
        memberId: previous.memberId,
        serverId: server.id,
        accountName: account.accountName,
        accountId: account.accountId,
        previousAccountName: previous.accountName,
        via,
        requestedAt: now,
      })
      .returning();
    if (!request) throw new Error('insert returned nothing');
    await recordAudit(tx, {
      actor: user.id,
      action: 'user.self-link-request',
      target: `member:${user.id}`,
      before: { server: server.name, account: previous.accountName },
      after: { server: server.name, account: account.accountName, via, request: request.id },
    });
    const view = viewOf(request, user.id, user.displayName, server.name);
    await queueNotice(
      tx,
      alertKey(request.id),
      request.id,
      'alert',
      alertsChannel,
      linkRequestAlert(view),
      now,
    );
    return request.id;
  });
  await ctx.effects.runKey(alertKey(id));
  return { kind: 'requested', id };
}

/** A request's message as an outbox notice (the alert, then the DM: one group, so in that order). */
function queueNotice(
  tx: Db,
  key: string,
  requestId: number,
  channel: 'alert' | 'dm',
  to: string,
  message: NoticeMessage,
  now: Date,
) {
  return enqueueEffects(
    tx,
    [
      {
        key,
        kind: 'notice',
        group: `link-request:${requestId}`,
        payload: { channel, to, message: toJsonMessage(message) },
      },
    ],
    now,
  );
}

function viewOf(
  r: LinkRequest,
  memberDiscordId: string,
  memberName: string,
  server: string,
): LinkRequestView {
  return {
    id: r.id,
    memberDiscordId,
    memberName,
    server,
    account: r.accountName,
    previous: r.previousAccountName,
    via: r.via,
  };
}

/**
 * An admin's Approve or Refuse (the caller checked the permission). Approving writes the link (as the admins'
 * own: `linked_by = admin`) with the usual checks; either way the request is closed, audited, and the member gets
 * a DM through the outbox, all in one transaction. Returns the alert as it reads now.
 */
export async function decideLinkRequest(
  ctx: AppContext,
  click: { id: number; approve: boolean; adminId: string },
) {
  const now = ctx.clock();
  const { message, dm } = await ctx.db.transaction(async (tx) => {
    const [request] = await tx.select().from(linkRequests).where(eq(linkRequests.id, click.id)).for('update');
    if (!request)
      throw new UserError('This request no longer exists (the member or the server was removed).');
    if (request.state !== 'pending') {
      throw new UserError(
        request.state === 'replaced'
          ? 'The member asked again since: decide on the newer request.'
          : `This request was already ${request.state}${request.decidedBy ? ` by <@${request.decidedBy}>` : ''}.`,
      );
    }
    const [member] = await tx.select().from(members).where(eq(members.id, request.memberId));
    const [server] = await tx.select().from(mediaServers).where(eq(mediaServers.id, request.serverId));
    if (!member || !server) throw new UserError('This request no longer exists.');
    const user = { id: member.discordUserId, displayName: member.displayName };
    if (click.approve) {
      await writeLink(
        tx,
        click.adminId,
        user,
        server,
        { accountName: request.accountName, accountId: request.accountId },
        {
          action: 'user.self-link-approved',
          detail: { via: request.via, request: String(request.id) },
          linkedBy: 'admin',
        },
      );
    } else {
      await recordAudit(tx, {
        actor: click.adminId,
        action: 'user.self-link-refused',
        target: `member:${member.discordUserId}`,
        before: { server: server.name, account: request.previousAccountName },
        after: { server: server.name, refused: request.accountName, request: request.id },
      });
    }
    await tx
      .update(linkRequests)
      .set({ state: click.approve ? 'approved' : 'refused', decidedBy: click.adminId, decidedAt: now })
      .where(eq(linkRequests.id, request.id));
    const view = viewOf(request, member.discordUserId, member.displayName, server.name);
    await queueNotice(
      tx,
      decisionKey(request.id),
      request.id,
      'dm',
      member.discordUserId,
      linkDecisionDm(view, click.approve, memberLanguage(member, await getSettings(tx))),
      now,
    );
    return {
      message: linkRequestAlert(view, { approved: click.approve, by: click.adminId }),
      dm: decisionKey(request.id),
    };
  });
  await ctx.effects.runKey(dm);
  return message;
}
