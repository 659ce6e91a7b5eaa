// `/server edit`: a new address, token or name for a server, keeping its links, download switches and history.
// The new address and token are checked by connecting before anything is stored; a changed address must answer as
// the same server (its machineIdentifier / server Id) unless the admin confirms it is another one.
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { type MediaServerRow, mediaServers, pendingSignIns } from '../db/schema.ts';
import type { ServerIdentity } from '../media/types.ts';
import { quoted } from '../notify/format.ts';
import { StoredTokenError, type TokenBinding } from '../secrets.ts';
import { UserError } from '../user-error.ts';
import { probeAndShow } from './capabilities.ts';
import { validateName } from './plans.ts';
import {
  checkToken,
  explainConnectionError,
  findServer,
  identityFields,
  listServers,
  normaliseUrl,
  PLATFORM_LABEL,
  requireServer,
} from './servers.ts';

export interface EditServerInput {
  server: string;
  url: string | null;
  token: string | null;
  name: string | null;
  /** The new address is another server on purpose (its identity differs from the stored one). */
  confirmNewServer: boolean;
}

/** What changed, as the reply and the audit log say it (never the token). */
export interface ServerChanges {
  url: { before: string; after: string } | null;
  name: { before: string; after: string } | null;
  token: boolean;
}

/** Everything checked before connecting: the row, the new values, and what they change. Throws a UserError. */
async function plan(ctx: AppContext, input: EditServerInput) {
  if (input.url === null && input.token === null && input.name === null) {
    throw new UserError('Nothing to change: give `url`, `token`, `name`, or several of them.');
  }
  const row = await requireServer(ctx.db, input.server);
  const url = input.url === null ? row.url : normaliseUrl(input.url);
  const token = input.token === null ? null : checkToken(row.platform, input.token);
  const name = input.name === null ? row.name : validateName('server', input.name);
  if (name.toLowerCase() !== row.name.toLowerCase()) {
    const taken = await findServer(ctx.db, name);
    if (taken) throw new UserError(`A server named “${taken.name}” already exists. Pick another name.`);
  }
  if (url !== row.url) {
    const sameUrl = (await listServers(ctx.db)).find(
      (s) => s.id !== row.id && s.url === url && s.platform === row.platform,
    );
    if (sameUrl) throw new UserError(`That address is already used by the server “${sameUrl.name}”.`);
  }
  const changes: ServerChanges = {
    url: url === row.url ? null : { before: row.url, after: url },
    name: name === row.name ? null : { before: row.name, after: name },
    token: token !== null,
  };
  if (!changes.url && !changes.name && !changes.token) {
    throw new UserError(`Nothing to change: **${row.name}** already has that address and name.`);
  }
  return { row, url, token, name, changes };
}

/** The token to connect with: the new one, or the stored one (only readable for the row's own address). */
function tokenToUse(ctx: AppContext, row: MediaServerRow, given: string | null, url: string): string {
  if (given !== null) return given;
  try {
    return ctx.media.decryptSecret(row.tokenEncrypted, { serverId: row.id, url: row.url });
  } catch (err) {
    if (!(err instanceof StoredTokenError)) throw err;
    throw new UserError(
      `The stored token of **${row.name}** cannot be read, so it cannot be moved to the new address: give the token too, \`/server edit server:${row.name} url:${url} token:<token>\`. Nothing was changed.`,
    );
  }
}

/**
 * Refuses an address or token that answers as another server than the one stored, unless the admin confirmed it:
 * a typo in the address, or a row repointed outside the bot, must not send the bot to someone else's server.
 */
function checkSameServer(row: MediaServerRow, url: string, identity: ServerIdentity, confirmed: boolean) {
  const moved = url !== row.url;
  if (confirmed || row.remoteId === identity.serverId || (row.remoteId === null && !moved)) return;
  const what = row.remoteId
    ? `is another ${PLATFORM_LABEL[row.platform]} server (${quoted(identity.name)}), not the one “${row.name}” was added as`
    : `cannot be checked against the server “${row.name}” was added as (the bot never learnt its identity)`;
  throw new UserError(
    `${url} ${what}. Check the address${moved ? '' : ' (give the right one in `url`)'}; if it is the right server, run the command again with \`confirm-new-server:true\`: its links and download switches stay with it. Nothing was changed.`,
  );
}

