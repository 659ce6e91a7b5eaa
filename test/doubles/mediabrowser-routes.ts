// State and endpoint behaviour of the Jellyfin/Emby double. Paths arrive without the Emby /emby prefix; routes and
// query names are matched case-insensitively, as on the real servers. Sources: jellyfin/jellyfin
// `Jellyfin.Api/Controllers/{Session,User,System,ActivityLog}Controller.cs`, `Jellyfin.Api/Middleware/
// ExceptionMiddleware.cs`, `Emby.Server.Implementations/Session/SessionManager.cs`; Emby 4.8.11 OpenAPI
// (MediaBrowser/Emby.SDK Resources/OpenApi/openapi_v3.json) for the Emby routes, parameters and status codes.
import {
  type ActivitySpec,
  activityEntry,
  idlePlayState,
  itemDto,
  type ServerLanguage,
  type SessionSpec,
  type SyncJobSpec,
  sessionDto,
  syncJob,
} from './mediabrowser-activity.ts';
import {
  type Flavor,
  hexId,
  type Json,
  systemInfo,
  type UserSpec,
  userDto,
  userPolicy,
} from './mediabrowser-payloads.ts';

/** Item ids compare without dashes and case (Jellyfin writes "N" Guids; the adapter may send either). */
const itemKey = (id: string) => id.replaceAll('-', '').toLowerCase();

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  location?: string;
}
export type Query = Map<string, string>;

/** Jellyfin's UserPolicy constructor (`MediaBrowser.Model/Users/UserPolicy.cs`): what a key left out of a POSTed
 *  policy becomes. Keys not listed default to false / 0 / empty; Emby is modelled the same way (its source is closed). */
const JELLYFIN_POLICY_DEFAULTS: Json = {
  IsHidden: true,
  EnableSyncTranscoding: true,
  EnableMediaConversion: true,
  EnableMediaPlayback: true,
  EnableAudioPlaybackTranscoding: true,
  EnableVideoPlaybackTranscoding: true,
  EnablePlaybackRemuxing: true,
  EnableLiveTvManagement: true,
  EnableLiveTvAccess: true,
  EnableSharedDeviceControl: true,
  EnableUserPreferenceAccess: true,
  LoginAttemptsBeforeLockout: -1,
  EnableAllChannels: true,
  EnableAllFolders: true,
  EnableAllDevices: true,
  EnableContentDownloading: true,
  EnablePublicSharing: true,
  EnableRemoteAccess: true,
  SyncPlayAccess: 'CreateAndJoinGroups',
};

function defaultFor(flavor: Flavor, key: string, current: unknown): unknown {
  if (flavor === 'jellyfin' && key in JELLYFIN_POLICY_DEFAULTS) return JELLYFIN_POLICY_DEFAULTS[key];
  if (typeof current === 'boolean') return false;
  if (typeof current === 'number') return 0;
  if (Array.isArray(current)) return [];
  return undefined;
}

/** ASP.NET Core's answer to a failed model validation (application/problem+json). */
function validationProblem(field: string, message: string): Reply {
  return {
    status: 400,
    contentType: 'application/problem+json',
    text: JSON.stringify({
      type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
      title: 'One or more validation errors occurred.',
      status: 400,
      errors: { [field]: [message] },
      traceId: '00-6c1f0e5b3f2a4d9b8e7c6a5b4c3d2e1f-7a6b5c4d3e2f1a0b-00',
    }),
  };
}
type Handler = (params: string[], query: Query, body: string) => Reply;

export interface RecordedMessage {
  sessionId: string;
  header: string;
  text: string;
  timeoutMs: number | null;
  /** Where the fields were read from: Jellyfin needs a JSON body, Emby documents query parameters. */
  via: 'body' | 'query';
}

const PLAYSTATE_COMMANDS = new Set(
  'stop pause unpause nexttrack previoustrack seek rewind fastforward playpause seekrelative'.split(' '),
);
const json = (value: unknown): Reply => ({ status: 200, json: value });
const empty = (status: number): Reply => ({ status });
const sameId = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();

