// Exempt devices and boosts: what /user exempt, unexempt, boost and unboost change, and what /quota shows.

import { createHash } from 'node:crypto';
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { loadCurrentBoosts, type SeenDevice, seenDevices } from '../db/fairness.ts';
import {
  type Boost,
  boosts,
  type DeviceExemption,
  deviceExemptions,
  type Member,
  members,
  plans,
} from '../db/schema.ts';
import { list } from '../i18n/format.ts';
import { type Language, translator } from '../i18n/index.ts';
import { clip, quoted } from '../notify/format.ts';
import { activeBoost } from '../policy/fairness.ts';
import { UserError } from '../user-error.ts';
import { type DiscordUserRef, findMember } from './members.ts';

export const BOOST_LIMITS = {
  streams: { min: 1, max: 10 },
  downloads: { min: 1, max: 1000 },
  hours: { min: 1, max: 720 },
} as const;
export const NOTE_MAX = 200;

/** Discord's longest autocomplete value (and string option we accept for `device`). */
const VALUE_MAX = 100;
const HASHED = 'sha256:';

/**
 * What an autocomplete offers for a device, and what `device` carries back: the identifier itself, or (for an
 * identifier longer than Discord lets a choice carry, like Jellyfin web's base64 DeviceId) a hash of it. Either way
 * the device is found by its identifier, never by its name.
 */
export function deviceValue(deviceId: string): string {
  if (deviceId.length <= VALUE_MAX && !deviceId.startsWith(HASHED)) return deviceId;
  return HASHED + createHash('sha256').update(deviceId).digest('hex').slice(0, 40);
}

const pickDevice = <T extends { deviceId: string }>(list: readonly T[], value: string): T | undefined =>
  list.find((d) => d.deviceId === value) ?? list.find((d) => deviceValue(d.deviceId) === value);

