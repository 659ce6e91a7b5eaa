// `/link`: a member links their own media account by signing in (Plex PIN, Jellyfin Quick Connect). The media layer
// (src/media/self-link.ts) runs the sign-in and discards the member's token; this service decides whether the
// sign-in may happen, waits for it on the bot's clock, and stores the link through members.saveLink (so the rules of
// `/user link` hold: one account per server per member, an account linked to someone else is refused, audited).
import type { AppContext } from '../context.ts';
import type { MediaServerRow } from '../db/schema.ts';
import { UserError } from '../discord/errors.ts';
import {
  type SelfLinkMethod,
  SelfLinkUnavailableError,
  type SignIn,
  type SignInCode,
  type SignInState,
} from '../media/self-link.ts';
import { MediaServerError } from '../media/types.ts';
import { quoted, safe } from '../notify/format.ts';
import { StoredTokenError } from '../secrets.ts';
import { AccountTakenError, type DiscordUserRef, saveLink } from './members.ts';
import { findServer, serverNames } from './servers.ts';
import { getSettings } from './settings.ts';

/** An interaction token lasts 15 minutes (Discord docs, "Receiving and Responding"); the result must be edited in
 *  before that, so a sign-in is waited for 14 minutes at most, whatever the server allows. */
export const SELF_LINK_MAX_WAIT_MS = 14 * 60 * 1000;
/** Checks that fail in a row before the member is told the server can't be reached. */
export const SELF_LINK_MAX_FAILURES = 5;

const ASK_ADMIN =
  'Ask a server admin (someone with the Manage Server permission) to link you with `/user link`, giving them your user name on that server.';

export type SelfLinkStart =
  | { kind: 'ask-admin'; text: string }
  | {
      kind: 'started';
      server: MediaServerRow;
      method: SelfLinkMethod;
      code: SignInCode;
      /** Waits for the member (until the code expires or `signal` aborts), then links. Never rejects. */
      wait(signal: AbortSignal): Promise<SelfLinkOutcome>;
      /** Drops the sign-in without waiting (the code could not be shown). */
      cancel(): void;
    };

export type SelfLinkOutcome = { server: string } & (
  | {
      kind: 'linked';
      accountName: string;
      /** The account this member had on the server before (replaced), or null. */
      previous: string | null;
      pending: boolean;
      sessionLeftOpen: boolean;
    }
  | { kind: 'already-linked'; accountName: string }
  | { kind: 'not-a-user'; signedInAs: string }
  | { kind: 'taken'; accountName: string; holder: string }
  | { kind: 'expired' }
  | { kind: 'stopped' }
  | { kind: 'failed'; reason: string }
);

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function requireServerForMember(ctx: AppContext, name: string): Promise<MediaServerRow> {
  const server = await findServer(ctx.db, name);
  if (server) return server;
  const names = (await serverNames(ctx.db)).slice(0, 10).map((n) => safe(n));
  throw new UserError(
    `There is no server named ${quoted(name)}.${names.length ? ` Pick one of: ${names.join(', ')}.` : ' No server is set up yet: ask an admin.'}`,
  );
}