export class MediaBrowserState {
  readonly serverId = hexId();
  sessions: Json[] = [];
  /** Sessions whose player ignores Stop (keyed by session Id). */
  readonly ignoresStop = new Set<string>();
  users: Json[] = [];
  /** Emby's internal int64 user ids (what SyncJob.UserId carries), by UserDto.Id. */
  readonly internalUserIds = new Map<string, number>();
  /** Emby sync targets (devices) per UserDto.Id, as `GET /Sync/Targets?UserId=` lists them. */
  readonly syncTargets = new Map<string, { Id: string; Name: string }[]>();
  readonly activity: Json[] = [];
  syncJobs: Json[] = [];
  syncItems: Json[] = [];
  /** Every `DELETE /Sync/Jobs/{Id}` received, by job id. */
  readonly syncCancels: string[] = [];
  private lastSyncJobId = 0;
  /** True: `DELETE /Sync/Jobs/{Id}` answers 200 but the job stays (a server that does not apply the cancel). */
  ignoresSyncCancel = false;
  readonly messages: RecordedMessage[] = [];
  readonly playstateCommands: { sessionId: string; command: string }[] = [];
  readonly policyUpdates: { userId: string; policy: Json }[] = [];
  /** Library items by lower-case id without dashes, as `GET /Items?ids=` answers them. */
  readonly items = new Map<string, Json>();
  /** The server's language, in which activity entries are written. */
  language: ServerLanguage = 'en-US';
  private nextActivityId = 4000;
  private nextInternalUserId = 1;
  private readonly routes: [method: string, pattern: RegExp, handler: Handler][];

  constructor(
    readonly flavor: Flavor,
    private readonly serverName: string,
    version: string,
    /** Emby only: false answers 404 on /Sync/* like a server without the sync feature. */
    private readonly syncEnabled: boolean,
  ) {
    // Jellyfin removed sync: every /Sync route is a 404 there.
    const sync = (handler: (q: Query) => Reply) => (_p: string[], q: Query) =>
      this.syncEnabled && flavor === 'emby' ? handler(q) : this.notFound();
    this.routes = [
      ['GET', /^\/system\/info$/i, () => json(systemInfo(flavor, this.serverId, this.serverName, version))],
      [
        'GET',
        /^\/sessions$/i,
        (_p, q) => json(this.sessions.filter((s) => !q.has('deviceid') || s.DeviceId === q.get('deviceid'))),
      ],
      ['POST', /^\/sessions\/([^/]+)\/message$/i, ([id = ''], q, body) => this.message(id, q, body)],
      [
        'POST',
        /^\/sessions\/([^/]+)\/playing\/([^/]+)$/i,
        ([id = '', command = '']) => this.playstate(id, command),
      ],
      // Emby 4.8's OpenAPI has `/Users/Query` and no plain `GET /Users`; Jellyfin has only `GET /Users`.
      ['GET', /^\/users$/i, () => (flavor === 'jellyfin' ? json(this.users) : this.notFound())],
      [
        'GET',
        /^\/users\/query$/i,
        () =>
          flavor === 'emby'
            ? json({ Items: this.users, TotalRecordCount: this.users.length })
            : this.jellyfinBadGuid('Query'),
      ],
      ['GET', /^\/users\/([^/]+)$/i, ([id = '']) => this.userReply(id)],
      ['POST', /^\/users\/([^/]+)\/policy$/i, ([id = ''], _q, body) => this.updatePolicy(id, body)],
      ['GET', /^\/system\/activitylog\/entries$/i, (_p, q) => this.activityPage(q)],
      ['GET', /^\/items$/i, (_p, q) => this.itemsByIds(q)],
      ['GET', /^\/sync\/jobs$/i, sync(() => this.page(this.syncJobs))],
      ['GET', /^\/sync\/jobitems$/i, sync((q) => this.syncJobItems(q))],
      ['GET', /^\/sync\/targets$/i, sync((q) => this.syncTargetList(q))],
      [
        'DELETE',
        /^\/sync\/jobs\/([^/]+)$/i,
        ([id = '']) => (this.syncEnabled && flavor === 'emby' ? this.cancelSyncJob(id) : this.notFound()),
      ],
    ];
  }

