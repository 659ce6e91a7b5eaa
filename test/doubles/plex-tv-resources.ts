// plex.tv's `GET /api/v2/resources?includeHttps=1&includeRelay=1&includeIPv6=1` for the plex.tv double: the devices
// an account can reach (its own servers, servers shared with it, its players), each server with the addresses
// plex.tv knows and a token for that server.
//
// Shape, and where it was checked:
// - The route, the query and the fields: python-plexapi plexapi/myplex.py @a8d051f2 `MyPlexAccount.resources()`,
//   `MyPlexResource` (key `https://plex.tv/api/v2/resources?includeHttps=1&includeRelay=1`, attributes name, product,
//   productVersion, platform, platformVersion, device, clientIdentifier, createdAt/lastSeenAt "%Y-%m-%dT%H:%M:%SZ",
//   provides, ownerId, sourceTitle, publicAddress, accessToken, owned, home, synced, relay, presence, httpsRequired,
//   publicAddressMatches, dnsRebindingProtection, natLoopbackSupported) and `ResourceConnection` (protocol, address,
//   port, uri, local, relay, IPv6). XML (python-plexapi's default): `<resources><resource …><connections>
//   <connection …/></connections></resource></resources>` (TAG 'resource', rtag 'connections').
// - JSON with `Accept: application/json`: the same fields as typed values in an array (Sonarr
//   src/NzbDrone.Core/Notifications/Plex/PlexTv/PlexTvResource.cs reads name, owned, provides, connections[{uri,
//   protocol, address, port, local}]). It needs X-Plex-Client-Identifier, and it lists the account's own servers,
//   which v1 `/api/resources` left out (Maintainerr PR #3063, 2026-06); `/pms/servers.xml` answered an empty list
//   by 2025-09 (Ombi PR #5261).
// - A server's `clientIdentifier` is its machineIdentifier; `accessToken` is a token for that server (for a shared
//   server, one that differs from the owner's); `ownerId` and `sourceTitle` are set for shared resources only.
// Values no client reads (platform, device, createdAt, addresses' flags beyond those above) are illustrative.
import type { Element } from './plex-payloads.ts';

export interface ResourceConnectionSpec {
  uri: string;
  local?: boolean;
  relay?: boolean;
}

export interface PlexResourceSpec {
  name: string;
  /** The machineIdentifier (a player's client id for a player). */
  clientIdentifier: string;
  /** The plex.tv account that owns it. */
  ownerId: number;
  ownerName?: string;
  /** Accounts it is shared with (they see it with owned false). */
  sharedWith?: number[];
  /** The token the owner gets for it; accounts it is shared with get another one. */
  accessToken: string;
  /** 'server' for a Plex Media Server (the default), 'client,player' for an app. */
  provides?: string;
  productVersion?: string;
  httpsRequired?: boolean;
  connections: ResourceConnectionSpec[];
}

/** The resources `accountId` sees, as plex.tv lists them (JSON values). */
export function resourcesFor(specs: readonly PlexResourceSpec[], accountId: number) {
  return specs
    .filter((s) => s.ownerId === accountId || s.sharedWith?.includes(accountId))
    .map((s) => resourceJson(s, s.ownerId === accountId));
}

function connectionJson(c: ResourceConnectionSpec) {
  const url = new URL(c.uri);
  const protocol = url.protocol.replace(':', '');
  return {
    protocol,
    address: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (protocol === 'https' ? 443 : 80)),
    uri: c.uri.replace(/\/+$/, ''),
    local: c.local ?? false,
    relay: c.relay ?? false,
    IPv6: url.hostname.startsWith('['),
  };
}

function resourceJson(spec: PlexResourceSpec, owned: boolean) {
  const provides = spec.provides ?? 'server';
  const server = provides.split(',').includes('server');
  return {
    name: spec.name,
    product: server ? 'Plex Media Server' : 'Plex Web',
    productVersion: spec.productVersion ?? (server ? '1.41.3.9314-a0bfb8370' : '4.145.1'),
    platform: server ? 'Linux' : 'Chrome',
    platformVersion: server ? '6.8.0-49-generic' : '131.0',
    device: server ? 'Docker Container' : 'Linux',
    clientIdentifier: spec.clientIdentifier,
    createdAt: '2024-03-02T18:04:11Z',
    lastSeenAt: '2026-12-06T09:12:40Z',
    provides,
    ownerId: owned ? null : spec.ownerId,
    sourceTitle: owned ? null : (spec.ownerName ?? `owner ${spec.ownerId}`),
    publicAddress: '203.0.113.24',
    accessToken: owned ? spec.accessToken : `shared-${spec.accessToken}`,
    owned,
    home: false,
    synced: false,
    relay: spec.connections.some((c) => c.relay),
    presence: true,
    httpsRequired: spec.httpsRequired ?? false,
    publicAddressMatches: true,
    dnsRebindingProtection: false,
    natLoopbackSupported: true,
    connections: server ? spec.connections.map(connectionJson) : [],
  };
}

/** The same list as python-plexapi reads it without `Accept: application/json` (XML, flags "1"/"0"). */
export function resourcesXml(resources: ReturnType<typeof resourcesFor>): Element {
  return {
    tag: 'resources',
    attrs: { size: resources.length },
    children: resources.map(({ connections, ...attrs }) => ({
      tag: 'resource',
      attrs,
      children: [
        {
          tag: 'connections',
          attrs: {},
          children: connections.map((c) => ({ tag: 'connection', attrs: c, children: [] })),
        },
      ],
    })),
  };
}
