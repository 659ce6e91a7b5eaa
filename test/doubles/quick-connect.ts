// Jellyfin Quick Connect in the Jellyfin double (`/link`). Sources, jellyfin/jellyfin @c3ed1407 and the release
// tags v10.8.13, v10.9.11, v10.10.7, v10.11.11, v12.0-rc5:
// - Jellyfin.Api/Controllers/QuickConnectController.cs: GET /QuickConnect/Enabled (anonymous, a bool);
//   /QuickConnect/Initiate by version: 10.8 `[HttpGet("Initiate")]` only; 10.9–10.11 `[HttpPost("Initiate")]` plus
//   the `[Obsolete] [HttpGet("Initiate")]` InitiateQuickConnectLegacy; 12.0 `[HttpPost("Initiate")]` only. The other
//   method gets ASP.NET Core's 405 Method Not Allowed with an empty body.
//   (anonymous; `Unauthorized("Quick connect is disabled")` when off); GET
//   /QuickConnect/Connect?secret= (`NotFound("Unknown secret")`, 401 when off); POST /QuickConnect/Authorize
//   (what a signed-in app calls: `approve` below stands for it).
// - Emby.Server.Implementations/QuickConnect/QuickConnectManager.cs: TryConnect needs DeviceId, Device, Client and
//   Version from the Authorization header (ArgumentException → 400 by Jellyfin.Api/Middleware/ExceptionMiddleware);
//   a 6-digit code and a 64-hex-digit secret (Convert.ToHexString of 32 random bytes); requests expire after
//   Timeout = 10 minutes (`expire` below stands for the clock running out); AuthorizeRequest authenticates the user
//   on the requesting device (SessionManager.AuthenticateDirect) at once, so the session and its token exist from
//   the approval, and keeps the AuthenticationResult for the secret for 10 minutes (`forget` below: approval + 11
//   minutes, when the request leaves /QuickConnect/Connect too). Requests live in memory (ConcurrentDictionary):
//   `restart` loses them, while the sessions approvals created stay in the database.
// - Jellyfin.Api/Controllers/UserController.cs AuthenticateWithQuickConnect: POST /Users/AuthenticateWithQuickConnect
//   { Secret } → that AuthenticationResult; an unknown secret is a ResourceNotFoundException → 404.
// - Jellyfin.Api/Controllers/SessionController.cs ReportSessionEnded: POST /Sessions/Logout, [Authorize] with the
//   session's token → 204 (SessionManager.Logout deletes the device and its token); a token that is no longer valid
//   is refused with 401 by the authentication handler.
// Payloads satisfy @jellyfin/sdk QuickConnectResult and AuthenticationResult.
import { randomBytes, randomInt } from 'node:crypto';
import type { AuthenticationResult } from '@jellyfin/sdk/lib/generated-client/models/authentication-result.js';
import type { QuickConnectResult } from '@jellyfin/sdk/lib/generated-client/models/quick-connect-result.js';
import type { SessionInfoDto } from '@jellyfin/sdk/lib/generated-client/models/session-info-dto.js';
import type { UserDto } from '@jellyfin/sdk/lib/generated-client/models/user-dto.js';
import { dotnetDate, hexId, type Json } from './mediabrowser-payloads.ts';
import type { Query, Reply } from './mediabrowser-routes.ts';

interface QuickConnectRequest {
  secret: string;
  code: string;
  deviceId: string;
  deviceName: string;
  appName: string;
  appVersion: string;
  dateAdded: Date;
  authenticated: boolean;
  expired: boolean;
  /** Set by approve: the session AuthorizeRequest created for the user. */
  result: { userId: string; token: string } | null;
  resultDropped?: boolean;
}

export interface IssuedToken {
  token: string;
  userId: string;
  deviceId: string;
  loggedOut: boolean;
}

/** The `Key="value"` pairs of a `MediaBrowser …` authorization header. */
function authorizationFields(value: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!value || !/^MediaBrowser\s/i.test(value)) return fields;
  for (const match of value.slice(value.indexOf(' ')).matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
    fields[(match[1] ?? '').toLowerCase()] = match[2] ?? '';
  }
  return fields;
}

/** Routes a test can make answer a given status (a fault of the server or of a proxy in front of it). */
export type QuickConnectRoute = 'initiate' | 'connect' | 'authenticate' | 'logout';

/** Which methods /QuickConnect/Initiate accepts on a Jellyfin version ("10.8.13", "12.0.0"). */
export function initiateMethods(version: string): readonly string[] {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  if (major >= 12) return ['POST'];
  if (major === 10 && minor <= 8) return ['GET'];
  return ['POST', 'GET'];
}

export class QuickConnectDouble {
  /** QuickConnectAvailable in the server's settings (Dashboard → General → Quick Connect). */
  enabled = true;
  /** Forced answers by route (e.g. `{ logout: 500 }`), until the test deletes them. */
  readonly failing: Partial<Record<QuickConnectRoute, number>> = {};
  readonly requests: QuickConnectRequest[] = [];
  /** Access tokens Quick Connect approvals created, and whether they were logged out. */
  readonly tokens: IssuedToken[] = [];

  constructor(
    private readonly serverId: string,
    private readonly findUser: (id: string) => Json | undefined,
    private readonly version = '12.0.0',
  ) {}

  /** A signed-in app approves `code` for `userId` (POST /QuickConnect/Authorize). Returns the token it creates. */
  approve(code: string, userId: string): string {
    const request = this.live().find((r) => r.code === code);
    if (!request) throw new Error(`Quick Connect double: no live request with code ${code}`);
    if (!this.findUser(userId)) throw new Error(`Quick Connect double: no user ${userId}`);
    const token = hexId();
    request.authenticated = true;
    request.result = { userId, token };
    this.tokens.push({ token, userId, deviceId: request.deviceId, loggedOut: false });
    return token;
  }

