// Pure mappers from Plex Media Server payloads (XML or JSON, see payload.ts) to our own types.
// Field meanings come from /work/shared/reference/media-server-apis.md P2 (sessions), P3 (activities) and P4.

import type { ActiveStream, DownloadActivity, MediaAccount, ServerIdentity, StreamState } from '../types.ts';
import { MediaServerError } from '../types.ts';
import { type SourceRef, sessionDelivery } from './delivery.ts';
import { child, children, flag, num, type PlexNode, parseContainer, text } from './payload.ts';

export const NO_PLEX_PASS_REASON =
  'Stopping streams on Plex needs Plex Pass on the server owner’s account (myPlexSubscription is off).';

/** Session items: `<Video>`/`<Track>`/`<Photo>` in XML, `Metadata[]` in JSON (reference P2). */
const SESSION_ITEM_KEYS = ['Metadata', 'Video', 'Track', 'Photo'] as const;

const STREAM_STATES: ReadonlySet<string> = new Set<StreamState>(['playing', 'paused', 'buffering']);

/**
 * PMS reports the server owner as local account 1 in sessions, /accounts, history and activities, never under the
 * owner's plex.tv account id (python-plexapi base.py PlexSession.user: `if self._userId == 1: return
 * myPlexAccount`; server.py history(): "The admin account is accountID=1"; Tautulli pmsconnect.py
 * get_session_each(): `if user_id == '1':  # Admin user`). Friends appear under their plex.tv account id. The owner
 * is therefore recognised by this id alone: a friend whose name or title equals the owner's is not the owner.
 */
const OWNER_ACCOUNT_ID = '1';

/** `GET /` (or `/identity`) → who this server is and whether it can stop streams (Plex Pass, reference P4). */
export function parseRoot(body: string, contentType: string): ServerIdentity {
  const root = parseContainer(body, contentType);
  const serverId = text(root, 'machineIdentifier');
  if (!serverId) throw new MediaServerError('bad-response', 'Plex answered without a machineIdentifier');
  const premium = flag(root, 'myPlexSubscription');
  return {
    serverId,
    name: text(root, 'friendlyName') ?? '',
    version: text(root, 'version') ?? '',
    premium,
    canStopStreams: premium,
    stopUnavailableReason: premium ? null : NO_PLEX_PASS_REASON,
  };
}

/** `GET /status/sessions` → one ActiveStream per playing item. */
export function parseSessions(body: string, contentType: string): ActiveStream[] {
  return parseSessionReads(body, contentType).map((read) => read.stream);
}

/** One session and, when its video is converted, the library item whose original height it still needs. */
export interface SessionRead {
  stream: ActiveStream;
  source: SourceRef | null;
}

/** `GET /status/sessions` → each stream with the library item to read its original height from (delivery.ts). */
export function parseSessionReads(body: string, contentType: string): SessionRead[] {
  const container = parseContainer(body, contentType);
  const items = SESSION_ITEM_KEYS.flatMap((key) => children(container, key));
  const reads: SessionRead[] = [];
  items.forEach((item, index) => {
    const stream = toStream(item, index);
    if (!stream) return;
    const { delivery, source } = sessionDelivery(item);
    reads.push({ stream: { ...stream, delivery }, source });
  });
  return reads;
}

function toStream(item: PlexNode, index: number): ActiveStream | null {
  // Theme music played while browsing shows up as a Track whose guid is library://…; Tautulli drops it.
  if (text(item, 'guid')?.startsWith('library://')) return null;
  const user = child(item, 'User');
  if (!user) return null;
  const player = child(item, 'Player');
  const accountId = text(user, 'id');
  // `Session` is absent for Plexamp and some players (python-plexapi; Tracearr #326): such a stream cannot be stopped.
  const sessionId = text(child(item, 'Session'), 'id');
  const deviceId = text(player, 'machineIdentifier');
  const state = text(player, 'state');
  return {
    sessionId,
    key: text(item, 'sessionKey') ?? sessionId ?? `${deviceId ?? 'item'}#${index}`,
    accountId,
    accountName:
      text(user, 'title') ?? text(user, 'username') ?? (accountId ? `Plex user ${accountId}` : 'Unknown'),
    isOwner: accountId === OWNER_ACCOUNT_ID,
    deviceId,
    device: text(player, 'title') ?? text(player, 'device') ?? text(player, 'product') ?? 'Unknown device',
    product: text(player, 'product'),
    ipAddress: ipAddress(text(player, 'address')),
    title: mediaTitle(item),
    state: state && STREAM_STATES.has(state) ? (state as StreamState) : null,
    // A session carries no start time (viewOffset is a position, not a clock time).
    startedAt: null,
  };
}

/** Player.address is an IPv4-mapped IPv6 address on dual-stack servers; Tautulli splits on '::ffff:'. */
function ipAddress(address: string | null): string | null {
  if (!address) return null;
  return address.toLowerCase().startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function mediaTitle(item: PlexNode): string | null {
  const title = text(item, 'title');
  const parent = text(item, 'grandparentTitle');
  if (!parent) return title;
  const type = text(item, 'type');
  if (type === 'episode') {
    const season = num(item, 'parentIndex');
    const episode = num(item, 'index');
    const code =
      season !== null && episode !== null
        ? ` S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`
        : '';
    return title ? `${parent}${code} – ${title}` : `${parent}${code}`;
  }
  if (type === 'track') return title ? `${parent} – ${title}` : parent;
  return title;
}

/**
 * `GET /activities` → the `media.download` activities only (reference P3: Tautulli #1451). Other activity types
 * (library scans, media analysis…) are ignored. `accountName` is left null: the caller resolves it from /accounts.
 */
export function parseActivities(body: string, contentType: string): DownloadActivity[] {
  const container = parseContainer(body, contentType);
  const downloads: DownloadActivity[] = [];
  for (const activity of children(container, 'Activity')) {
    const id = text(activity, 'uuid');
    if (!id || text(activity, 'type') !== 'media.download') continue;
    // progress is −1..100 per the spec; −1 means "not known yet".
    const raw = num(activity, 'progress');
    const progress = raw === null || raw < 0 ? null : Math.min(raw, 100);
    downloads.push({
      id,
      accountId: text(activity, 'userID'),
      accountName: null,
      title: text(activity, 'subtitle') ?? text(activity, 'title') ?? 'Unknown title',
      startedAt: null,
      progress,
      complete: progress !== null && progress >= 100,
    });
  }
  return downloads;
}

/**
 * `GET /accounts` → the PMS system accounts. Account id 0 is the server's own nameless system account and is
 * skipped, as is any account without a name.
 */
export function parseAccounts(body: string, contentType: string): MediaAccount[] {
  const container = parseContainer(body, contentType);
  const accounts: MediaAccount[] = [];
  for (const account of children(container, 'Account')) {
    const id = text(account, 'id');
    const name = text(account, 'name')?.trim();
    if (!id || id === '0' || !name) continue;
    accounts.push({ id, name });
  }
  return accounts;
}
