import type { PlexSessionSpec } from '../doubles/plex.ts';

/**
 * A movie playing on its own Plex player (fixture shape as in the Plex double, PMS 1.40–1.41), from an address in
 * a documentation range (`network` + key).
 */
export const playingMovie = (
  user: { id: number; title: string },
  key: number,
  network = '203.0.113.',
): PlexSessionSpec => ({
  user,
  player: {
    state: 'playing',
    device: `Device ${key}`,
    product: 'Plex for Android',
    address: `${network}${key % 250}`,
    machineIdentifier: `device-${user.id}-${key}`,
    title: `Player ${key}`,
  },
  type: 'movie',
  title: `Movie ${key}`,
  sessionKey: String(key),
});
