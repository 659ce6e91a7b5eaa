// `/link`: a member links their own media account by signing in (Plex PIN, Jellyfin Quick Connect). The media layer
// (src/media/self-link.ts) runs the sign-in and discards the member's token; this service decides whether the
// sign-in may happen, waits for it on the bot's clock, and stores the link through members.saveLink (so the rules of
// `/user link` hold: one account per server per member, an account linked to someone else is refused, audited).

import type { AppContext } from '../context.ts';
import { type MediaServerRow, mediaServers } from '../db/schema.ts';
import { type Language, type Translate, translator } from '../i18n/index.ts';
import {
  type SelfLinkMethod,
  SelfLinkUnavailableError,
  type SignIn,
  type SignInCode,
  type SignInState,
  signInDeviceName,
  signInLabel,
} from '../media/self-link.ts';
import { MediaServerError } from '../media/types.ts';
import { quoted, safe } from '../notify/format.ts';
import {
  mayStartSignIn,
  pruneSignIns,
  SELF_LINK_LIMITS,
  type SelfLinkVerdict,
  type SignInRecord,
} from '../policy/self-link-limits.ts';
import { giveTokenCommand, StoredTokenError } from '../secrets.ts';
import { UserError } from '../user-error.ts';
import { failureObservation } from './capabilities.ts';
import { adminLinkReplacedBy, putLinkToAdmins } from './link-requests.ts';
import { AccountTakenError, type DiscordUserRef, saveLink } from './members.ts';
import { recordPendingSignIn, releasePendingSignIn } from './pending-sign-ins.ts';
import { findServer, serverNames } from './servers.ts';
import { getSettings } from './settings.ts';
import { pause } from './sign-in-wait.ts';

/** An interaction token lasts 15 minutes (Discord docs, "Receiving and Responding"); the result must be edited in
 *  before that, so a sign-in is waited for 14 minutes at most, whatever the server allows. */
export const SELF_LINK_MAX_WAIT_MS = 14 * 60 * 1000;
/** Checks that fail in a row before the member is told the server can't be reached. */
export const SELF_LINK_MAX_FAILURES = 5;

export type SelfLinkStart =
  | { kind: 'ask-admin'; text: string }
  /** Too many sign-ins (this member's, or the bot's): try again at `retryAt`. */
  | { kind: 'wait'; text: string; retryAt: Date }
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

export type SelfLinkOutcome = {
  server: string;
  /** The device name of a sign-in session that could not be logged out (the member should remove it). */
  openDevice?: string;
} & (
  | {
      kind: 'linked';
      accountName: string;
      /** The account this member had on the server before (replaced), or null. */
      previous: string | null;
      pending: boolean;
      sessionLeftOpen: boolean;
      method: SelfLinkMethod;
      /** The device name the sign-in used (the device to remove when its session was left open). */
      deviceName: string;
    }
  | { kind: 'already-linked'; accountName: string }
  /** An admin linked another account: the change was put to the admins, the old link stays until approved. */
  | { kind: 'requested'; accountName: string; previous: string }
  /** An admin linked another account and there is no alerts channel to ask them in. */
  | { kind: 'admin-linked'; accountName: string; previous: string }
  | { kind: 'not-a-user'; signedInAs: string }
  | { kind: 'taken'; accountName: string; holder: string }
  | { kind: 'expired' }
  | { kind: 'stopped' }
  | { kind: 'failed'; reason: string }
  /** The server refuses the sign-in for good: asking again will not help. */
  | { kind: 'unavailable'; text: string }
);

/** The sign-ins this bot started (in memory: only the instance holding the gateway answers commands). */
const signInsByBot = new WeakMap<AppContext, SignInRecord[]>();

function waitText(t: Translate, reason: Extract<SelfLinkVerdict, { ok: false }>['reason']): string {
  if (reason === 'in-flight') return t('link.wait.inFlight');
  if (reason === 'hourly') return t('link.wait.hourly', { count: SELF_LINK_LIMITS.perMemberPerHour });
  return t('link.wait.busy');
}

