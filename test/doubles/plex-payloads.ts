// Payload builders for the PMS double, and one renderer that writes an element tree as PMS XML or PMS JSON
// with the differences real servers show (reference P1/P2):
// XML attributes are strings and flags are "1"/"0"; JSON keeps numbers and booleans, puts session items in
// `Metadata[]`, gives `User`/`Player`/`Session` as single objects and lists everything else as arrays.

export type Scalar = string | number | boolean | null;

export interface Element {
  tag: string;
  attrs: Record<string, Scalar>;
  children: Element[];
}

const SINGLE_IN_JSON: ReadonlySet<string> = new Set([
  'User',
  'Player',
  'Session',
  'TranscodeSession',
  'Context',
]);
const JSON_KEY: Readonly<Record<string, string>> = {
  Video: 'Metadata',
  Track: 'Metadata',
  Photo: 'Metadata',
};

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function xmlValue(value: Exclude<Scalar, null>): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return escapeXml(String(value));
}

function xmlElement(element: Element, indent: string): string {
  const attrs = Object.entries(element.attrs)
    .filter((entry): entry is [string, Exclude<Scalar, null>] => entry[1] !== null)
    .map(([key, value]) => ` ${key}="${xmlValue(value)}"`)
    .join('');
  if (element.children.length === 0) return `${indent}<${element.tag}${attrs} />`;
  const inner = element.children.map((c) => xmlElement(c, `${indent}  `)).join('\n');
  return `${indent}<${element.tag}${attrs}>\n${inner}\n${indent}</${element.tag}>`;
}

export function renderXml(root: Element): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlElement(root, '')}\n`;
}

function jsonNode(element: Element): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element.attrs)) if (value !== null) node[key] = value;
  for (const c of element.children) {
    const key = JSON_KEY[c.tag] ?? c.tag;
    if (SINGLE_IN_JSON.has(c.tag)) {
      node[key] = jsonNode(c);
    } else {
      const list = (node[key] as unknown[] | undefined) ?? [];
      list.push(jsonNode(c));
      node[key] = list;
    }
  }
  return node;
}

export function renderJson(root: Element): { MediaContainer: Record<string, unknown> } {
  return { MediaContainer: jsonNode(root) };
}

/** The bare HTML body PMS sends with an error status (ljunkie/plexWatch #127 for 401). */
export function htmlPage(status: number, title: string): string {
  return `<html><head><title>${title}</title></head><body><h1>${status} ${title}</h1></body></html>`;
}

export interface PlexSessionSpec {
  user: { id: string | number; title: string };
  player?: {
    state?: string;
    device?: string;
    platform?: string;
    product?: string;
    address?: string;
    machineIdentifier?: string;
    title?: string;
  };
  /** Omitted: a Session with a generated id. null: no Session element at all (Plexamp). */
  session?: { id: string } | null;
  type: 'episode' | 'movie' | 'track';
  title: string;
  grandparentTitle?: string;
  sessionKey: string;
  /** Theme music is reported with a library:// guid. */
  guid?: string;
  /** How the server delivers it; omitted: a direct play of a 1080p file. */
  delivery?: PlexDeliverySpec;
}

/** What PMS does with a session's video and audio (Stream `decision`), and the file's and the sent heights. */
export interface PlexDeliverySpec {
  video?: 'directplay' | 'copy' | 'transcode';
  audio?: 'directplay' | 'copy' | 'transcode';
  /** Height of the file, as the library item's Media says (2160 for 4K). Default 1080. */
  sourceHeight?: number;
  /** Height sent to the player when the video is converted. Default 720 (or 1080 from a 4K file). */
  outputHeight?: number;
  /** Heights of further versions of the same item in the library (a 1080p copy beside the 4K file). */
  otherVersions?: number[];
}

/** Plex's `videoResolution` word for a height (python-plexapi Media.videoResolution: "sd", "720", "1080", "4k"). */
export function videoResolution(height: number): string {
  if (height >= 2000) return '4k';
  if (height >= 1000) return '1080';
  if (height >= 700) return '720';
  if (height >= 570) return '576';
  return height >= 480 ? '480' : 'sd';
}

export interface PlexActivitySpec {
  uuid: string;
  type: string;
  userID: number;
  title?: string;
  subtitle: string;
  progress: number;
  cancellable?: boolean;
  context?: { key: string };
}

export interface PlexAccountSpec {
  id: number;
  name: string;
}

/** A session item shaped like Tautulli's and python-plexapi's reads of `/status/sessions` (reference P2). */
export function sessionElement(spec: PlexSessionSpec, sessionId: string | null, index: number): Element {
  const ratingKey = String(40000 + index);
  const isTrack = spec.type === 'track';
  const player = spec.player ?? {};
  const children: Element[] = [
    sessionMedia(spec, index),
    {
      tag: 'User',
      attrs: {
        id: String(spec.user.id),
        thumb: 'https://plex.tv/users/844780fc6f8a26b5/avatar',
        title: spec.user.title,
      },
      children: [],
    },
    {
      tag: 'Player',
      attrs: {
        address: player.address ?? '10.10.10.171',
        device: player.device ?? 'Windows',
        machineIdentifier: player.machineIdentifier ?? `client-${index}-3tsdzir85m2onc3qyr255aq1`,
        platform: player.platform ?? 'windows',
        platformVersion: '10.0.22621',
        product: player.product ?? 'Plex for Windows',
        profile: 'Plex Desktop',
        remotePublicAddress: '68.248.140.20',
        // 'playing', 'paused' or 'buffering': python-plexapi client.py `PlexClient._loadData` reads it from the
        // session's Player (`self.state = data.attrib.get('state')  # session`); JBOPS
        // killstream/wait_kill_paused_notify.py checks `session.players[0].state == 'paused'`.
        state: player.state ?? 'playing',
        title: player.title ?? 'DESKTOP-BL80MTD',
        version: '1.85.0.4071-21128b56',
        local: true,
        relayed: false,
        secure: true,
        userID: Number(spec.user.id),
      },
      children: [],
    },
  ];
  if (sessionId !== null) {
    children.push({
      tag: 'Session',
      attrs: { id: sessionId, bandwidth: 1050, location: 'lan' },
      children: [],
    });
  }
  const transcode = transcodeSessionElement(spec, index);
  if (transcode) children.push(transcode);
  return {
    tag: isTrack ? 'Track' : 'Video',
    attrs: {
      addedAt: 1705543312,
      duration: isTrack ? 186240 : 2640000,
      ...(spec.grandparentTitle ? { grandparentTitle: spec.grandparentTitle } : {}),
      guid: spec.guid ?? `plex://${spec.type}/5d9c08${ratingKey}`,
      key: `/library/metadata/${ratingKey}`,
      librarySectionID: isTrack ? '3' : spec.type === 'episode' ? '2' : '1',
      ...(spec.type === 'episode' ? { parentIndex: 1, index: index + 1 } : {}),
      ratingKey,
      sessionKey: spec.sessionKey,
      title: spec.title,
      type: spec.type,
      viewOffset: 1000,
    },
    children,
  };
}

