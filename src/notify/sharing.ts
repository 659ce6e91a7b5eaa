// The admins' alert about a sharing flag (src/decide/sharing.ts), with its evidence: each place's times, network,
// city and device. Devices and names are member-controlled: they go through `safe`, and mentions are off.
import { type Language, translator } from '../i18n/index.ts';
import { COLORS, clip, discordTime, safe } from './format.ts';
import type { NoticeMessage } from './notifier.ts';

/** A place as a flag stores it (dates as ISO strings). */
export interface FlagPlace {
  network: string;
  city: string | null;
  device: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** What a flag stores and the alert shows. */
export type FlagEvidence =
  | { kind: 'households'; allowed: number; places: FlagPlace[] }
  | { kind: 'travel'; distanceKm: number; hours: number; speedKmh: number | null; places: FlagPlace[] };

export interface SharingNotice {
  memberName: string;
  /** The member's Discord id, rendered as a mention that never pings (mentions are off). */
  discordUserId: string | null;
  planName: string;
  evidence: FlagEvidence;
  /** `/enforcement hide-addresses`: the networks are left out. */
  hideAddresses: boolean;
}

/** The flag in one sentence, for the alert and `/user info`. */
export function flagSummary(e: FlagEvidence): string {
  if (e.kind === 'households')
    return `${e.places.length} places in one day; the plan allows ${e.allowed} household${e.allowed === 1 ? '' : 's'}`;
  const when =
    e.speedKmh === null
      ? 'at the same time'
      : `${e.hours < 1 ? `${Math.round(e.hours * 60)} min` : `${e.hours.toFixed(1)} h`} apart (${e.speedKmh} km/h needed)`;
  return `two places ${e.distanceKm} km apart, seen ${when}`;
}

/** One line of evidence: `• <from>–<to> · network · city · device`. */
export function placeLine(p: FlagPlace, hideAddresses: boolean): string {
  const parts = [
    `${discordTime(new Date(p.firstSeenAt), 'f')}–${discordTime(new Date(p.lastSeenAt), 't')}`,
    ...(hideAddresses ? [] : [p.network]),
    p.city ? safe(clip(p.city, 80)) : 'city unknown',
    safe(clip(p.device, 80)),
  ];
  return `• ${parts.join(' · ')}`;
}

export function sharingAlert(n: SharingNotice, lang: Language = 'en'): NoticeMessage {
  const t = translator(lang);
  const who = n.discordUserId ? `<@${n.discordUserId}>` : safe(n.memberName);
  const lines = n.evidence.places.slice(0, 10).map((p) => placeLine(p, n.hideAddresses));
  if (n.evidence.places.length > lines.length)
    lines.push(`… and ${n.evidence.places.length - lines.length} more`);
  return {
    embeds: [
      {
        title:
          n.evidence.kind === 'households'
            ? t('notices.alert.sharingHouseholds')
            : t('notices.alert.sharingTravel'),
        color: COLORS.warn,
        description:
          `${who} (${safe(clip(n.planName, 100))}): ${flagSummary(n.evidence)}.\n${lines.join('\n')}\n` +
          'Nothing was stopped: this may be a shared password, or a member on the road or on mobile data. `/user info` shows the last flags.',
      },
    ],
  };
}