/** Books a sign-in for `member` now, or says when to try again. `release` marks it finished (idempotent). */
function bookSignIn(
  ctx: AppContext,
  member: string,
  deadline: number,
  t: Translate,
): { ok: true; release: () => void } | { ok: false; start: SelfLinkStart } {
  const now = ctx.clock();
  const records = pruneSignIns(signInsByBot.get(ctx) ?? [], now);
  signInsByBot.set(ctx, records);
  const verdict = mayStartSignIn(records, member, now, ctx.selfLinkLimits);
  if (!verdict.ok) {
    return {
      ok: false,
      start: { kind: 'wait', text: waitText(t, verdict.reason), retryAt: verdict.retryAt },
    };
  }
  const record: SignInRecord = { member, startedAt: now.getTime(), deadline, inFlight: true };
  records.push(record);
  return {
    ok: true,
    release: () => {
      record.inFlight = false;
    },
  };
}

/** The member's name as the sign-in page or device carries it. */
const memberLabel = (user: DiscordUserRef) => signInLabel(user.displayName, `member ${user.id.slice(-4)}`);

async function requireServerForMember(ctx: AppContext, name: string, t: Translate): Promise<MediaServerRow> {
  const server = await findServer(ctx.db, name);
  if (server) return server;
  const names = (await serverNames(ctx.db)).slice(0, 10).map((n) => safe(n));
  throw new UserError(
    `${t('link.noServer', { name: quoted(name) })} ${names.length ? t('link.pickOne', { names: names.join(', ') }) : t('link.noServers')}`,
  );
}

/** The servers members can link themselves on with `/link` now, by name: none while self-linking is off. */
export async function selfLinkServerNames(ctx: AppContext): Promise<string[]> {
  const settings = await getSettings(ctx.db);
  if (!settings.selfLink) return [];
  const rows = await ctx.db.select().from(mediaServers).orderBy(mediaServers.name);
  return rows
    .filter((row) => {
      try {
        return ctx.media.selfLinkForRow(row) !== null;
      } catch (err) {
        if (err instanceof StoredTokenError) return false;
        throw err;
      }
    })
    .map((row) => row.name);
}

/** Starts a member's sign-in on `serverName`, or says why they must ask an admin. Changes nothing. */
export async function beginSelfLink(
  ctx: AppContext,
  user: DiscordUserRef,
  serverName: string,
  lang: Language = 'en',
): Promise<SelfLinkStart> {
  const t = translator(lang);
  const askAdmin = t('link.askAdmin');
  const settings = await getSettings(ctx.db);
  if (!settings.selfLink) {
    return { kind: 'ask-admin', text: t('link.selfLinkOff', { askAdmin }) };
  }
  const server = await requireServerForMember(ctx, serverName, t);
  let provider: ReturnType<AppContext['media']['selfLinkForRow']>;
  try {
    provider = ctx.media.selfLinkForRow(server);
  } catch (err) {
    if (!(err instanceof StoredTokenError)) throw err;
    return {
      kind: 'ask-admin',
      text: t('link.needsToken', {
        server: safe(server.name),
        command: giveTokenCommand(server.name),
        askAdmin,
      }),
    };
  }
  if (!provider) {
    return {
      kind: 'ask-admin',
      text: t('link.noSignIn', { server: safe(server.name), platform: server.platform, askAdmin }),
    };
  }
  const booking = bookSignIn(ctx, user.id, ctx.clock().getTime() + SELF_LINK_MAX_WAIT_MS, t);
  if (!booking.ok) return booking.start;
  let signIn: SignIn;
  try {
    signIn = await provider.begin(memberLabel(user));
    await ctx.capabilities.observe(server, [{ capability: 'self-link', ok: true }]);
  } catch (err) {
    booking.release();
    await ctx.capabilities.observe(server, [
      err instanceof SelfLinkUnavailableError
        ? { capability: 'self-link', ok: false, reason: err.message }
        : failureObservation('self-link', err),
    ]);
    if (err instanceof SelfLinkUnavailableError) return { kind: 'ask-admin', text: err.message };
    if (err instanceof MediaServerError) {
      ctx.log.warn({ err, server: server.name }, 'could not start a self-link sign-in');
      throw new UserError(t('link.unreachable', { server: server.name }));
    }
    throw err;
  }
  const deadline = new Date(ctx.clock().getTime() + Math.min(signIn.code.expiresInMs, SELF_LINK_MAX_WAIT_MS));
  // Stored before the member sees the code: whatever happens to this wait, an approval gets settled.
  let pendingId: number | null = null;
  if (signIn.pending) {
    try {
      pendingId = await recordPendingSignIn(ctx, server, user.id, signIn.pending, deadline);
    } catch (err) {
      booking.release();
      signIn.end();
      throw err;
    }
  }
  const wait = { signIn, pendingId, deadline };
  return {
    kind: 'started',
    server,
    method: provider.method,
    code: signIn.code,
    wait: (signal) =>
      waitForSignIn(ctx, user, server, provider.method, wait, signal).finally(booking.release),
    cancel: () => {
      booking.release();
      signIn.end();
      // The code was never shown: nobody can approve it, but the settler still checks it until it is gone.
      if (pendingId !== null) void releasePendingSignIn(ctx, pendingId, false).catch(() => {});
    },
  };
}

