import { asc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { type DownloadSwitch, downloadSwitches, type MediaServerRow, mediaServers } from '../db/schema.ts';
import type { Platform, ServerIdentity } from '../media/types.ts';
import { quoted } from '../notify/format.ts';
import { registerSecret } from '../redact.ts';
import { UserError } from '../user-error.ts';
import { probeAndShow } from './capabilities.ts';
import { explainConnectionError, normaliseUrl, TOKEN_HELP } from './connection-errors.ts';
import { validateName } from './plans.ts';

export { explainConnectionError, normaliseUrl, PLATFORM_LABEL } from './connection-errors.ts';

/** Checks a token an admin typed and registers it with the redactor (it never reaches a log line). */
export function checkToken(platform: Platform, raw: string): string {
  const token = raw.trim();
  if (token.length < 8 || /\s/.test(token))
    throw new UserError(`That token does not look right. ${TOKEN_HELP[platform]}`);
  registerSecret(token);
  return token;
}

export async function findServer(db: Db, name: string): Promise<MediaServerRow | undefined> {
  const [row] = await db
    .select()
    .from(mediaServers)
    .where(eq(sql`lower(${mediaServers.name})`, name.trim().toLowerCase()));
  return row;
}

export async function requireServer(db: Db, name: string): Promise<MediaServerRow> {
  const row = await findServer(db, name);
  if (!row)
    throw new UserError(
      `There is no server named ${quoted(name)}. See \`/server list\`, or add it with \`/server add\`.`,
    );
  return row;
}

export const serverNames = async (db: Db) =>
  (await db.select({ name: mediaServers.name }).from(mediaServers).orderBy(asc(mediaServers.name))).map(
    (r) => r.name,
  );

export const listServers = (db: Db) => db.select().from(mediaServers).orderBy(asc(mediaServers.name));

/** What a server's identity tells about it (its status is left to the caller). */
export function identityFields(identity: ServerIdentity) {
  return {
    remoteId: identity.serverId,
    version: identity.version,
    premium: identity.premium,
    canStopStreams: identity.canStopStreams,
    stopUnavailableReason: identity.stopUnavailableReason,
  };
}

function identityColumns(identity: ServerIdentity, now: Date) {
  return {
    ...identityFields(identity),
    status: 'up' as const,
    statusReason: null,
    statusSince: now,
  };
}

export interface AddServerInput {
  platform: Platform;
  name: string;
  url: string;
  token: string;
}

/** Refuses a name or address another server already has. Throws a UserError. */
export async function refuseTaken(db: Db, platform: Platform, name: string, url: string): Promise<void> {
  if (await findServer(db, name))
    throw new UserError(`A server named “${name}” already exists. Pick another name.`);
  const sameUrl = (await listServers(db)).find((s) => s.url === url && s.platform === platform);
  if (sameUrl) throw new UserError(`That server is already added as “${sameUrl.name}”.`);
}

export async function addServer(ctx: AppContext, actor: string, input: AddServerInput) {
  const name = validateName('server', input.name);
  const url = normaliseUrl(input.url);
  const token = checkToken(input.platform, input.token);
  await refuseTaken(ctx.db, input.platform, name, url);

  let identity: ServerIdentity;
  try {
    identity = await ctx.media.connect(input.platform, url, token).identify();
  } catch (err) {
    throw new UserError(
      explainConnectionError(input.platform, url, err, {
        inContainer: ctx.config.inContainer,
        stored: false,
      }),
    );
  }
  return saveServer(ctx, actor, { platform: input.platform, name, url, token }, identity);
}

/**
 * Stores a server whose connection was just checked (`identity`), with its audit entry, then opens its push channel
 * and probes what the bot can do there. `via` says how it was added when not by `/server add` (audited).
 */
export async function saveServer(
  ctx: AppContext,
  actor: string,
  input: AddServerInput,
  identity: ServerIdentity,
  via?: string,
) {
  const { name, url, token } = input;
  const now = ctx.clock();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(mediaServers)
      .values({
        name,
        platform: input.platform,
        url,
        // The token is bound to the row's id, known once inserted: set in the same transaction.
        tokenEncrypted: '',
        ...identityColumns(identity, now),
        lastPollAt: null,
      })
      .returning({ id: mediaServers.id });
    if (!inserted) throw new Error('insert returned nothing');
    const [created] = await tx
      .update(mediaServers)
      .set({ tokenEncrypted: ctx.media.encryptToken(token, { serverId: inserted.id, url }) })
      .where(eq(mediaServers.id, inserted.id))
      .returning();
    if (!created) throw new Error('update returned nothing');
    await recordAudit(tx, {
      actor,
      action: 'server.add',
      target: `server:${name}`,
      after: { name, platform: input.platform, url, version: identity.version, ...(via ? { via } : {}) },
    });
    return created;
  });
  await ctx.syncPush();
  return { row, identity, capabilities: await probeAndShow(ctx, row, identity) };
}