/** Starts a member's sign-in on `serverName`, or says why they must ask an admin. Changes nothing. */
export async function beginSelfLink(
  ctx: AppContext,
  user: DiscordUserRef,
  serverName: string,
): Promise<SelfLinkStart> {
  const settings = await getSettings(ctx.db);
  if (!settings.selfLink) {
    return { kind: 'ask-admin', text: `The admins have switched self-linking off. ${ASK_ADMIN}` };
  }
  const server = await requireServerForMember(ctx, serverName);
  let provider: ReturnType<AppContext['media']['selfLinkForRow']>;
  try {
    provider = ctx.media.selfLinkForRow(server);
  } catch (err) {
    if (!(err instanceof StoredTokenError)) throw err;
    return {
      kind: 'ask-admin',
      text: `${safe(server.name)} can't be reached by the bot right now: it needs its token again. ${ASK_ADMIN}`,
    };
  }
  if (!provider) {
    return {
      kind: 'ask-admin',
      text: `${safe(server.name)} (${server.platform}) has no way for members to sign in to the bot. ${ASK_ADMIN}`,
    };
  }
  let signIn: SignIn;
  try {
    signIn = await provider.begin();
  } catch (err) {
    if (err instanceof SelfLinkUnavailableError) return { kind: 'ask-admin', text: err.message };
    if (err instanceof MediaServerError) {
      ctx.log.warn({ err, server: server.name }, 'could not start a self-link sign-in');
      throw new UserError(
        `${server.name} could not be reached to start signing in. Try \`/link\` again in a few minutes.`,
      );
    }
    throw err;
  }
  return {
    kind: 'started',
    server,
    method: provider.method,
    code: signIn.code,
    wait: (signal) => waitForSignIn(ctx, user, server, provider.method, signIn, signal),
    cancel: () => signIn.end(),
  };
}

async function waitForSignIn(
  ctx: AppContext,
  user: DiscordUserRef,
  server: MediaServerRow,
  method: SelfLinkMethod,
  signIn: SignIn,
  signal: AbortSignal,
): Promise<SelfLinkOutcome> {
  const deadline = ctx.clock().getTime() + Math.min(signIn.code.expiresInMs, SELF_LINK_MAX_WAIT_MS);
  let failures = 0;
  let outcome: SelfLinkOutcome;
  try {
    for (;;) {
      if (signal.aborted) {
        outcome = { server: server.name, kind: 'stopped' };
        break;
      }
      if (ctx.clock().getTime() >= deadline) {
        outcome = { server: server.name, kind: 'expired' };
        break;
      }
      let state: SignInState | null = null;
      try {
        state = await signIn.check();
        failures = 0;
      } catch (err) {
        failures++;
        ctx.log.warn({ err, server: server.name, failures }, 'a self-link sign-in check failed');
        if (failures >= SELF_LINK_MAX_FAILURES) {
          outcome = {
            server: server.name,
            kind: 'failed',
            reason: `${server.name} could not be reached while you were signing in`,
          };
          break;
        }
      }
      if (state?.state === 'expired') {
        outcome = { server: server.name, kind: 'expired' };
        break;
      }
      if (state?.state === 'signed-in') {
        outcome = await linkSignedIn(ctx, user, server, method, state);
        break;
      }
      await pause(ctx.selfLinkPollMs, signal);
    }
  } finally {
    signIn.end();
  }
  ctx.log.info({ member: user.id, server: server.name, method, outcome: outcome.kind }, 'self-link finished');
  return outcome;
}

async function linkSignedIn(
  ctx: AppContext,
  user: DiscordUserRef,
  server: MediaServerRow,
  method: SelfLinkMethod,
  state: Extract<SignInState, { state: 'signed-in' }>,
): Promise<SelfLinkOutcome> {
  const { access } = state;
  if (!access) return { server: server.name, kind: 'not-a-user', signedInAs: state.signedInAs };
  try {
    const saved = await saveLink(
      ctx,
      user.id,
      user,
      server,
      { accountName: access.name, accountId: access.id },
      { action: 'user.self-link', detail: { via: method }, keepUnchanged: true },
    );
    if (saved.unchanged) return { server: server.name, kind: 'already-linked', accountName: access.name };
    return {
      server: server.name,
      kind: 'linked',
      accountName: access.name,
      previous: saved.previous,
      pending: access.pending,
      sessionLeftOpen: state.sessionLeftOpen === true,
    };
  } catch (err) {
    if (err instanceof AccountTakenError) {
      return { server: server.name, kind: 'taken', accountName: access.name, holder: err.holder };
    }
    ctx.log.error({ err, server: server.name }, 'saving a self-link failed');
    return { server: server.name, kind: 'failed', reason: 'the link could not be saved' };
  }
}
