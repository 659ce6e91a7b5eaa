// A member proves which Jellyfin user is theirs with Quick Connect (`/link`).
//
// Sources (jellyfin/jellyfin, tags v10.8.13, v10.9.11, v10.10.7, v10.11.11, v12.0-rc5):
// Jellyfin.Api/Controllers/QuickConnectController.cs
//   GET  /QuickConnect/Enabled             anonymous; `true` or `false` (QuickConnectAvailable in the settings).
//   /QuickConnect/Initiate                 10.8 has only [HttpGet("Initiate")]; 10.9 made it [HttpPost] and kept an
//                                          [Obsolete] [HttpGet] InitiateQuickConnectLegacy through 10.11; 12.0 has
//                                          the POST only. ASP.NET Core answers the other method with 405, so the
//                                          adapter sends POST and falls back to GET on a 405, remembering per server
//                                          which one works. Anonymous; needs `Authorization: MediaBrowser Client,
//                                          Device, DeviceId, Version` (QuickConnectManager.TryConnect:
//                                          ArgumentException → 400 when one is missing); 401 "Quick connect is
//                                          disabled" when it is off; answers QuickConnectResult { Authenticated,
//                                          Secret, Code, DeviceId, DeviceName, AppName, AppVersion, DateAdded }.
//   GET  /QuickConnect/Connect?secret=…    the same QuickConnectResult; 404 "Unknown secret" once the request
//                                          expired: QuickConnectManager's Timeout is 10 minutes from DateAdded, and
//                                          approving sets DateAdded to approval + 1 minute (so 11 minutes then).
// Emby.Server.Implementations/QuickConnect/QuickConnectManager.cs AuthorizeRequest: approving calls
//   SessionManager.AuthenticateDirect at once: the member's session and access token exist from the approval,
//   whether or not anyone collects them; the result is kept in _authorizedSecrets for 10 minutes from approval.
// Jellyfin.Api/Controllers/UserController.cs AuthenticateWithQuickConnect:
//   POST /Users/AuthenticateWithQuickConnect { Secret }  → AuthenticationResult { User: UserDto, SessionInfo,
//                                          AccessToken, ServerId }; 404 when the secret is unknown or expired.
// Jellyfin.Api/Controllers/SessionController.cs ReportSessionEnded:
//   POST /Sessions/Logout                  [Authorize] with the session's own token; 204. SessionManager.Logout
//                                          deletes the device and its access token.
// The DeviceId is new for every sign-in: SessionManager.GetAuthorizationToken logs out any earlier session of the
// same user on the same DeviceId, so a fixed id could end a session the member is using.

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { holdSecret } from '../../redact.ts';
import { HttpClient } from '../http.ts';
import {
  type PendingSignIn,
  type SelfLinkOptions,
  type SelfLinkProvider,
  SelfLinkUnavailableError,
  type SettleState,
  type SignIn,
  type SignInState,
  signInDeviceName,
} from '../self-link.ts';
import { type MediaServerConfig, MediaServerError } from '../types.ts';

/** QuickConnectManager.Timeout (minutes). */
export const QUICK_CONNECT_TIMEOUT_MS = 10 * 60 * 1000;
/** How long an approved request stays visible at /QuickConnect/Connect (DateAdded moved to approval + 1 minute). */
export const QUICK_CONNECT_APPROVED_VISIBLE_MS = 11 * 60 * 1000;

const QUICK_CONNECT_OFF =
  'Quick Connect is switched off on this Jellyfin server. An admin can switch it on in Dashboard → General → ' +
  'Quick Connect, or link you with `/user link`.';

const NO_QUICK_CONNECT =
  'This Jellyfin server does not offer Quick Connect the way the bot uses it (a newer Jellyfin does). Ask an admin to link you with `/user link`.';

/** A refusal that asking again will not change. */
export const QUICK_CONNECT_REFUSED =
  "This Jellyfin server can't sign you in with Quick Connect: ask an admin to link you with `/user link`.";

