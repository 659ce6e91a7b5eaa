// Sessions the doubles report as converted: a 4K file whose video the server transcodes to 1080p, a direct play,
// and a transcode of the audio only. The payload shapes and their sources are in the doubles (plex-payloads.ts,
// mediabrowser-activity.ts); these only pick the values.
import type { SessionSpec } from '../doubles/mediabrowser-activity.ts';
import type { PlexSessionSpec } from '../doubles/plex.ts';

/** A Plex session whose 4K file (with a 1080p version beside it) is converted to 1080p, audio copied. */
export const plex4kTranscode = (spec: PlexSessionSpec): PlexSessionSpec => ({
  ...spec,
  delivery: {
    video: 'transcode',
    audio: 'copy',
    sourceHeight: 2160,
    outputHeight: 1080,
    otherVersions: [1080],
  },
});

/** A Plex session whose 1080p file is converted to 720p. */
export const plexHdTranscode = (spec: PlexSessionSpec): PlexSessionSpec => ({
  ...spec,
  delivery: { video: 'transcode', audio: 'transcode', sourceHeight: 1080, outputHeight: 720 },
});

/** A Plex session playing a 4K file as it is. */
export const plex4kDirectPlay = (spec: PlexSessionSpec): PlexSessionSpec => ({
  ...spec,
  delivery: { sourceHeight: 2160 },
});

/** A Jellyfin/Emby session (with an item) whose 4K file is converted to 1080p. */
export function mediaBrowser4kTranscode(spec: SessionSpec): SessionSpec {
  if (!spec.item) throw new Error('a transcode needs an item playing');
  return {
    ...spec,
    item: { ...spec.item, height: 2160 },
    delivery: { method: 'Transcode', outputHeight: 1080 },
  };
}

/** A Jellyfin/Emby session whose 1080p file is converted to 720p. */
export function mediaBrowserHdTranscode(spec: SessionSpec): SessionSpec {
  if (!spec.item) throw new Error('a transcode needs an item playing');
  return {
    ...spec,
    item: { ...spec.item, height: 1080 },
    delivery: { method: 'Transcode', outputHeight: 720 },
  };
}
