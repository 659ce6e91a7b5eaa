// State and endpoint behaviour of the Jellyfin/Emby double (reference J2–J4, EMBY). Paths arrive without the
// Emby /emby prefix; routes and query names are matched case-insensitively, as on the real servers.
import {
  type ActivitySpec,
  activityEntry,
  idlePlayState,
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

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}
export type Query = Map<string, string>;
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
  users: Json[] = [];
  readonly activity: Json[] = [];
  syncJobs: Json[] = [];
  syncItems: Json[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly playstateCommands: { sessionId: string; command: string }[] = [];
  readonly policyUpdates: { userId: string; policy: Json }[] = [];
  /** The player ignores Stop: the server accepts the command (it only relays it to the client) and the session
   *  keeps playing. Jellyfin's SessionController forwards playstate commands to the client and answers 204 without
   *  waiting for it (jellyfin/jellyfin Jellyfin.Api/Controllers/SessionController.cs SendPlaystateCommand). */
  ignoresStop = false;
  private nextActivityId = 4000;
  private readonly routes: [method: string, pattern: RegExp, handler: Handler][];

  constructor(
    readonly flavor: Flavor,
    private readonly serverName: string,
    /** Emby only: false answers 404 on /Sync/* like a server without the sync feature. */
    private readonly syncEnabled: boolean,
  ) {
    const sync = (items: () => Json[]) => () =>
      this.syncEnabled ? json({ Items: items(), TotalRecordCount: items().length }) : this.notFound();
    this.routes = [
      ['GET', /^\/system\/info$/i, () => json(systemInfo(flavor, this.serverId, this.serverName))],
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
      ['GET', /^\/users$/i, () => json(this.users)],
      ['GET', /^\/users\/([^/]+)$/i, ([id = '']) => this.userReply(id)],
      ['POST', /^\/users\/([^/]+)\/policy$/i, ([id = ''], _q, body) => this.updatePolicy(id, body)],
      ['GET', /^\/system\/activitylog\/entries$/i, (_p, q) => this.activityPage(q)],
      ['GET', /^\/sync\/jobs$/i, sync(() => this.syncJobs)],
      ['GET', /^\/sync\/jobitems$/i, sync(() => this.syncItems)],
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

  findSession = (id: string) => this.sessions.find((s) => sameId(s.Id, id));
  findUser = (id: string) => this.users.find((u) => sameId(u.Id, id));

  setSessions(specs: SessionSpec[]): void {
    this.sessions = specs.map((spec) => sessionDto(this.flavor, this.serverId, spec));
  }

  setUsers(specs: UserSpec[]): void {
    this.users = specs.map((spec) =>
      userDto(this.flavor, this.serverId, { ...spec, id: spec.id ?? hexId() }),
    );
  }

  addActivity(specs: ActivitySpec[]): Json[] {
    const added = specs.map((spec) => activityEntry(this.nextActivityId++, spec));
    this.activity.push(...added);
    return added;
  }

  setSyncJobs(specs: SyncJobSpec[]): void {
    const built = specs.map((spec, i) => syncJob(String(i + 1), 100 + i * 100, spec));
    this.syncJobs = built.map((b) => b.job);
    this.syncItems = built.flatMap((b) => b.items);
  }

  private userReply(id: string): Reply {
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
      fields = { Header: query.get('header'), Text: query.get('text'), TimeoutMs: query.get('timeoutms') };
    }
    if (typeof fields.Text !== 'string' || fields.Text === '') {
      return { status: 400, text: 'The Text field is required.' };
    }
    if (!this.findSession(sessionId)) return this.notFound();
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
    if (!session) return this.notFound();
    this.playstateCommands.push({ sessionId, command });
    const state = session.PlayState as Json;
    // Stop ends playback; the app's session stays, idle, until the client disconnects.
    if (verb === 'stop' && !this.ignoresStop) {
      delete session.NowPlayingItem;
      delete session.TranscodingInfo;
      session.PlayState = idlePlayState(this.flavor);
    } else if (session.NowPlayingItem && ['pause', 'unpause', 'playpause'].includes(verb)) {
      state.IsPaused = verb === 'playpause' ? !state.IsPaused : verb === 'pause';
    }
    // Jellyfin answers 204; Emby documents "200 empty" (reference EMBY "Stop").
    return empty(this.flavor === 'jellyfin' ? 204 : 200);
  }

  // The real servers replace the policy wholesale and reset missing booleans to false; the double refuses a
  // policy missing any key (or with a key of the wrong type) so a partial POST fails loudly in tests.
  private updatePolicy(userId: string, body: string): Reply {
    const user = this.findUser(userId);
    if (!user) return this.notFound();
    let submitted: unknown;
    try {
      submitted = JSON.parse(body);
    } catch {
      return { status: 400, text: 'A non-empty request body is required.' };
    }
    if (typeof submitted !== 'object' || submitted === null || Array.isArray(submitted)) {
      return { status: 400, text: 'The policy field is required.' };
    }
    const policy = submitted as Json;
    for (const [key, value] of Object.entries(userPolicy(this.flavor, { name: 'template' }))) {
      const given = policy[key];
      if (
        given === undefined ||
        typeof given !== typeof value ||
        Array.isArray(given) !== Array.isArray(value)
      ) {
        return { status: 400, text: `The ${key} field is required.` };
      }
    }
    user.Policy = policy;
    this.policyUpdates.push({ userId: String(user.Id), policy: structuredClone(policy) });
    return empty(204);
  }

  /** Newest first, like the server; minDate, hasUserId, startIndex and limit honoured. */
  private activityPage(query: Query): Reply {
    const minDate = query.get('mindate');
    const since = minDate ? new Date(minDate).getTime() : Number.NEGATIVE_INFINITY;
    const hasUserId = query.get('hasuserid')?.toLowerCase();
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
