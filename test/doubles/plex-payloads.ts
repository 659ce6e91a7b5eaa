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
    {
      tag: 'Media',
      attrs: { id: 50000 + index, duration: isTrack ? 186240 : 2640000, container: isTrack ? 'flac' : 'mkv' },
      children: [
        { tag: 'Part', attrs: { id: 60000 + index, decision: 'directplay', selected: true }, children: [] },
      ],
    },
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
