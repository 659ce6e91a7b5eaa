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
import type { CapabilityRecord, Observation } from '../types/capabilities.ts';

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