const decisionOf = (d: PlexDeliverySpec['video']) => (d === 'copy' || d === 'transcode' ? d : null);
const sourceHeightOf = (spec: PlexSessionSpec) => spec.delivery?.sourceHeight ?? 1080;
function sentHeight(spec: PlexSessionSpec): number {
  const source = sourceHeightOf(spec);
  if (spec.delivery?.video !== 'transcode') return source;
  return spec.delivery.outputHeight ?? (source > 1080 ? 1080 : 720);
}
const widthFor = (height: number) => Math.round((height * 16) / 9);

/**
 * The session's `Media` (selected="1"), its `Part` and `Stream`s, describing what is SENT to the player, as Tautulli
 * reads them (plexpy/pmsconnect.py get_session_each(): `stream_media_info` is the selected Media, the Stream
 * `decision` is `transcode`, `copy` or absent for direct play, the Part's `directplay` or `transcode`) and as the
 * Plexopedia transcoded example shows (`<Media … videoResolution="720p" width="1720" selected="1">`,
 * `<Part … decision="transcode" selected="1">`). The file's own resolution is only in the library item (libraryItem).
 */
function sessionMedia(spec: PlexSessionSpec, index: number): Element {
  const isTrack = spec.type === 'track';
  const video = decisionOf(spec.delivery?.video);
  const audio = decisionOf(spec.delivery?.audio);
  const direct = video === null && audio === null;
  const height = sentHeight(spec);
  const streams: Element[] = [];
  if (!isTrack) {
    streams.push({
      tag: 'Stream',
      attrs: {
        id: 70000 + index * 10,
        streamType: 1,
        codec: video === 'transcode' ? 'h264' : 'hevc',
        height,
        width: widthFor(height),
        default: true,
        selected: true,
        ...(video ? { decision: video, location: 'segments-video' } : { location: 'direct' }),
      },
      children: [],
    });
  }
  streams.push({
    tag: 'Stream',
    attrs: {
      id: 70001 + index * 10,
      streamType: 2,
      codec: audio === 'transcode' ? 'aac' : isTrack ? 'flac' : 'eac3',
      channels: 2,
      default: true,
      selected: true,
      ...(audio ? { decision: audio, location: 'segments-audio' } : { location: 'direct' }),
    },
    children: [],
  });
  return {
    tag: 'Media',
    attrs: {
      id: 50000 + index,
      duration: isTrack ? 186240 : 2640000,
      container: isTrack ? 'flac' : direct ? 'mkv' : 'mpegts',
      ...(isTrack ? {} : { height, width: widthFor(height), videoResolution: videoResolution(height) }),
      ...(direct ? {} : { protocol: 'hls' }),
      selected: true,
    },
    children: [
      {
        tag: 'Part',
        attrs: { id: 60000 + index, decision: direct ? 'directplay' : 'transcode', selected: true },
        children: streams,
      },
    ],
  };
}