/**
 * Switches one account's downloads back on, if the bot may have switched them off: a switch-off that was never
 * confirmed may still have been applied (the answer was lost, or the process died while the server applied it),
 * so the server is asked and downloads are switched on when it reports them off. Throws when it cannot.
 */
export async function undoSwitch(
  ctx: AppContext,
  server: MediaServerRow,
  row: DownloadSwitch,
): Promise<void> {
  const client = ctx.media.forRow(server);
  const account = { id: row.accountId, name: row.accountName };
  if (row.state === 'disable-failed' && (await client.downloadsAllowed(account))) return;
  await client.setDownloadsAllowed(account, true);
}

/**
 * Removes a server and its links. Downloads the bot switched off there are switched back on first, so nobody
 * stays blocked on a server the bot no longer watches; the accounts it could not reach are returned.
 */
export async function removeServer(
  ctx: AppContext,
  actor: string,
  rawName: string,
): Promise<{ row: MediaServerRow; stillOff: string[] }> {
  const row = await requireServer(ctx.db, rawName);
  const switched = await ctx.db.select().from(downloadSwitches).where(eq(downloadSwitches.serverId, row.id));
  const stillOff: string[] = [];
  for (const sw of switched) {
    try {
      await undoSwitch(ctx, row, sw);
    } catch {
      stillOff.push(sw.accountName);
    }
  }
  await ctx.db.transaction(async (tx) => {
    await tx.delete(mediaServers).where(eq(mediaServers.id, row.id));
    await recordAudit(tx, {
      actor,
      action: 'server.remove',
      target: `server:${row.name}`,
      before: { name: row.name, platform: row.platform, url: row.url },
    });
  });
  ctx.capabilities.forget(row.id);
  await ctx.syncPush();
  return { row, stillOff };
}

/** Connects now; stores what was learnt. Answers the identity, or the reason it failed (not thrown). */
export async function testServer(ctx: AppContext, rawName: string) {
  const row = await requireServer(ctx.db, rawName);
  try {
    const identity = await ctx.media.forRow(row).identify();
    await ctx.db
      .update(mediaServers)
      .set({
        ...identityColumns(identity, row.status === 'up' ? (row.statusSince ?? ctx.clock()) : ctx.clock()),
      })
      .where(eq(mediaServers.id, row.id));
    const fresh = { ...row, version: identity.version };
    return { row, identity, problem: null, capabilities: await probeAndShow(ctx, fresh, identity) };
  } catch (err) {
    return {
      row,
      identity: null,
      problem: explainConnectionError(row.platform, row.url, err, {
        inContainer: ctx.config.inContainer,
        stored: true,
      }),
      capabilities: null,
    };
  }
}

export async function setLogging(
  ctx: AppContext,
  actor: string,
  rawName: string,
  changes: { streams: boolean | null; downloads: boolean | null },
): Promise<MediaServerRow> {
  const row = await requireServer(ctx.db, rawName);
  if (changes.streams === null && changes.downloads === null) {
    throw new UserError('Nothing to change: give `streams`, `downloads`, or both.');
  }
  return ctx.db.transaction(async (tx) => {
    const [after] = await tx
      .update(mediaServers)
      .set({
        logStreams: changes.streams ?? row.logStreams,
        logDownloads: changes.downloads ?? row.logDownloads,
      })
      .where(eq(mediaServers.id, row.id))
      .returning();
    if (!after) throw new Error('update returned nothing');
    await recordAudit(tx, {
      actor,
      action: 'server.logging',
      target: `server:${row.name}`,
      before: { streams: row.logStreams, downloads: row.logDownloads },
      after: { streams: after.logStreams, downloads: after.logDownloads },
    });
    return after;
  });
}