/** "3 h ago"-style age for autocomplete labels (they are plain text: no Discord timestamps there). */
export function ago(then: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** The autocomplete label of a device: display name · product/platform · server · last seen (≤ 100 characters). */
export function deviceLabel(d: SeenDevice, now: Date): string {
  const when = d.live ? 'playing now' : `seen ${ago(d.lastSeen, now)}`;
  const tail = ` · ${clip(d.product ?? d.platform, 30)} · ${clip(d.server, 30)} · ${when}`;
  return clip(d.name, Math.max(10, VALUE_MAX - tail.length)) + tail;
}

export interface Choice {
  name: string;
  value: string;
}

/** Autocomplete for `/user exempt device`: the member's devices seen on any server, latest first. */
export async function deviceChoices(ctx: AppContext, discordUserId: string | null): Promise<Choice[]> {
  const member = discordUserId ? await findMember(ctx.db, discordUserId) : undefined;
  if (!member) return [];
  const now = ctx.clock();
  return (await seenDevices(ctx.db, member.id)).map((d) => ({
    name: deviceLabel(d, now),
    value: deviceValue(d.deviceId),
  }));
}

/** Autocomplete for `/user unexempt device`: the member's exempt devices. */
export async function exemptionChoices(ctx: AppContext, discordUserId: string | null): Promise<Choice[]> {
  const member = discordUserId ? await findMember(ctx.db, discordUserId) : undefined;
  if (!member) return [];
  return (await exemptionsOf(ctx.db, member.id)).map((e) => ({
    name: clip(e.note ? `${e.deviceName} · ${e.note}` : e.deviceName, VALUE_MAX),
    value: deviceValue(e.deviceId),
  }));
}

export async function exemptionsOf(db: Db, memberId: number): Promise<DeviceExemption[]> {
  return db
    .select()
    .from(deviceExemptions)
    .where(eq(deviceExemptions.memberId, memberId))
    .orderBy(asc(deviceExemptions.deviceName), asc(deviceExemptions.id));
}

async function requireKnownMember(db: Db, user: DiscordUserRef): Promise<Member> {
  const member = await findMember(db, user.id);
  if (!member) {
    throw new UserError(
      `${user.displayName} is not linked to any media account, so Streamwarden knows nothing about them yet. Link them first with \`/user link\`.`,
    );
  }
  return member;
}

function cleanNote(raw: string | null): string | null {
  const note = raw?.trim() ?? '';
  if (note === '') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (note.length > NOTE_MAX || /[\u0000-\u001f\u007f]/.test(note)) {
    throw new UserError(`\`note\` must be one line of at most ${NOTE_MAX} characters.`);
  }
  return note;
}

export async function exemptDevice(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  rawDevice: string,
  rawNote: string | null,
): Promise<{ device: SeenDevice; note: string | null; updated: boolean }> {
  const member = await requireKnownMember(ctx.db, user);
  const note = cleanNote(rawNote);
  const value = rawDevice.trim();
  const seen = await seenDevices(ctx.db, member.id);
  const device = value === '' ? undefined : pickDevice(seen, value);
  if (!device) {
    const byName = seen.find((d) => d.name.toLowerCase() === value.toLowerCase());
    throw new UserError(
      seen.length === 0
        ? `No device has been seen streaming for ${user.displayName} yet. Once they have played something on a linked server, their devices appear in the \`device\` list.`
        : byName
          ? `${quoted(value)} is a device name, and names can be changed by anyone: pick the device from the \`device\` list so it is matched by its identifier.`
          : `No device ${quoted(value)} has been seen for ${user.displayName}. Pick one from the \`device\` list (their devices seen on any server).`,
    );
  }
  const [existing] = await ctx.db
    .select()
    .from(deviceExemptions)
    .where(and(eq(deviceExemptions.memberId, member.id), eq(deviceExemptions.deviceId, device.deviceId)));
  if (existing && (rawNote === null || existing.note === note)) {
    throw new UserError(
      `${quoted(existing.deviceName)} is already exempt for ${user.displayName}. Nothing changed (give a different \`note\` to change its note).`,
    );
  }
  await ctx.db.transaction(async (tx) => {
    if (existing) {
      await tx
        .update(deviceExemptions)
        .set({ note, deviceName: device.name, ipAddress: device.ipAddress })
        .where(eq(deviceExemptions.id, existing.id));
    } else {
      await tx
        .insert(deviceExemptions)
        .values({
          memberId: member.id,
          deviceId: device.deviceId,
          deviceName: device.name,
          ipAddress: device.ipAddress,
          note,
          addedBy: actor,
        })
        .onConflictDoNothing();
    }
    await recordAudit(tx, {
      actor,
      action: 'user.exempt',
      target: `member:${user.id}`,
      before: existing
        ? { deviceId: existing.deviceId, device: existing.deviceName, note: existing.note }
        : null,
      after: { deviceId: device.deviceId, device: device.name, note },
    });
  });
  return { device, note, updated: Boolean(existing) };
}

export async function unexemptDevice(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  rawDevice: string,
): Promise<DeviceExemption> {
  const member = await requireKnownMember(ctx.db, user);
  const list = await exemptionsOf(ctx.db, member.id);
  const exemption = pickDevice(list, rawDevice.trim());
  if (!exemption) {
    throw new UserError(
      list.length === 0
        ? `${user.displayName} has no exempt devices. Nothing changed.`
        : `${user.displayName} has no exemption for ${quoted(rawDevice)}. Pick one from the \`device\` list. Nothing changed.`,
    );
  }
  await ctx.db.transaction(async (tx) => {
    await tx.delete(deviceExemptions).where(eq(deviceExemptions.id, exemption.id));
    await recordAudit(tx, {
      actor,
      action: 'user.unexempt',
      target: `member:${user.id}`,
      before: { deviceId: exemption.deviceId, device: exemption.deviceName, note: exemption.note },
    });
  });
  return exemption;
}

export interface BoostRequest {
  streams: number | null;
  downloads: number | null;
  hours: number;
}

function checkRange(name: string, value: number | null, range: { min: number; max: number }): void {
  if (value === null) return;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new UserError(`\`${name}\` must be a whole number from ${range.min} to ${range.max}.`);
  }
}

/** Boosts that apply at `now` of one member (the current one is `activeBoost` of them). */
async function currentBoost(db: Db, memberId: number, now: Date): Promise<Boost | null> {
  return activeBoost(await loadCurrentBoosts(db, now, [memberId]), now);
}