interface Waiting {
  signIn: SignIn;
  /** The stored pending sign-in, or null when the sign-in leaves nothing on the server. */
  pendingId: number | null;
  deadline: Date;
}

async function waitForSignIn(
  ctx: AppContext,
  user: DiscordUserRef,
  server: MediaServerRow,
  method: SelfLinkMethod,
  { signIn, pendingId, deadline }: Waiting,
  signal: AbortSignal,
): Promise<SelfLinkOutcome> {
  let failures = 0;
  let outcome: SelfLinkOutcome;
  /** Whether the server's side of the sign-in is settled (collected and logged out, or known to be gone). */
  let settled = false;
  const openDevice = (left: boolean | undefined) =>
    left && signIn.pending ? { openDevice: signIn.pending.deviceName } : {};
  try {
    for (;;) {
      if (signal.aborted) {
        // Shutting down: one last look, so an approval already made is collected and logged out now (an approval
        // after this is settled at the next start).
        const last = await signIn.check().catch(() => null);
        if (last?.state === 'signed-in') {
          settled = true;
          outcome = {
            ...(await linkSignedIn(ctx, user, server, method, last)),
            ...openDevice(last.sessionLeftOpen),
          };
        } else {
          settled = last?.state === 'expired';
          outcome = {
            server: server.name,
            kind: 'stopped',
            ...openDevice(last?.state === 'expired' && last.sessionLeftOpen),
          };
        }
        break;
      }
      if (ctx.clock().getTime() >= deadline.getTime()) {
        outcome = { server: server.name, kind: 'expired' };
        break;
      }
      let state: SignInState | null = null;
      try {
        state = await signIn.check();
        failures = 0;
      } catch (err) {
        if (err instanceof SelfLinkUnavailableError) {
          settled = true;
          outcome = { server: server.name, kind: 'unavailable', text: err.message };
          break;
        }
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
        settled = true;
        outcome = { server: server.name, kind: 'expired', ...openDevice(state.sessionLeftOpen) };
        break;
      }
      if (state?.state === 'signed-in') {
        settled = true;
        outcome = {
          ...(await linkSignedIn(ctx, user, server, method, state)),
          ...openDevice(state.sessionLeftOpen),
        };
        break;
      }
      await pause(ctx.selfLinkPollMs, signal);
    }
  } finally {
    signIn.end();
    // Not settled (the bot's deadline, the server unreachable, a shutdown): the settler takes it over.
    if (pendingId !== null) {
      await releasePendingSignIn(ctx, pendingId, settled).catch((err) =>
        ctx.log.error({ err, server: server.name }, 'could not hand a pending sign-in over'),
      );
    }
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
    const account = { accountName: access.name, accountId: access.id };
    const adminLink = await adminLinkReplacedBy(ctx.db, user.id, server.id, access);
    if (adminLink) {
      const asked = await putLinkToAdmins(ctx, user, server, account, adminLink, method);
      const words = { server: server.name, accountName: access.name, previous: adminLink.accountName };
      return asked.kind === 'requested'
        ? { kind: 'requested', ...words }
        : { kind: 'admin-linked', ...words };
    }
    const saved = await saveLink(ctx, user.id, user, server, account, {
      action: 'user.self-link',
      detail: { via: method },
      keepUnchanged: true,
      linkedBy: 'member',
    });
    if (saved.unchanged) return { server: server.name, kind: 'already-linked', accountName: access.name };
    return {
      server: server.name,
      kind: 'linked',
      accountName: access.name,
      previous: saved.previous,
      pending: access.pending,
      sessionLeftOpen: state.sessionLeftOpen === true,
      method,
      deviceName: signInDeviceName(memberLabel(user)),
    };
  } catch (err) {
    if (err instanceof AccountTakenError) {
      return { server: server.name, kind: 'taken', accountName: access.name, holder: err.holder };
    }
    ctx.log.error({ err, server: server.name }, 'saving a self-link failed');
    return { server: server.name, kind: 'failed', reason: 'the link could not be saved' };
  }
}