  route(method: string, path: string, query: Query, body: string): Reply {
    for (const [verb, pattern, handler] of this.routes) {
      const match = verb === method ? pattern.exec(path) : null;
      if (match)
        return handler(
          match.slice(1).map((p) => decodeURIComponent(p ?? '')),
          query,
          body,
        );
    }
    return this.notFound();
  }

  notFound(): Reply {
    return this.flavor === 'jellyfin' ? empty(404) : { status: 404, text: 'Not Found' };
  }

  private sessionNotFound(): Reply {
    return this.flavor === 'jellyfin'
      ? { status: 404, text: 'Error processing request.' }
      : { status: 404, text: 'Session not found' };
  }

  findSession = (id: string) => this.sessions.find((s) => sameId(s.Id, id));
  findUser = (id: string) => this.users.find((u) => sameId(u.Id, id));

  setSessions(specs: SessionSpec[]): void {
    this.sessions = specs.map((spec) => sessionDto(this.flavor, this.serverId, spec));
    this.ignoresStop.clear();
    specs.forEach((spec, i) => {
      if (spec.ignoresStop) this.ignoresStop.add(String(this.sessions[i]?.Id));
    });
  }

  setUsers(specs: UserSpec[]): void {
    this.users = specs.map((spec) =>
      userDto(this.flavor, this.serverId, { ...spec, id: spec.id ?? hexId() }),
    );
    for (const user of this.users) {
      const id = String(user.Id);
      if (!this.internalUserIds.has(id)) this.internalUserIds.set(id, this.nextInternalUserId++);
    }
  }

  addActivity(specs: ActivitySpec[]): Json[] {
    for (const { item } of specs) {
      if (item) {
        const dto = itemDto(this.flavor, this.serverId, { type: 'Movie', ...item });
        this.items.set(itemKey(item.id), dto);
      }
    }
    const added = specs.map((spec) => activityEntry(this.flavor, this.nextActivityId++, spec, this.language));
    this.activity.push(...added);
    return added;
  }

  /** Replaces the sync jobs; each job's device becomes one of its user's sync targets. Job n's items are numbered
   *  from 100·n. */
  setSyncJobs(specs: SyncJobSpec[]): void {
    this.syncJobs = [];
    this.syncItems = [];
    this.syncTargets.clear();
    this.lastSyncJobId = 0;
    this.addSyncJobs(specs);
  }

  /** Adds sync jobs after the highest job id the server ever had (ids are never reused, as on a real server). */
  addSyncJobs(specs: SyncJobSpec[]): void {
    const first = Math.max(0, ...this.syncJobs.map((job) => Number(job.Id)), this.lastSyncJobId) + 1;
    const built = specs.map((spec, i) => {
      const internal = this.internalUserIds.get(spec.user.id);
      if (internal === undefined) throw new Error(`sync job for unknown user ${spec.user.name}`);
      return syncJob(first + i, 100 * (first + i), internal, spec);
    });
    this.lastSyncJobId = first + specs.length - 1;
    this.syncJobs.push(...built.map((b) => b.job));
    this.syncItems.push(...built.flatMap((b) => b.items));
    for (const spec of specs) {
      const targets = this.syncTargets.get(spec.user.id) ?? [];
      if (!targets.some((t) => t.Id === spec.targetId))
        targets.push({ Id: spec.targetId, Name: spec.targetName });
      this.syncTargets.set(spec.user.id, targets);
    }
  }

  private page(items: Json[]): Reply {
    return json({ Items: items, TotalRecordCount: items.length });
  }

  /** `TargetId` is required (Emby OpenAPI); without it the server answers 400. */
  private syncJobItems(query: Query): Reply {
    const target = query.get('targetid');
    if (!target) return { status: 400, text: 'TargetId is required' };
    return this.page(this.syncItems.filter((item) => item.TargetId === target));
  }

