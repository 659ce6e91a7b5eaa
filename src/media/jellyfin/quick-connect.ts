// A member proves which Jellyfin user is theirs with Quick Connect (`/link`).
//
// Sources (jellyfin/jellyfin @c3ed1407): Jellyfin.Api/Controllers/QuickConnectController.cs
//   GET  /QuickConnect/Enabled             anonymous; `true` or `false` (QuickConnectAvailable in the settings).
//   POST /QuickConnect/Initiate            anonymous; needs `Authorization: MediaBrowser Client, Device, DeviceId,
//                                          Version` (QuickConnectManager.TryConnect: ArgumentException → 400 when
//                                          one is missing); 401 "Quick connect is disabled" when it is off; answers
//                                          QuickConnectResult { Authenticated, Secret, Code, DeviceId, DeviceName,
//                                          AppName, AppVersion, DateAdded } (MediaBrowser.Model/QuickConnect).
//   GET  /QuickConnect/Connect?secret=…    the same QuickConnectResult; 404 "Unknown secret" once the request
//                                          expired: QuickConnectManager's Timeout is 10 minutes from DateAdded (one
//                                          minute from approval once approved).
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
  type SelfLinkOptions,
  type SelfLinkProvider,
  SelfLinkUnavailableError,
  type SignIn,
  type SignInState,
  signInDeviceName,
} from '../self-link.ts';
import { type MediaServerConfig, MediaServerError } from '../types.ts';

/** QuickConnectManager.Timeout (minutes). */
export const QUICK_CONNECT_TIMEOUT_MS = 10 * 60 * 1000;

const QUICK_CONNECT_OFF =
  'Quick Connect is switched off on this Jellyfin server. An admin can switch it on in Dashboard → General → ' +
  'Quick Connect, or link you with `/user link`.';

const NO_QUICK_CONNECT =
  'This Jellyfin server does not offer Quick Connect the way the bot uses it (a newer Jellyfin does). Ask an admin to link you with `/user link`.';

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

export function createQuickConnect(config: MediaServerConfig, options: SelfLinkOptions): SelfLinkProvider {
  const base = config.url.replace(/\/+$/, '');
  return {
    method: 'quick-connect',
    async begin(forMember: string): Promise<SignIn> {
      const deviceId = `${options.clientId}-${randomBytes(6).toString('hex')}`;
      // The device name is what the member approves (Quick Connect shows it) and then sees in their devices.
      const identity = `MediaBrowser Client="${options.product}", Device="${signInDeviceName(forMember)}", DeviceId="${deviceId}", Version="1"`;
      // No server token: every Quick Connect call is made as the member's new device.
      const http = new HttpClient(base, { Authorization: identity }, config.timeoutMs);
      let enabled: unknown;
      try {
        enabled = await http.json({ path: '/QuickConnect/Enabled' });
      } catch (err) {
        // Older Jellyfin releases had another Quick Connect API (GET /QuickConnect/Status) and no such route.
        if (isKind(err, 'not-found')) throw new SelfLinkUnavailableError(NO_QUICK_CONNECT);
        throw err;
      }
      if (enabled !== true) throw new SelfLinkUnavailableError(QUICK_CONNECT_OFF);
      let started: z.infer<typeof ResultSchema>;
      try {
        started = parse(
          ResultSchema,
          await http.json({ method: 'POST', path: '/QuickConnect/Initiate' }),
          'POST /QuickConnect/Initiate',
        );
      } catch (err) {
        if (isKind(err, 'unauthorized')) throw new SelfLinkUnavailableError(QUICK_CONNECT_OFF);
        throw err;
      }
      // Whoever holds the secret can collect the member's session: it is a secret until the sign-in ends.
      const releaseSecret = holdSecret(started.Secret);
      const secret = started.Secret;

      /** Ends the session the approval created, with its own token, so no session of the member is left behind. */
      async function logOut(token: string): Promise<void> {
        await http.request({
          method: 'POST',
          path: '/Sessions/Logout',
          headers: { Authorization: `${identity}, Token="${token}"` },
        });
      }

      return {
        code: { code: started.Code, url: null, expiresInMs: QUICK_CONNECT_TIMEOUT_MS },
        async check(): Promise<SignInState> {
          let status: z.infer<typeof ResultSchema>;
          try {
            status = parse(
              ResultSchema,
              await http.json({ path: '/QuickConnect/Connect', query: { secret } }),
              'GET /QuickConnect/Connect',
            );
          } catch (err) {
            // 404: expired or unknown; 401: Quick Connect was switched off meanwhile (the request is gone).
            if (isKind(err, 'not-found', 'unauthorized')) return { state: 'expired' };
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
            if (isKind(err, 'not-found', 'unauthorized')) return { state: 'expired' };
            throw err;
          }
          const releaseToken = holdSecret(auth.AccessToken);
          let sessionLeftOpen = false;
          try {
            await logOut(auth.AccessToken);
          } catch {
            // The link is still right; the member is told to remove the device from their Jellyfin devices.
            sessionLeftOpen = true;
          } finally {
            releaseToken();
          }
          const name = auth.User.Name.trim() || `Jellyfin user ${auth.User.Id}`;
          return {
            state: 'signed-in',
            signedInAs: name,
            access: { id: auth.User.Id, name, pending: false },
            sessionLeftOpen,
          };
        },
        end: releaseSecret,
      };
    },
  };
}