/**
 * `TranscodeSession` as python-plexapi media.py TranscodeSession reads it and plexjs documents it (reference P2:
 * key, throttled, complete, progress, speed, context, sourceVideoCodec, sourceAudioCodec, videoDecision,
 * audioDecision, protocol, container, videoCodec, audioCodec, audioChannels, width, height, transcodeHwRequested).
 * Present only while the server converts or repackages something.
 */
function transcodeSessionElement(spec: PlexSessionSpec, index: number): Element | null {
  const video = decisionOf(spec.delivery?.video);
  const audio = decisionOf(spec.delivery?.audio);
  if (video === null && audio === null) return null;
  const isTrack = spec.type === 'track';
  const height = sentHeight(spec);
  return {
    tag: 'TranscodeSession',
    attrs: {
      key: `/transcode/sessions/vv3i2q2lax92qlzul1hbd4b${index}`,
      throttled: false,
      complete: false,
      progress: 1.7999999523162842,
      speed: 25.100000381469727,
      duration: isTrack ? 186240 : 2640000,
      context: 'streaming',
      ...(isTrack ? {} : { sourceVideoCodec: 'hevc' }),
      sourceAudioCodec: isTrack ? 'flac' : 'eac3',
      ...(isTrack ? {} : { videoDecision: video ?? 'copy' }),
      audioDecision: audio ?? 'copy',
      protocol: 'hls',
      container: 'mpegts',
      ...(isTrack ? {} : { videoCodec: 'h264', width: widthFor(height), height }),
      audioCodec: audio === 'transcode' ? 'aac' : 'eac3',
      audioChannels: 2,
      transcodeHwRequested: true,
    },
    children: [],
  };
}

/**
 * `GET /library/metadata/{ratingKey}`: the library item a session plays, with the FILE's Media (one per version),
 * the source Tautulli (`get_metadata_details`), python-plexapi (`PlexSession.source()`) and JBOPS
 * (kill_trans_quality.py: `plex.fetchItem(rating_key).media[0].videoResolution`) read the original quality from.
 * Media attributes as python-plexapi media.py Media reads them (id, height, width, videoResolution, videoCodec…).
 */
export function libraryItem(spec: PlexSessionSpec, index: number): Element {
  const session = sessionElement(spec, null, index);
  const heights = [sourceHeightOf(spec), ...(spec.delivery?.otherVersions ?? [])];
  const isTrack = spec.type === 'track';
  const medias: Element[] = heights.map((height, version) => ({
    tag: 'Media',
    attrs: {
      // The version played keeps the id the session's Media carries.
      id: version === 0 ? 50000 + index : 80000 + index * 10 + version,
      duration: isTrack ? 186240 : 2640000,
      container: isTrack ? 'flac' : 'mkv',
      ...(isTrack
        ? { audioCodec: 'flac' }
        : {
            height,
            width: widthFor(height),
            videoResolution: videoResolution(height),
            videoCodec: 'hevc',
            audioCodec: 'eac3',
          }),
    },
    children: [
      {
        tag: 'Part',
        attrs: { id: 60000 + index * 10 + version, container: isTrack ? 'flac' : 'mkv' },
        children: isTrack
          ? []
          : [
              {
                tag: 'Stream',
                attrs: {
                  id: 90000 + index * 10 + version,
                  streamType: 1,
                  codec: 'hevc',
                  height,
                  width: widthFor(height),
                },
                children: [],
              },
            ],
      },
    ],
  }));
  const { sessionKey: _sessionKey, viewOffset: _viewOffset, ...attrs } = session.attrs;
  return { tag: session.tag, attrs, children: medias };
}

/** `<Activity uuid type cancellable userID title subtitle progress>` (Tautulli #1451; spec Activity schema). */
export function activityElement(spec: PlexActivitySpec): Element {
  return {
    tag: 'Activity',
    attrs: {
      uuid: spec.uuid,
      type: spec.type,
      cancellable: spec.cancellable ?? false,
      userID: spec.userID,
      title: spec.title ?? (spec.type === 'media.download' ? 'Downloading Media' : 'Refreshing'),
      subtitle: spec.subtitle,
      progress: spec.progress,
    },
    children: spec.context ? [{ tag: 'Context', attrs: { key: spec.context.key }, children: [] }] : [],
  };
}

/** PMS `/accounts` rows: python-plexapi server.py SystemAccount._loadData (id, key, name, autoSelectAudio,
 *  defaultAudioLanguage, defaultSubtitleLanguage, subtitleMode, thumb) and the plexjs Account model. The owner is
 *  account 1 (python-plexapi: "The admin account is accountID=1"). */
export function accountElements(specs: PlexAccountSpec[]): Element[] {
  const all = specs.some((s) => s.id === 0) ? specs : [{ id: 0, name: '' }, ...specs];
  return all.map((spec) => ({
    tag: 'Account',
    attrs: {
      id: spec.id,
      key: `/accounts/${spec.id}`,
      name: spec.name,
      defaultAudioLanguage: 'en',
      autoSelectAudio: true,
      defaultSubtitleLanguage: 'en',
      subtitleMode: 0,
      thumb: spec.id === 0 ? '' : `https://plex.tv/users/${spec.id.toString(16)}/avatar`,
    },
    children: [],
  }));
}