const ResultSchema = z.object({
  Authenticated: z.boolean().optional(),
  Secret: z.string().min(1),
  Code: z.string().min(1),
});
const AuthenticationSchema = z.object({
  User: z.object({ Id: z.string().min(1), Name: z.string() }),
  AccessToken: z.string().min(1),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MediaServerError('bad-response', `${where}: unexpected answer`);
  return parsed.data;
}

const isKind = (err: unknown, ...kinds: string[]) =>
  err instanceof MediaServerError && kinds.includes(err.kind);

/**
 * True when the server refused in a way asking again will not change: a 4xx other than 401/403 (Quick Connect
 * off), 408 and 429, a redirect, or an answer of the wrong shape. 5xx, timeouts and refused connections are
 * transient.
 */
export function isPermanentRefusal(err: unknown): boolean {
  if (!(err instanceof MediaServerError)) return false;
  if (err.kind === 'bad-response' || err.kind === 'redirect' || err.kind === 'not-found') return true;
  const status = err.status ?? 0;
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

type InitiateMethod = 'POST' | 'GET';
/** Which method of /QuickConnect/Initiate each server (by its address) answered last; POST until one says 405. */
const initiateMethods = new Map<string, InitiateMethod>();

async function initiate(http: HttpClient, base: string): Promise<unknown> {
  const first = initiateMethods.get(base) ?? 'POST';
  const second: InitiateMethod = first === 'POST' ? 'GET' : 'POST';
  for (const method of [first, second]) {
    try {
      const answer = await http.json({ method, path: '/QuickConnect/Initiate' });
      initiateMethods.set(base, method);
      return answer;
    } catch (err) {
      // 405: this release has the other method only (10.8: GET, 12.0: POST).
      if (method === first && err instanceof MediaServerError && err.status === 405) continue;
      throw err;
    }
  }
  throw new MediaServerError('bad-response', '/QuickConnect/Initiate: no method accepted');
}

/** Quick Connect calls made as the sign-in's own device, with no server token. */
function deviceClient(
  base: string,
  options: SelfLinkOptions,
  device: PendingSignIn | Omit<PendingSignIn, 'secret'>,
  timeoutMs?: number,
) {
  const identity = `MediaBrowser Client="${options.product}", Device="${device.deviceName}", DeviceId="${device.deviceId}", Version="1"`;
  return { identity, http: new HttpClient(base, { Authorization: identity }, timeoutMs) };
}

type Collected =
  | { state: 'waiting' }
  | { state: 'gone'; approved: boolean }
  | { state: 'collected'; user: { Id: string; Name: string }; loggedOut: boolean };

/**
 * Asks where the request stands and, when it was approved, collects the session the approval created and logs it
 * out with its own token. Throws MediaServerError when it could not find out.
 */
async function collect(http: HttpClient, identity: string, secret: string): Promise<Collected> {
  let status: z.infer<typeof ResultSchema>;
  try {
    status = parse(
      ResultSchema,
      await http.json({ path: '/QuickConnect/Connect', query: { secret } }),
      'GET /QuickConnect/Connect',
    );
  } catch (err) {
    // 404: expired or unknown; 401: Quick Connect was switched off meanwhile (the request is gone).
    if (isKind(err, 'not-found', 'unauthorized')) return { state: 'gone', approved: false };
    throw err;
  }
  if (status.Authenticated !== true) return { state: 'waiting' };
  let auth: z.infer<typeof AuthenticationSchema>;
  try {
    auth = parse(
      AuthenticationSchema,
      await http.json({
        method: 'POST',
        path: '/Users/AuthenticateWithQuickConnect',
        body: { Secret: secret },
      }),
      'POST /Users/AuthenticateWithQuickConnect',
    );
  } catch (err) {
    // Approved, but its result is gone (10 minutes after approval): the session exists and cannot be collected.
    if (isKind(err, 'not-found', 'unauthorized')) return { state: 'gone', approved: true };
    throw err;
  }
  const releaseToken = holdSecret(auth.AccessToken);
  let loggedOut = true;
  try {
    await http.request({
      method: 'POST',
      path: '/Sessions/Logout',
      headers: { Authorization: `${identity}, Token="${auth.AccessToken}"` },
    });
  } catch (err) {
    // 401: the token is no longer valid, so the session is already ended (settled twice, or removed by an admin).
    // Otherwise the link is still right; the member is told to remove the device.
    loggedOut = isKind(err, 'unauthorized');
  } finally {
    releaseToken();
  }
  return { state: 'collected', user: auth.User, loggedOut };
}

export function createQuickConnect(config: MediaServerConfig, options: SelfLinkOptions): SelfLinkProvider {
  const base = config.url.replace(/\/+$/, '');
  return {
    method: 'quick-connect',
    async begin(forMember: string): Promise<SignIn> {
      const suffix = randomBytes(6).toString('hex');
      const device = {
        deviceId: `${options.clientId}-${suffix}`,
        // The device name is what the member approves (Quick Connect shows it) and then sees in their devices.
        deviceName: `${signInDeviceName(forMember)} ${suffix.slice(0, 6)}`,
      };
      const { identity, http } = deviceClient(base, options, device, config.timeoutMs);
      let enabled: unknown;
      try {
        enabled = await http.json({ path: '/QuickConnect/Enabled' });
      } catch (err) {
        // Older Jellyfin releases had another Quick Connect API (GET /QuickConnect/Status) and no such route.
        if (isKind(err, 'not-found')) throw new SelfLinkUnavailableError(NO_QUICK_CONNECT);
        if (isPermanentRefusal(err)) throw new SelfLinkUnavailableError(QUICK_CONNECT_REFUSED);
        throw err;
      }
      if (enabled !== true) throw new SelfLinkUnavailableError(QUICK_CONNECT_OFF);
      let started: z.infer<typeof ResultSchema>;
      try {
        started = parse(ResultSchema, await initiate(http, base), '/QuickConnect/Initiate');
      } catch (err) {
        if (isKind(err, 'unauthorized')) throw new SelfLinkUnavailableError(QUICK_CONNECT_OFF);
        if (isPermanentRefusal(err)) throw new SelfLinkUnavailableError(QUICK_CONNECT_REFUSED);
        throw err;
      }
      // Whoever holds the secret can collect the member's session: it is a secret until the sign-in ends.
      const releaseSecret = holdSecret(started.Secret);
      const secret = started.Secret;
      return {
        code: { code: started.Code, url: null, expiresInMs: QUICK_CONNECT_TIMEOUT_MS },
        pending: { secret, ...device },
        async check(): Promise<SignInState> {
          let result: Collected;
          try {
            result = await collect(http, identity, secret);
          } catch (err) {
            if (isPermanentRefusal(err)) throw new SelfLinkUnavailableError(QUICK_CONNECT_REFUSED);
            throw err;
          }
          if (result.state === 'waiting') return { state: 'waiting' };
          if (result.state === 'gone') return { state: 'expired', sessionLeftOpen: result.approved };
          const name = result.user.Name.trim() || `Jellyfin user ${result.user.Id}`;
          return {
            state: 'signed-in',
            signedInAs: name,
            access: { id: result.user.Id, name, pending: false },
            sessionLeftOpen: !result.loggedOut,
          };
        },
        end: releaseSecret,
      };
    },
    async settle(pending: PendingSignIn, lastWaitingAt: Date): Promise<SettleState> {
      const { identity, http } = deviceClient(base, options, pending, config.timeoutMs);
      const release = holdSecret(pending.secret);
      try {
        const result = await collect(http, identity, pending.secret);
        if (result.state === 'waiting') return { state: 'waiting' };
        if (result.state === 'gone') {
          if (result.approved) return { state: 'left-open' };
          // An approval stays visible for 11 minutes: a longer gap since the request was last seen unapproved
          // may hide one.
          const now = (config.clock ?? (() => new Date()))().getTime();
          return {
            state: 'gone',
            unseenApproval: now - lastWaitingAt.getTime() > QUICK_CONNECT_APPROVED_VISIBLE_MS,
          };
        }
        return { state: result.loggedOut ? 'logged-out' : 'left-open' };
      } finally {
        release();
      }
    },
  };
}
