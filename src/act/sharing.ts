// Sharing signals: sense (the places of this read's streams, src/sense/places.ts) → decide (src/decide/sharing.ts,
// pure) → act: each flag is stored once by its key (sharing_flags) and the admins get one alert with the evidence,
// through the outbox (a once-per-flag notice). Never a stop. Nothing runs, and GeoIP is never loaded, while no plan
// has `households` and impossible travel is off.

import { and, gt, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { sharingFlags, sharingPlaces } from '../db/schema.ts';
import { decideSharing, type Place, type SharingIntent, TRAVEL_WINDOW_MS } from '../decide/sharing.ts';
import { languageOf } from '../i18n/index.ts';
import { queueNotice } from '../notify/notice-queue.ts';
import { type FlagEvidence, type FlagPlace, sharingAlert } from '../notify/sharing.ts';
import { localDateKey } from '../policy/week.ts';
import { placeOf, recordPlaces } from '../sense/places.ts';
import type { StreamEnforcementInput } from '../sense/view.ts';

const flagPlace = (p: Place): FlagPlace => ({
  network: p.network,
  city: p.city,
  device: p.device,
  firstSeenAt: p.firstSeenAt.toISOString(),
  lastSeenAt: p.lastSeenAt.toISOString(),
});

function evidenceOf(i: SharingIntent): FlagEvidence {
  return i.type === 'households'
    ? { kind: 'households', allowed: i.allowed, places: i.places.map(flagPlace) }
    : {
        kind: 'travel',
        distanceKm: i.distanceKm,
        hours: Math.round(i.hours * 100) / 100,
        speedKmh: i.speedKmh,
        places: i.places.map(flagPlace),
      };
}

/** Members (or flag keys) per read. */
const MEMBERS_PER_READ = 1000;

/** Records this cycle's places and flags what they show. Returns how many new flags were raised. */
export async function senseSharing(ctx: AppContext, view: StreamEnforcementInput): Promise<number> {
  const travel = view.settings.impossibleTravel;
  const households = new Map(view.links.map(({ member, plan }) => [member.id, plan?.households ?? 0]));
  const wanted = (memberId: number) => travel || (households.get(memberId) ?? 0) > 0;
  if (!travel && ![...households.values()].some((n) => n > 0)) return 0;

  const fresh = new Set(view.snapshots.filter((s) => s.streams).map((s) => s.row.id));
  const now = view.now;
  const touched = await recordPlaces(ctx.db, {
    streams: view.streams.filter((s) => fresh.has(s.serverId)),
    wanted,
    now,
    zone: ctx.config.timezone,
  });
  const today = localDateKey(now, ctx.config.timezone);
  // The touched members' places, then the flags already raised among what they show: one read each per thousand
  // members, not one per member.
  const ids = [...touched];
  const placesOf = new Map<number, Place[]>();
  for (let i = 0; i < ids.length; i += MEMBERS_PER_READ) {
    const rows = await ctx.db
      .select()
      .from(sharingPlaces)
      .where(
        and(
          inArray(sharingPlaces.memberId, ids.slice(i, i + MEMBERS_PER_READ)),
          gt(sharingPlaces.lastSeenAt, new Date(now.getTime() - TRAVEL_WINDOW_MS)),
        ),
      );
    for (const row of rows) {
      const list = placesOf.get(row.memberId) ?? [];
      list.push(placeOf(row));
      placesOf.set(row.memberId, list);
    }
  }
  const found = ids.flatMap((memberId) =>
    decideSharing({
      memberId,
      households: households.get(memberId) ?? 0,
      travel,
      today,
      places: placesOf.get(memberId) ?? [],
      now,
    }),
  );
  const known = new Set<string>();
  for (let i = 0; i < found.length; i += MEMBERS_PER_READ) {
    const keys = found.slice(i, i + MEMBERS_PER_READ).map((x) => x.key);
    for (const r of await ctx.db
      .select({ key: sharingFlags.key })
      .from(sharingFlags)
      .where(inArray(sharingFlags.key, keys))) {
      known.add(r.key);
    }
  }
  let raised = 0;
  for (const i of found.filter((x) => !known.has(x.key))) {
    const { memberId } = i;
    const entry = view.links.find(({ member }) => member.id === memberId);
    const evidence = evidenceOf(i);
    // The alert is queued first: a crash before the flag is stored queues nothing twice (the notice's key), and
    // the next look at the member's places (at most 15 minutes later while they stream) stores the flag.
    await queueNotice(
      ctx,
      { kind: 'sharing', subject: i.key, channel: 'alert', memberId },
      {
        channel: 'alert',
        to: view.settings.alertsChannelId,
        message: sharingAlert(
          {
            memberName: entry?.member.displayName ?? `member ${memberId}`,
            discordUserId: entry && entry.member.standInServerId === null ? entry.member.discordUserId : null,
            planName: entry?.plan?.name ?? 'none',
            evidence,
            hideAddresses: view.settings.hideAddresses,
          },
          languageOf(view.settings.guildLocale),
        ),
      },
    );
    const stored = await ctx.db
      .insert(sharingFlags)
      .values({
        key: i.key,
        memberId,
        kind: i.type,
        evidence: evidence as unknown as Record<string, unknown>,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: sharingFlags.id });
    raised += stored.length;
  }
  return raised;
}
