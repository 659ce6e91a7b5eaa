// Fencing at the media edge: a client built for a stored server refuses to read or stop streams once this instance
// no longer trusts that server's lease, even inside a cycle that started while it did (the cycle holds its clients
// from the first read to the last stop). Admin actions (identify, accounts, download switches) are not fenced:
// commands run on the gateway holder whatever servers it senses.
import type { MediaRegistry } from '../media/registry.ts';
import { type MediaServer, MediaServerError } from '../media/types.ts';

const SENSING = new Set<PropertyKey>(['listStreams', 'listDownloads', 'stopStream']);

export function fencedServer(server: MediaServer, owns: () => boolean): MediaServer {
  return new Proxy(server, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!SENSING.has(prop)) return value.bind(target);
      return (...args: unknown[]) => {
        if (!owns())
          return Promise.reject(
            new MediaServerError('unreachable', `${String(prop)}: another instance senses this server now`),
          );
        return value.apply(target, args);
      };
    },
  });
}

/** Makes every client the registry builds from a stored row fenced by `owns(row.id)`. */
export function fenceRegistry(media: MediaRegistry, owns: (serverId: number) => boolean): MediaRegistry {
  const forRow = media.forRow.bind(media);
  media.forRow = (row) => fencedServer(forRow(row), () => owns(row.id));
  return media;
}
