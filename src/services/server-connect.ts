// `/server connect`: an admin adds a Plex server by signing in at plex.tv instead of copying a token. The bot waits
// for the sign-in on its own clock (sign-in-wait.ts, in a task the command starts with `ctx.runInBackground`), lists
// the Plex Media Servers the account owns (media/plex/resources.ts; the account's token is signed out right after
// and never stored), tries the chosen server's addresses with its own access token, and stores the first one that
// answers as that server through `saveServer`, the path `/server add` takes after its connection test.
import type { AppContext } from '../context.ts';
import type { AccountSignIn, PlexServerResource } from '../media/plex/resources.ts';
import { connectionOrder } from '../media/plex/resources.ts';
import { signInLabel } from '../media/self-link.ts';
import { MediaServerError, type ServerIdentity } from '../media/types.ts';
import { safe } from '../notify/format.ts';
import { registerSecret } from '../redact.ts';
import { UserError } from '../user-error.ts';
import { validateName } from './plans.ts';
import { SELF_LINK_MAX_FAILURES, SELF_LINK_MAX_WAIT_MS } from './self-link.ts';
import { findServer, listServers, normaliseUrl, refuseTaken, saveServer } from './servers.ts';
import { waitFor } from './sign-in-wait.ts';

/** How long one address may take to answer before the next is tried. */
export const CONNECT_CHECK_TIMEOUT_MS = 5_000;
const ADD_INSTEAD = 'add it with `/server add`, giving an address the bot can reach and the server’s token';

/** A server the admin may pick: what the reply shows (never its token). */
export interface OfferedServer {
  name: string;
  clientIdentifier: string;
  version: string | null;
}

export type ConnectSignedIn =
  | { kind: 'expired' }
  | { kind: 'stopped' }
  | { kind: 'failed'; reason: string }
  /** The account owns no Plex Media Server (`shared`: servers others share with it). */
  | { kind: 'no-servers'; signedInAs: string; shared: number }
  | { kind: 'servers'; signedInAs: string; servers: OfferedServer[] };

export interface ConnectStart {
  name: string;
  code: { code: string; url: string };
  /** When the bot stops waiting (the code's life, at most 14 minutes: the reply must be edited before then). */
  deadline: Date;
  /** Waits for the admin (until the deadline or `signal` aborts). Never rejects. */
  wait(signal: AbortSignal): Promise<ConnectSignedIn & { sessionLeftOpen?: boolean }>;
  /** Adds the owned server with this machine identifier. Throws a UserError saying why not. */
  connect(clientIdentifier: string): Promise<ConnectedServer>;
  /** Forgets the servers' tokens. Called once, at the end. */
  end(): void;
}

export type ConnectedServer = Awaited<ReturnType<typeof saveServer>> & { tried: TriedAddress[] };

export interface TriedAddress {
  url: string;
  problem: string;
}

