// What an admin typed as a server's address, and what a failed connection means for them: the words `/server add`,
// `/server edit`, `/server test` and `/server connect` answer with.

import { MediaServerError, type Platform } from '../media/types.ts';
import { StoredTokenError } from '../secrets.ts';
import { UserError } from '../user-error.ts';

export const PLATFORM_LABEL: Record<Platform, string> = { plex: 'Plex', jellyfin: 'Jellyfin', emby: 'Emby' };

export const TOKEN_HELP: Record<Platform, string> = {
  plex: 'Use the server owner’s Plex token (Plex Web → any item → Get Info → View XML: the X-Plex-Token in the address).',
  jellyfin: 'Use an API key (Jellyfin Dashboard → API Keys → +).',
  emby: 'Use an API key (Emby Settings → Advanced → API Keys → New API Key).',
};

/** Checks the address an admin typed: http(s), a host, no credentials or query (tokens belong in `token`). */
export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UserError(
      '`url` is not a valid address. Give the full address, e.g. `http://192.168.1.10:32400`.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('`url` must start with http:// or https://.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UserError('`url` must not contain a user name, password or query: give the token in `token`.');
  }
  return url.toString().replace(/\/+$/, '');
}

/** localhost, 127.0.0.0/8 or ::1: in a container, the container itself. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]';
}

/** A loopback address refused in a container: how to reach a media server on the container's host. */
function containerAdvice(url: string, stored: boolean): string {
  const viaHost = new URL(url);
  viaHost.hostname = 'host.docker.internal';
  const viaLan = new URL(url);
  viaLan.hostname = '192.168.1.10';
  const address = (u: URL) => u.toString().replace(/\/+$/, '');
  return [
    `Could not connect to ${url}. The bot runs in a container, where ${new URL(url).hostname} is the container itself, not the machine.`,
    `For a media server on the same machine, use \`${address(viaHost)}\` (with \`extra_hosts: ["host.docker.internal:host-gateway"]\` in compose.yaml, as in Streamwarden's own) or the machine's LAN address, such as \`${address(viaLan)}\`;`,
    `for one in another container on the same Docker network, its service name.`,
    ...(stored ? ['Change its address with `/server edit`.'] : []),
  ].join(' ');
}

/**
 * Turns a failed connection into what the admin should do about it. `inContainer`: the bot runs in a container;
 * `stored`: the address is a saved server's (/server test), not one being added.
 */
export function explainConnectionError(
  platform: Platform,
  url: string,
  err: unknown,
  where: { inContainer: boolean; stored: boolean },
): string {
  if (err instanceof StoredTokenError) return `Did not contact ${url}: ${err.message}.`;
  if (!(err instanceof MediaServerError)) return `Could not check ${url}: unexpected error.`;
  switch (err.kind) {
    case 'unauthorized':
      return `The ${PLATFORM_LABEL[platform]} server at ${url} refused the token. ${TOKEN_HELP[platform]}`;
    case 'unreachable':
      if (where.inContainer && isLoopback(url)) return containerAdvice(url, where.stored);
      return `Could not connect to ${url}. Check the address and port, and that the bot’s machine can reach the server.`;
    case 'timeout':
      return `${url} did not answer in time. Check the address, or whether the server is overloaded.`;
    case 'not-found':
    case 'bad-response':
      return `${url} answered, but not like a ${PLATFORM_LABEL[platform]} server. Check the address and the platform.`;
    case 'redirect':
      return `${url} answered with a redirect. Use the address the server redirects to (for example https instead of http, or without a trailing path): the bot never sends the token to another address.`;
    case 'not-applied':
      return `${url} accepted a change but did not apply it. Check the server’s logs.`;
    case 'server-error':
      return `${url} answered with an error (${err.message.replace(/^.*: /, '')}). Try again when the server is healthy.`;
  }
}