  /**
   * `DELETE /Sync/Jobs/{Id}` "Cancels a sync job." (Emby 4.8 OpenAPI, deleteSyncJobsById: 200 with an empty body).
   * As in the last open source of Emby's sync (jellyfin/jellyfin Emby.Server.Implementations/Sync/SyncManager.cs
   * `CancelJob` + SyncRepository `DeleteJob`): the job and all its items are deleted, so neither `/Sync/Jobs` nor
   * `/Sync/JobItems` lists them any more. An unknown job throws ArgumentException("Job not found."), which Emby's
   * HttpListenerHost answers with 400 and the message as text/html (MediaBrowser/Emby HttpListenerHost.cs
   * `GetStatusCode`). With `ignoresSyncCancel` the double answers 200 and keeps the job: a server that says yes and
   * does nothing.
   */
  private cancelSyncJob(id: string): Reply {
    this.syncCancels.push(id);
    if (!this.syncJobs.some((job) => sameId(job.Id, id))) return { status: 400, text: 'Job not found.' };
    if (this.ignoresSyncCancel) return empty(200);
    this.syncJobs = this.syncJobs.filter((job) => !sameId(job.Id, id));
    this.syncItems = this.syncItems.filter((item) => !sameId(item.JobId, id));
    return empty(200);
  }

  /** `UserId` is required (Emby OpenAPI); answers a bare SyncTarget array. */
  private syncTargetList(query: Query): Reply {
    const userId = query.get('userid');
    if (!userId) return { status: 400, text: 'UserId is required' };
    return json(this.syncTargets.get(userId.toLowerCase()) ?? this.syncTargets.get(userId) ?? []);
  }