/** Starts an admin's plex.tv sign-in for a server to be called `rawName`. Changes nothing. */
export async function beginServerConnect(
  ctx: AppContext,
  admin: { id: string; displayName: string },
  rawName: string,
): Promise<ConnectStart> {
  const name = validateName('server', rawName);
  const taken = await findServer(ctx.db, name);
  if (taken) throw new UserError(`A server named “${taken.name}” already exists. Pick another name.`);
  let signIn: AccountSignIn;
  try {
    signIn = await ctx.media.beginPlexAccountSignIn(
      signInLabel(admin.displayName, `admin ${admin.id.slice(-4)}`),
    );
  } catch (err) {
    if (!(err instanceof MediaServerError)) throw err;
    ctx.log.warn({ err }, 'could not start a plex.tv sign-in for /server connect');
    throw new UserError(
      `plex.tv could not be reached to start signing in. Try \`/server connect\` again in a few minutes, or ${ADD_INSTEAD}.`,
    );
  }
  const deadline = new Date(ctx.clock().getTime() + Math.min(signIn.code.expiresInMs, SELF_LINK_MAX_WAIT_MS));
  let owned: PlexServerResource[] = [];
  /** The token of the server added, which stays redacted once the sign-in ends. */
  let kept: string | undefined;
  return {
    name,
    code: { code: signIn.code.code, url: signIn.code.url },
    deadline,
    async wait(signal) {
      const waited = await waitFor(
        async () => {
          const state = await signIn.check();
          return state.state === 'waiting' ? null : state;
        },
        {
          clock: ctx.clock,
          deadline,
          pollMs: ctx.selfLinkPollMs,
          signal,
          maxFailures: SELF_LINK_MAX_FAILURES,
          onFailure: (err, failures) =>
            ctx.log.warn({ err, failures }, 'a /server connect sign-in check failed'),
        },
      );
      if (waited.kind === 'unreachable')
        return { kind: 'failed', reason: 'plex.tv could not be reached while you were signing in' };
      if (waited.kind !== 'done') return { kind: waited.kind };
      const state = waited.value;
      if (state.state === 'expired') return { kind: 'expired' };
      const left = state.sessionLeftOpen ? { sessionLeftOpen: true } : {};
      if (state.state === 'failed') {
        ctx.log.warn({ reason: state.reason }, 'plex.tv did not list the servers for /server connect');
        return { kind: 'failed', reason: 'plex.tv did not list the servers of your account', ...left };
      }
      if (signal.aborted) return { kind: 'stopped', ...left };
      owned = state.servers.filter((s) => s.owned);
      if (owned.length === 0) {
        return { kind: 'no-servers', signedInAs: state.signedInAs, shared: state.servers.length, ...left };
      }
      const servers = owned.map((s) => ({
        name: s.name,
        clientIdentifier: s.clientIdentifier,
        version: s.productVersion,
      }));
      return { kind: 'servers', signedInAs: state.signedInAs, servers, ...left };
    },
    async connect(clientIdentifier) {
      const resource = owned.find((s) => s.clientIdentifier === clientIdentifier);
      if (!resource)
        throw new UserError('That server is not among the ones your account owns. Nothing was added.');
      const connected = await connectResource(ctx, admin.id, name, resource);
      kept = resource.accessToken ?? undefined;
      return connected;
    },
    end: () => signIn.end(kept),
  };
}

/** What an address's failure was, in a few words (no token: the addresses come from plex.tv without one). */
function problemOf(err: unknown): string {
  if (!(err instanceof MediaServerError)) return 'could not be checked';
  switch (err.kind) {
    case 'unreachable':
      return 'could not connect';
    case 'timeout':
      return 'no answer in time';
    case 'unauthorized':
      return 'refused the token';
    case 'redirect':
      return 'answered with a redirect';
    default:
      return 'did not answer like a Plex server';
  }
}

async function connectResource(ctx: AppContext, actor: string, name: string, resource: PlexServerResource) {
  const added = (await listServers(ctx.db)).find(
    (s) => s.platform === 'plex' && s.remoteId === resource.clientIdentifier,
  );
  if (added) {
    throw new UserError(
      `**${safe(resource.name)}** is already added as “${added.name}”. Nothing was changed. Change its address or token with \`/server edit\`.`,
    );
  }
  const token = resource.accessToken;
  if (!token) {
    throw new UserError(
      `plex.tv gave no access token for **${safe(resource.name)}**, so nothing was added. Try again, or ${ADD_INSTEAD}.`,
    );
  }
  const tried: TriedAddress[] = [];
  let found: { url: string; identity: ServerIdentity } | null = null;
  for (const connection of connectionOrder(resource)) {
    let url: string;
    try {
      url = normaliseUrl(connection.uri);
    } catch {
      continue;
    }
    try {
      const identity = await ctx.media.connect('plex', url, token, CONNECT_CHECK_TIMEOUT_MS).identify();
      if (identity.serverId === resource.clientIdentifier) {
        found = { url, identity };
        break;
      }
      tried.push({ url, problem: 'another server answered there' });
    } catch (err) {
      tried.push({ url, problem: problemOf(err) });
    }
  }
  ctx.log.info(
    {
      server: resource.name,
      tried: tried.map((t) => `${t.url}: ${t.problem}`),
      connected: found?.url ?? null,
    },
    '/server connect tried the addresses plex.tv lists',
  );
  if (!found) {
    const list = tried.length
      ? tried.map((t) => `• ${safe(t.url)}: ${t.problem}`).join('\n')
      : '• plex.tv lists no address for it';
    throw new UserError(
      `The bot could not reach **${safe(resource.name)}** at any address plex.tv lists:\n${list}\nNothing was added. If the bot reaches it at another address, ${ADD_INSTEAD}.`,
    );
  }
  await refuseTaken(ctx.db, 'plex', name, found.url);
  registerSecret(token);
  const saved = await saveServer(
    ctx,
    actor,
    { platform: 'plex', name, url: found.url, token },
    found.identity,
    'plex-sign-in',
  );
  return { ...saved, tried };
}
