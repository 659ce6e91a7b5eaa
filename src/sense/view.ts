import type { LinkWithMember } from '../db/links.ts';
import type { MediaServerRow, Settings } from '../db/schema.ts';
import type { BoostTerms, ExemptDevice } from '../policy/fairness.ts';
import type { AccountLink, MemberStream, ServerRead } from '../policy/streams.ts';
import type { TemplateName } from '../policy/templates.ts';
import type { ServerSnapshot } from './read-servers.ts';

export const toAccountLinks = (links: LinkWithMember[]): AccountLink[] =>
  links.map(({ link }) => ({
    linkId: link.id,
    memberId: link.memberId,
    serverId: link.serverId,
    accountName: link.accountName,
    accountId: link.accountId,
  }));

export const serverReads = (snapshots: ServerSnapshot[]): ServerRead[] =>
  snapshots.flatMap((s) =>
    s.streams ? [{ serverId: s.row.id, serverName: s.row.name, streams: s.streams }] : [],
  );

export interface StreamEnforcementInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: Record<TemplateName, { text: string }>;
  now: Date;
  /** When each session was first seen (`serverId:key`, kept in live_sessions), for "started" in notices. */
  firstSeen: ReadonlyMap<string, Date>;
  /** This cycle's streams, already matched to members (matchStreams over `snapshots`, stopped sessions left out). */
  streams: MemberStream[];
  /** `serverId:key` of the sessions the bot stopped and the server still lists: never counted again. */
  stopped: ReadonlySet<string>;
  /** Every stored server (also those not read in this cycle, whose sessions came from live_sessions). */
  servers: MediaServerRow[];
  /** Servers neither read now nor known from a recent successful read (down): nothing is resolved on them. */
  unreadServers: ReadonlySet<number>;
  /** Members to decide on (a push cycle: those linked on the servers read); null: everyone. */
  decideFor: ReadonlySet<number> | null;
  /** Exempt devices (`streams` already leaves them out; the confirmation re-read does too). */
  exemptions: readonly ExemptDevice[];
  /** Boosts that may apply now (src/db/fairness.ts `loadCurrentBoosts`), raising the plan's cap while they apply. */
  boosts: readonly BoostTerms[];
}

export interface DownloadInput {
  snapshots: ServerSnapshot[];
  links: LinkWithMember[];
  settings: Settings;
  templates: Record<TemplateName, { text: string }>;
  now: Date;
}