  /** The request's 10 minutes ran out: the server forgets it. */
  expire(code: string): void {
    for (const request of this.requests) if (request.code === code) request.expired = true;
  }

  /**
   * Approval + 10 minutes: the kept AuthenticationResult is gone (AuthenticateWithQuickConnect → 404) while the
   * request still shows Authenticated for another minute; the session it created stays. `expire` ends the rest.
   */
  dropResult(code: string): void {
    for (const request of this.requests) if (request.code === code) request.resultDropped = true;
  }

  /** The server restarted: every request in memory is lost; sessions (tokens) are kept. */
  restart(): void {
    for (const request of this.requests) request.expired = true;
  }

  private live(): QuickConnectRequest[] {
    return this.requests.filter((r) => !r.expired);
  }

  /** Answers the Quick Connect routes and the logout of a Quick Connect session; null for any other request. */
  route(
    method: string,
    path: string,
    authorization: string | undefined,
    query: Query,
    body: string,
  ): Reply | null {
    const p = path.toLowerCase();
    const disabled: Reply = { status: 401, json: 'Quick connect is disabled' };
    const forced = (route: QuickConnectRoute): Reply | null => {
      const status = this.failing[route];
      return status ? { status, text: status >= 500 ? 'Error processing request.' : '' } : null;
    };
    if (method === 'GET' && p === '/quickconnect/enabled') return { status: 200, json: this.enabled };
    if (p === '/quickconnect/initiate' && (method === 'GET' || method === 'POST')) {
      if (!initiateMethods(this.version).includes(method)) return { status: 405, text: '' };
      const fault = forced('initiate');
      if (fault) return fault;
      if (!this.enabled) return disabled;
      const auth = authorizationFields(authorization);
      if (!auth.deviceid || !auth.device || !auth.client || !auth.version) {
        return { status: 400, text: 'Error processing request.' };
      }
      const request: QuickConnectRequest = {
        secret: randomBytes(32).toString('hex').toUpperCase(),
        code: String(randomInt(100_000, 1_000_000)),
        deviceId: auth.deviceid,
        deviceName: auth.device,
        appName: auth.client,
        appVersion: auth.version,
        dateAdded: new Date(),
        authenticated: false,
        expired: false,
        result: null,
      };
      this.requests.push(request);
      return { status: 200, json: this.resultJson(request) };
    }
    if (method === 'GET' && p === '/quickconnect/connect') {
      const fault = forced('connect');
      if (fault) return fault;
      if (!this.enabled) return disabled;
      const request = this.live().find((r) => r.secret === query.get('secret'));
      return request
        ? { status: 200, json: this.resultJson(request) }
        : { status: 404, json: 'Unknown secret' };
    }
    if (method === 'POST' && p === '/users/authenticatewithquickconnect') {
      const fault = forced('authenticate');
      if (fault) return fault;
      if (!this.enabled) return { status: 401, text: 'Error processing request.' };
      let secret: unknown;
      try {
        secret = (JSON.parse(body) as Json).Secret;
      } catch {
        return { status: 400, text: 'The request field is required.' };
      }
      const request = this.live().find((r) => r.secret === secret && r.result && !r.resultDropped);
      const user = request?.result ? this.findUser(request.result.userId) : undefined;
      if (!request?.result || !user) return { status: 404, text: 'Error processing request.' };
      return { status: 200, json: this.authenticationJson(request, request.result.token, user) };
    }
    if (method === 'POST' && p === '/sessions/logout') {
      const token = authorizationFields(authorization).token;
      const issued = this.tokens.find((t) => t.token === token && !t.loggedOut);
      if (!issued) return null;
      const fault = forced('logout');
      if (fault) return fault;
      issued.loggedOut = true;
      return { status: 204 };
    }
    return null;
  }

  /** Whether `token` is a Quick Connect session token still valid. */
  isLive(token: string | undefined): boolean {
    return this.tokens.some((t) => t.token === token && !t.loggedOut);
  }

  private resultJson(request: QuickConnectRequest) {
    return {
      Authenticated: request.authenticated,
      Secret: request.secret,
      Code: request.code,
      DeviceId: request.deviceId,
      DeviceName: request.deviceName,
      AppName: request.appName,
      AppVersion: request.appVersion,
      DateAdded: dotnetDate(request.dateAdded),
    } satisfies QuickConnectResult;
  }

  private authenticationJson(request: QuickConnectRequest, token: string, user: Json) {
    const now = dotnetDate(new Date());
    const session = {
      Id: hexId(),
      UserId: String(user.Id),
      UserName: String(user.Name),
      Client: request.appName,
      DeviceId: request.deviceId,
      DeviceName: request.deviceName,
      ApplicationVersion: request.appVersion,
      LastActivityDate: now,
      LastPlaybackCheckIn: '0001-01-01T00:00:00.0000000Z',
      IsActive: true,
      SupportsMediaControl: false,
      SupportsRemoteControl: false,
      HasCustomDeviceName: false,
      ServerId: this.serverId,
      PlayableMediaTypes: [],
      SupportedCommands: [],
      AdditionalUsers: [],
      NowPlayingQueue: [],
    } satisfies SessionInfoDto;
    return {
      User: user as UserDto,
      SessionInfo: session,
      AccessToken: token,
      ServerId: this.serverId,
    } satisfies AuthenticationResult;
  }
}