/** Moves the Quick Connect secrets of sign-ins not settled yet to the new address, so they still settle. */
async function rebindPendingSignIns(
  ctx: AppContext,
  tx: Parameters<Parameters<AppContext['db']['transaction']>[0]>[0],
  from: TokenBinding,
  to: TokenBinding,
) {
  const pending = await tx
    .select({ id: pendingSignIns.id, secret: pendingSignIns.secretEncrypted })
    .from(pendingSignIns)
    .where(eq(pendingSignIns.serverId, from.serverId));
  for (const p of pending) {
    let secret: string;
    try {
      secret = ctx.media.decryptSecret(p.secret, from);
    } catch {
      continue; // unreadable already: settling gives it up and tells the member
    }
    await tx
      .update(pendingSignIns)
      .set({ secretEncrypted: ctx.media.encryptToken(secret, to) })
      .where(eq(pendingSignIns.id, p.id));
  }
}

/** Renames a server: nothing to connect to, the token stays as it is. */
async function rename(ctx: AppContext, actor: string, row: MediaServerRow, name: string) {
  return ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(mediaServers)
      .set({ name })
      .where(and(eq(mediaServers.id, row.id), eq(mediaServers.name, row.name)))
      .returning();
    if (!updated) return null;
    await recordAudit(tx, {
      actor,
      action: 'server.edit',
      target: `server:${name}`,
      before: { name: row.name },
      after: { name },
    });
    return updated;
  });
}

const changedMeanwhile = (row: MediaServerRow) =>
  new UserError(
    `“${row.name}” was changed by someone else meanwhile. Check \`/server list\` and run the command again. Nothing was changed.`,
  );

/**
 * Changes a server's address, token or name. A new address or token is checked by connecting first (the same
 * server, unless confirmed); the token is stored bound to the new address. Throws a UserError, changing nothing,
 * when it refuses. Answers the row as stored, what changed, and, when it connected, the identity and capabilities.
 */
export async function editServer(ctx: AppContext, actor: string, input: EditServerInput) {
  const { row, url, token, name, changes } = await plan(ctx, input);
  if (!changes.url && !changes.token) {
    const renamed = await rename(ctx, actor, row, name);
    if (!renamed) throw changedMeanwhile(row);
    await ctx.syncPush();
    return { row: renamed, changes, identity: null, capabilities: null };
  }
  const connectWith = tokenToUse(ctx, row, token, url);
  let identity: ServerIdentity;
  try {
    identity = await ctx.media.connect(row.platform, url, connectWith).identify();
  } catch (err) {
    const where = { inContainer: ctx.config.inContainer, stored: false };
    throw new UserError(`${explainConnectionError(row.platform, url, err, where)} Nothing was changed.`);
  }
  checkSameServer(row, url, identity, input.confirmNewServer);

  const binding = { serverId: row.id, url };
  const after = await ctx.db.transaction(async (tx) => {
    // Compare-and-set: an edit, removal or re-bind that happened meanwhile is not overwritten.
    const [updated] = await tx
      .update(mediaServers)
      .set({
        name,
        url,
        tokenEncrypted: ctx.media.encryptToken(connectWith, binding),
        ...identityFields(identity),
      })
      .where(
        and(
          eq(mediaServers.id, row.id),
          eq(mediaServers.url, row.url),
          eq(mediaServers.name, row.name),
          eq(mediaServers.tokenEncrypted, row.tokenEncrypted),
        ),
      )
      .returning();
    if (!updated) return null;
    if (changes.url) await rebindPendingSignIns(ctx, tx, { serverId: row.id, url: row.url }, binding);
    await recordAudit(tx, {
      actor,
      action: 'server.edit',
      target: `server:${name}`,
      before: { name: row.name, url: row.url },
      after: { name, url, token: changes.token ? 'replaced' : 'kept', version: identity.version },
    });
    return updated;
  });
  if (!after) throw changedMeanwhile(row);
  // The push socket reopens with the new address or token; what the bot can do there is learnt again. Its status
  // is left to the next cycle, which records it coming back up and tells the admins.
  ctx.capabilities.forget(row.id);
  await ctx.syncPush();
  return { row: after, changes, identity, capabilities: await probeAndShow(ctx, after, identity) };
}
