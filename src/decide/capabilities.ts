// What the bot can do on each media server, learnt from every call it makes and from side-effect-free probes.
// Pure: the stored state of one capability, one observation and `now` give the next state and the alert to post.
//
//   unknown ──ok──▶ works ──fail──▶ failed (alert "lost", once) ──ok──▶ works (alert "back", once)
//      └──fail──▶ failed (no alert: it never worked here; /server add, /server test and /status show it)
//
// A failure that is about reaching the server (no connection, time-out, a 5xx, a refused token) is the server's
// health, announced by the down/up alerts: it leaves every capability as it was. Only answers that show the server
// no longer does one thing (a route gone, an answer that cannot be read, a write not applied, a refusal, push that
// stays silent) change a capability.

export const CAPABILITIES = [
  'read-sessions',
  'stop-stream',
  'on-screen-message',
  'list-accounts',
  'switch-downloads',
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

export interface CapabilityDecision {
  next: CapabilityRecord;
  /** Whether the stored record changes (an unchanged one needs no write). */
  changed: boolean;
  alert: 'lost' | 'back' | null;
}

export const UNKNOWN: CapabilityRecord = {
  state: 'unknown',
  since: null,
  reason: null,
  fix: null,
  lostAlerted: false,
};

export function decideCapability(
  current: CapabilityRecord | null,
  observation: Observation,
  now: Date,
): CapabilityDecision {
  const before = current ?? UNKNOWN;
  if (observation.ok) {
    if (before.state === 'works') return { next: before, changed: false, alert: null };
    const next: CapabilityRecord = {
      state: 'works',
      since: now,
      reason: null,
      fix: null,
      lostAlerted: false,
    };
    return { next, changed: true, alert: before.state === 'failed' && before.lostAlerted ? 'back' : null };
  }
  const fix = observation.fix ?? null;
  if (before.state === 'failed') {
    // Still failing: keep since (and whether it was announced); a new reason replaces the old one.
    const same = before.reason === observation.reason && before.fix === fix;
    return same
      ? { next: before, changed: false, alert: null }
      : { next: { ...before, reason: observation.reason, fix }, changed: true, alert: null };
  }
  const lost = before.state === 'works';
  return {
    next: { state: 'failed', since: now, reason: observation.reason, fix, lostAlerted: lost },
    changed: true,
    alert: lost ? 'lost' : null,
  };
}
