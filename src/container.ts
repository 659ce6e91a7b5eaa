// Whether the bot runs in a container: the image sets STREAMWARDEN_CONTAINER (read by config.ts), and Docker and
// Podman leave a file behind in any container (a bot started with `npm start` inside a Node image).
import { existsSync } from 'node:fs';

/** Docker's /.dockerenv and Podman's /run/.containerenv. */
export const CONTAINER_MARKERS: readonly string[] = ['/.dockerenv', '/run/.containerenv'];

export const hasContainerMarker = (markers: readonly string[] = CONTAINER_MARKERS): boolean =>
  markers.some((file) => existsSync(file));