export async function boostMember(
  ctx: AppContext,
  actor: string,
  user: DiscordUserRef,
  request: BoostRequest,
): Promise<{ boost: Boost; replaced: Boost | null; planName: string }> {
  checkRange('streams', request.streams, BOOST_LIMITS.streams);
  checkRange('downloads', request.downloads, BOOST_LIMITS.downloads);
  checkRange('hours', request.hours, BOOST_LIMITS.hours);
  if (request.streams === null && request.downloads === null) {
    throw new UserError('Nothing to boost: give `streams`, `downloads` or both.');
  }
  const member = await requireKnownMember(ctx.db, user);
  const [plan] = member.planId ? await ctx.db.select().from(plans).where(eq(plans.id, member.planId)) : [];
  if (!plan) {
    throw new UserError(
      `${user.displayName} is not on a plan, so there is nothing to boost. Put them on one with \`/user plan\` first.`,
    );
  }
  if (request.downloads !== null && !plan.downloadsAllowed) {
    throw new UserError(
      `${user.displayName}’s plan (${plan.name}) does not include downloads, so a downloads boost would change nothing. Boost \`streams\` only, or move them to a plan with downloads (\`/user plan\`).`,
    );
  }
  const now = ctx.clock();
  const endsAt = new Date(now.getTime() + request.hours * 3_600_000);
  const result = await ctx.db.transaction(async (tx) => {
    // The member's row lock serialises boosts of one member, so a new boost always ends the current one.
    await tx.select({ id: members.id }).from(members).where(eq(members.id, member.id)).for('update');
    const replaced = await currentBoost(tx, member.id, now);
    await tx
      .update(boosts)
      .set({ endedEarlyAt: now })
      .where(
        and(
          eq(boosts.memberId, member.id),
          gt(boosts.endsAt, now),
          or(isNull(boosts.endedEarlyAt), gt(boosts.endedEarlyAt, now)),
        ),
      );
    const [boost] = await tx
      .insert(boosts)
      .values({
        memberId: member.id,
        extraStreams: request.streams ?? 0,
        extraDownloads: request.downloads ?? 0,
        startsAt: now,
        endsAt,
        addedBy: actor,
      })
      .returning();
    if (!boost) throw new Error('insert returned nothing');
    await recordAudit(tx, {
      actor,
      action: 'user.boost',
      target: `member:${user.id}`,
      before: replaced ? boostSummary(replaced) : null,
      after: boostSummary(boost),
    });
    return { boost, replaced };
  });
  // More downloads may put the member back under their allotment: switch their downloads back on now.
  await ctx.reconcileDownloadSwitches();
  return { ...result, planName: plan.name };
}

export async function unboostMember(ctx: AppContext, actor: string, user: DiscordUserRef): Promise<Boost> {
  const member = await requireKnownMember(ctx.db, user);
  const now = ctx.clock();
  const ended = await ctx.db.transaction(async (tx) => {
    await tx.select({ id: members.id }).from(members).where(eq(members.id, member.id)).for('update');
    const boost = await currentBoost(tx, member.id, now);
    if (!boost) {
      throw new UserError(`${user.displayName} has no boost running now. Nothing changed.`);
    }
    await tx.update(boosts).set({ endedEarlyAt: now }).where(eq(boosts.id, boost.id));
    await recordAudit(tx, {
      actor,
      action: 'user.unboost',
      target: `member:${user.id}`,
      before: boostSummary(boost),
      after: { endedEarlyAt: now.toISOString() },
    });
    return boost;
  });
  await ctx.reconcileDownloadSwitches();
  return ended;
}

const boostSummary = (b: Boost) => ({
  streams: b.extraStreams,
  downloads: b.extraDownloads,
  startsAt: b.startsAt.toISOString(),
  endsAt: b.endsAt.toISOString(),
});

/** "+1 stream and +5 downloads" */
export function describeBoost(
  b: Pick<Boost, 'extraStreams' | 'extraDownloads'>,
  lang: Language = 'en',
): string {
  const t = translator(lang);
  const parts: string[] = [];
  if (b.extraStreams > 0) parts.push(t('standing.boost.streams', { count: b.extraStreams }));
  if (b.extraDownloads > 0) parts.push(t('standing.boost.downloads', { count: b.extraDownloads }));
  return list(lang, parts);
}

/** What /quota and /user info show: the boost that applies now and the exempt devices. */
export async function memberFairness(
  db: Db,
  memberId: number,
  now: Date,
): Promise<{ boost: Boost | null; exemptions: DeviceExemption[] }> {
  return { boost: await currentBoost(db, memberId, now), exemptions: await exemptionsOf(db, memberId) };
}
