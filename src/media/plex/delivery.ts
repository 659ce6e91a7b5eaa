// How a Plex session is delivered (direct play, direct stream, transcode) and the height of the file it plays.
//
// The decision is read the way Tautulli reads it (plexpy/pmsconnect.py get_session_each()): the session's selected
// `Media` (`selected="1"`, else the first), its selected `Part`, and in it the video (`streamType="1"`) and audio
// (`streamType="2"`) `Stream`s, preferring the selected one; each Stream's `decision` is `transcode`, `copy` or absent
// (direct play). Either one `transcode` makes the stream a transcode, either one `copy` a direct stream. A
// `TranscodeSession` child is not a transcode by itself: Plex attaches one whenever the client asked for a decision
// (RenzoBeux/Dashboarr #407, fixed in #410 by reading the Stream decisions). Tautulli reads the TranscodeSession's
// `videoDecision`/`audioDecision` (python-plexapi media.py TranscodeSession) only for Live TV, whose Streams carry
// none; so do we.
//
// The session's Media, Part and Streams describe what is sent to the player, not the file: Tautulli calls them
// `stream_*` and takes the source's resolution from the library item (`get_metadata_details(rating_key)`, i.e.
// `GET /library/metadata/{ratingKey}`, picking the Media whose id the session's Media carries); python-plexapi's
// `PlexSession.source()` fetches the same item, and JBOPS killstream/kill_trans_quality.py read
// `plex.fetchItem(rating_key).media[0].videoResolution` for "the original quality" before stopping a transcode. So
// when the video is converted the height comes from the library item (client.ts, cached per media version); when
// it is not, the video sent is the file's own and the session's video Stream (or Media) says its height.

import type { StreamDelivery } from '../types.ts';
import { child, children, flag, num, type PlexNode, text } from './payload.ts';

/** Which library item and version a session plays, to read the original's height from when the video is converted. */
export interface SourceRef {
  ratingKey: string;
  mediaId: string | null;
}

export interface SessionDelivery {
  delivery: StreamDelivery;
  /** Set when the video is converted and the height must come from the library item. */
  source: SourceRef | null;
}

/** Plex `videoResolution` words (python-plexapi Media.videoResolution: "sd", "480", "720", "1080", "4k"). */
const RESOLUTION_HEIGHT: Readonly<Record<string, number>> = {
  sd: 480,
  '480': 480,
  '576': 576,
  '720': 720,
  '1080': 1080,
  '2k': 1440,
  '4k': 2160,
  '8k': 4320,
};

function selected(nodes: PlexNode[]): PlexNode | null {
  return nodes.find((n) => flag(n, 'selected')) ?? nodes[0] ?? null;
}

/** The Stream of `type` ('1' video, '2' audio), the selected one when several (Tautulli). */
function streamOf(part: PlexNode | null, type: string): PlexNode | null {
  if (!part) return null;
  const matching = children(part, 'Stream').filter((s) => text(s, 'streamType') === type);
  return matching.find((s) => flag(s, 'selected')) ?? matching[0] ?? null;
}

/** A Media element's height: its `height`, else its `videoResolution` word ("1080p", "4k"). */
export function mediaHeight(media: PlexNode | null): number | null {
  const height = num(media, 'height');
  if (height !== null && height > 0) return height;
  const resolution = text(media, 'videoResolution')?.toLowerCase().replace(/[ip]$/, '');
  return resolution ? (RESOLUTION_HEIGHT[resolution] ?? null) : null;
}

type Decision = 'transcode' | 'copy' | 'direct';
const decisionOf = (value: string | null): Decision =>
  value === 'transcode' ? 'transcode' : value === 'copy' ? 'copy' : 'direct';

/** The delivery of one session item (a `<Video>`/`<Track>` of `/status/sessions`). */
export function sessionDelivery(item: PlexNode): SessionDelivery {
  const media = selected(children(item, 'Media'));
  const part = media ? selected(children(media, 'Part')) : null;
  const video = streamOf(part, '1');
  const audio = streamOf(part, '2');
  let videoDecision = decisionOf(text(video, 'decision'));
  let audioDecision = decisionOf(text(audio, 'decision'));
  const transcode = child(item, 'TranscodeSession');
  if (flag(item, 'live') && transcode) {
    videoDecision = decisionOf(text(transcode, 'videoDecision'));
    audioDecision = decisionOf(text(transcode, 'audioDecision'));
  }
  const method =
    videoDecision === 'transcode' || audioDecision === 'transcode'
      ? 'transcode'
      : videoDecision === 'copy' || audioDecision === 'copy'
        ? 'direct-stream'
        : 'direct-play';
  const videoTranscode = videoDecision === 'transcode';
  const ratingKey = text(item, 'ratingKey');
  // A non-numeric ratingKey is a channel or Live TV stream with no library item (Tautulli: `isdigit()`).
  const inLibrary = ratingKey !== null && /^\d+$/.test(ratingKey);
  const ownHeight = mediaHeight(media) ?? num(video, 'height');
  return {
    delivery: {
      method,
      videoTranscode,
      sourceHeight: videoTranscode ? null : ownHeight,
    },
    source: videoTranscode && inLibrary ? { ratingKey, mediaId: text(media, 'id') } : null,
  };
}

/**
 * `GET /library/metadata/{ratingKey}` → the height of the version `mediaId` (or of the first version when that id
 * is not listed, as Tautulli falls back). An item can have several versions (a 4K and a 1080p file).
 */
export function sourceHeight(container: PlexNode, mediaId: string | null): number | null {
  const item = children(container, 'Metadata')[0] ?? children(container, 'Video')[0] ?? null;
  if (!item) return null;
  const medias = children(item, 'Media');
  const media = medias.find((m) => mediaId !== null && text(m, 'id') === mediaId) ?? medias[0] ?? null;
  if (!media) return null;
  const part = selected(children(media, 'Part'));
  return mediaHeight(media) ?? num(streamOf(part, '1'), 'height');
}