  /** Jellyfin binds `{userId}` route segments to a Guid (32 hex digits, dashes optional). */
  private notAGuid(id: string): boolean {
    return (
      this.flavor === 'jellyfin' &&
      !/^(?:[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$/i.test(id)
    );
  }

  /** A segment that is not a Guid fails model binding: 400 ProblemDetails. */
  private jellyfinBadGuid(value: string): Reply {
    return validationProblem('userId', `The value '${value}' is not valid.`);
  }

  private userReply(id: string): Reply {
    if (this.notAGuid(id)) return this.jellyfinBadGuid(id);
    const user = this.findUser(id);
    return user ? json(user) : this.notFound();
  }

  // Jellyfin: MessageCommand is a required JSON body. Emby: query parameters (ServiceStack also binds a body).
  private message(sessionId: string, query: Query, body: string): Reply {
    let fields: Json = {};
    let via: RecordedMessage['via'] = 'body';
    if (body.trim() !== '') {
      try {
        fields = JSON.parse(body) as Json;
      } catch {
        return { status: 400, text: 'The JSON value could not be converted.' };
      }
    } else if (this.flavor === 'emby') {
      via = 'query';
      // Emby's OpenAPI marks Text and Header as required query parameters.
      if (!query.get('header')) return { status: 400, text: 'Header is required' };
      fields = { Header: query.get('header'), Text: query.get('text'), TimeoutMs: query.get('timeoutms') };
    }
    if (typeof fields.Text !== 'string' || fields.Text === '') {
      return { status: 400, text: 'The Text field is required.' };
    }
    if (!this.findSession(sessionId)) return this.sessionNotFound();
    const header =
      typeof fields.Header === 'string' && fields.Header !== '' ? fields.Header : 'Message from Server';
    const timeoutMs = fields.TimeoutMs == null ? null : Number(fields.TimeoutMs);
    this.messages.push({ sessionId, header, text: fields.Text, timeoutMs, via });
    return empty(204);
  }

  private playstate(sessionId: string, command: string): Reply {
    const verb = command.toLowerCase();
    if (!PLAYSTATE_COMMANDS.has(verb))
      return { status: 400, text: `Requested value '${command}' was not found.` };
    const session = this.findSession(sessionId);
    // SessionManager.GetSessionToRemoteControl throws ResourceNotFoundException → 404 (ExceptionMiddleware writes
    // "Error processing request." outside development).
    if (!session) return this.sessionNotFound();
    this.playstateCommands.push({ sessionId, command });
    const state = session.PlayState as Json;
    // Stop ends playback; the app's session stays, idle, until the client disconnects. A player that ignores
    // Stop keeps playing although the server accepted the command.
    if (verb === 'stop' && this.ignoresStop.has(String(session.Id))) {
      // nothing changes
    } else if (verb === 'stop') {
      delete session.NowPlayingItem;
      delete session.TranscodingInfo;
      session.PlayState = idlePlayState(this.flavor);
    } else if (session.NowPlayingItem && ['pause', 'unpause', 'playpause'].includes(verb)) {
      state.IsPaused = verb === 'playpause' ? !state.IsPaused : verb === 'pause';
    }
    // Jellyfin answers 204; Emby documents "200 empty" (reference EMBY "Stop").
    return empty(this.flavor === 'jellyfin' ? 204 : 200);
  }

  /**
   * The servers deserialize the body into a fresh UserPolicy and replace the stored one: a key left out takes the
   * constructor's default (not the old value) and a key the server does not know is dropped. Jellyfin validates
   * `[Required(AllowEmptyStrings = false)]` AuthenticationProviderId and PasswordResetProviderId first (400
   * ProblemDetails, nothing stored).
   */
  private updatePolicy(userId: string, body: string): Reply {
    if (this.notAGuid(userId)) return this.jellyfinBadGuid(userId);
    const user = this.findUser(userId);
    let submitted: unknown;
    try {
      submitted = JSON.parse(body);
    } catch {
      return validationProblem('newPolicy', 'The newPolicy field is required.');
    }
    if (typeof submitted !== 'object' || submitted === null || Array.isArray(submitted)) {
      return validationProblem('$', 'The JSON value could not be converted to UserPolicy.');
    }
    const policy = submitted as Json;
    if (this.flavor === 'jellyfin') {
      for (const field of ['AuthenticationProviderId', 'PasswordResetProviderId']) {
        if (typeof policy[field] !== 'string' || policy[field] === '') {
          return validationProblem(field, `The ${field} field is required.`);
        }
      }
    }
    if (!user) return this.notFound();
    const current = user.Policy as Json;
    const known = new Set([
      ...Object.keys(userPolicy(this.flavor, { name: 'template' })),
      ...Object.keys(current),
    ]);
    const stored: Json = {};
    for (const key of known) {
      const value = key in policy ? policy[key] : defaultFor(this.flavor, key, current[key]);
      if (value !== undefined && value !== null) stored[key] = value;
    }
    user.Policy = stored;
    this.policyUpdates.push({ userId: String(user.Id), policy: structuredClone(policy) });
    // Jellyfin: 204 (UserController.UpdateUserPolicy); Emby documents "200 Operation successful. Empty response."
    return empty(this.flavor === 'jellyfin' ? 204 : 200);
  }

  /**
   * `GET /Items?ids=a,b`: Jellyfin's ItemsController.GetItems with an API key (no user; 10.10 – 12.0) and Emby's
   * documented `Ids`: a QueryResult of the items the server has, unknown ids left out.
   */
  private itemsByIds(query: Query): Reply {
    const ids = (query.get('ids') ?? '').split(',').filter(Boolean);
    const found = ids.flatMap((id) => this.items.get(itemKey(id)) ?? []);
    return json({ Items: found, TotalRecordCount: found.length, StartIndex: 0 });
  }

  /** Newest first, like the server; minDate, hasUserId, startIndex and limit honoured. */
  private activityPage(query: Query): Reply {
    const minDate = query.get('mindate');
    const since = minDate ? new Date(minDate).getTime() : Number.NEGATIVE_INFINITY;
    // Emby documents only StartIndex, Limit and MinDate: it ignores hasUserId.
    const hasUserId = this.flavor === 'jellyfin' ? query.get('hasuserid')?.toLowerCase() : undefined;
    const matching = this.activity
      .filter((e) => new Date(String(e.Date)).getTime() >= since)
      .filter((e) => hasUserId === undefined || (hasUserId === 'true') === !/^0+$/.test(String(e.UserId)))
      .sort((a, b) => String(b.Date).localeCompare(String(a.Date)) || Number(b.Id) - Number(a.Id));
    const start = Number(query.get('startindex') ?? 0);
    const limit = query.has('limit') ? Number(query.get('limit')) : matching.length;
    return json({
      Items: matching.slice(start, start + limit),
      TotalRecordCount: matching.length,
      StartIndex: start,
    });
  }
}
