// The words for what the bot can do on a media server, shared by the pure decision (decide/capabilities.ts),
// the book that keeps them (services/capabilities.ts) and the context.
export const CAPABILITIES = [
  'read-sessions',
  'stop-stream',
  'on-screen-message',
  'list-accounts',
  'switch-downloads',
  'cancel-download',
  'read-downloads',
  'push-events',
  'self-link',
] as const;

export type CapabilityName = (typeof CAPABILITIES)[number];

export const CAPABILITY_LABEL: Record<CapabilityName, string> = {
  'read-sessions': 'Read sessions',
  'stop-stream': 'Stop a stream',
  'on-screen-message': 'On-screen message',
  'list-accounts': 'List accounts',
  'switch-downloads': 'Switch downloads',
  'cancel-download': 'Cancel a download',
  'read-downloads': 'Read downloads',
  'push-events': 'Push events',
  'self-link': 'Members link themselves',
};

export type CapabilityState = 'works' | 'failed' | 'unknown';

export interface CapabilityRecord {
  state: CapabilityState;
  /** When the current state began; null while unknown. */
  since: Date | null;
  /** Why it failed, in words for admins (never a token or URL); null unless failed. */
  reason: string | null;
  /** What the admin can do about it; null unless failed. */
  fix: string | null;
  /** True when a "lost" alert went out for this failure, so that its recovery is announced too. */
  lostAlerted: boolean;
}

export type Observation =
  | { capability: CapabilityName; ok: true }
  | { capability: CapabilityName; ok: false; reason: string; fix?: string | null };

export interface ServerRef {
  id: number;
  name: string;
}

/** What every read, stop and switch reports about a server's capabilities (kept by services/capabilities.ts). */
export interface CapabilityObserver {
  observe(server: ServerRef, observations: readonly (Observation | null)[]): Promise<void>;
  /** Drops what is cached for a server (removed, or its address or token changed). */
  forget(serverId: number): void;
  /** Keeps only the servers this instance senses (the others' holders keep theirs). */
  keepOnly(owned: (serverId: number) => boolean): void;
}
