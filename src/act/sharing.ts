// Sharing signals: sense (the places of this read's streams, src/sense/places.ts) → decide (src/decide/sharing.ts,
// pure) → act: each flag is stored once by its key (sharing_flags) and the admins get one alert with the evidence,
// through the outbox (a once-per-flag notice). Never a stop. Nothing runs, and GeoIP is never loaded, while no plan
// has `households` and impossible travel is off.

import { and, eq, gt, inArray } from 'drizzle-orm';
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
  let raised = 0;
  for (const memberId of touched) {
    const rows = await ctx.db
      .select()
      .from(sharingPlaces)
      .where(
        and(
          eq(sharingPlaces.memberId, memberId),
          gt(sharingPlaces.lastSeenAt, new Date(now.getTime() - TRAVEL_WINDOW_MS)),
        ),
      );
    const intents = decideSharing({
      memberId,
      households: households.get(memberId) ?? 0,
      travel,
      today,
      places: rows.map(placeOf),
      now,
    });
    if (intents.length === 0) continue;
    const known = new Set(
      (
        await ctx.db
          .select({ key: sharingFlags.key })
          .from(sharingFlags)
          .where(
            inArray(
              sharingFlags.key,
              intents.map((i) => i.key),
            ),
          )
      ).map((r) => r.key),
    );
    const entry = view.links.find(({ member }) => member.id === memberId);
    for (const i of intents.filter((x) => !known.has(x.key))) {
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
              discordUserId:
                entry && entry.member.standInServerId === null ? entry.member.discordUserId : null,
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
  }
  return raised;
}
