import { and, eq, isNull } from 'drizzle-orm';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import { type Plan, plans, type Settings, settings } from '../db/schema.ts';
import type { UnlinkedMode } from '../policy/unlinked.ts';
import { UserError } from '../user-error.ts';
import { requirePlan } from './plans.ts';

export type Switch =
  | 'enforceStreams'
  | 'enforceDownloads'
  | 'disableDownloads'
  | 'dryRun'
  | 'selfLink'
  | 'hideAddresses'
  | 'impossibleTravel';

export const SWITCH_LABEL: Record<Switch, string> = {
  enforceStreams: 'Stream caps',
  enforceDownloads: 'Download allotments (DM and alert when over)',
  disableDownloads: 'Switching downloads off when over the allotment',
  dryRun: 'Dry run (notify, never stop or switch)',
  selfLink: 'Members link themselves (`/link`)',
  hideAddresses: 'Hide members’ IP addresses in alerts',
  impossibleTravel: 'Impossible-travel alerts (two places too far apart for the time between)',
};

export async function getSettings(db: Db): Promise<Settings> {
  const [row] = await db.select().from(settings).where(eq(settings.id, 1));
  if (!row) throw new Error('settings row missing (migrations not applied?)');
  return row;
}

/**
 * The install's Plex client identifier: the stored one, or `initial` stored now when there is none yet (the first
 * start; a conditional update, so two instances starting together keep the same one). Plex lists clients and
 * plex.tv authorized devices by it, so it never changes once stored.
 */
export async function plexClientIdentifier(db: Db, initial: string): Promise<string> {
  await db
    .update(settings)
    .set({ plexClientIdentifier: initial })
    .where(and(eq(settings.id, 1), isNull(settings.plexClientIdentifier)));
  return (await getSettings(db)).plexClientIdentifier ?? initial;
}

export async function setSwitch(db: Db, actor: string, which: Switch, enabled: boolean): Promise<Settings> {
  return db.transaction(async (tx) => {
    const before = await getSettings(tx);
    const [after] = await tx
      .update(settings)
      .set({ [which]: enabled, updatedAt: new Date() })
      .where(eq(settings.id, 1))
      .returning();
    if (!after) throw new Error('settings update returned nothing');
    await recordAudit(tx, {
      actor,
      action: `enforcement.${which}`,
      target: 'settings',
      before: before[which],
      after: enabled,
    });
    return after;
  });
}

export async function setAlertsChannel(db: Db, actor: string, channelId: string): Promise<void> {
  await setChannel(db, actor, 'alertsChannelId', 'enforcement.alerts-channel', channelId);
}

/** Where the weekly report is posted; null stops the automatic report. */
export async function setReportsChannel(db: Db, actor: string, channelId: string | null): Promise<void> {
  await setChannel(db, actor, 'reportsChannelId', 'enforcement.reports-channel', channelId);
}

async function setChannel(
  db: Db,
  actor: string,
  column: 'alertsChannelId' | 'reportsChannelId',
  action: string,
  channelId: string | null,
): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await getSettings(tx);
    await tx
      .update(settings)
      .set({ [column]: channelId, updatedAt: new Date() })
      .where(eq(settings.id, 1));
    await recordAudit(tx, { actor, action, target: 'settings', before: before[column], after: channelId });
  });
}

/**
 * What happens to accounts that stream and are linked to nobody (`/enforcement unlinked`). Mode `plan` needs the
 * name of an existing plan (returned); the other modes take none. A mistake changes nothing.
 */
export async function setUnlinkedMode(
  db: Db,
  actor: string,
  mode: UnlinkedMode,
  planName: string | null,
): Promise<Plan | null> {
  if (mode !== 'plan' && planName !== null)
    throw new UserError(`Leave \`plan\` out with mode \`${mode}\`: a plan applies only with mode \`plan\`.`);
  if (mode === 'plan' && (planName === null || planName.trim() === ''))
    throw new UserError(
      'Name the plan accounts linked to nobody are held to: `/enforcement unlinked mode:plan plan:<name>`.',
    );
  const plan = mode === 'plan' && planName !== null ? await requirePlan(db, planName) : null;
  await db.transaction(async (tx) => {
    const before = await getSettings(tx);
    await tx
      .update(settings)
      .set({ unlinkedMode: mode, unlinkedPlanId: plan?.id ?? null, updatedAt: new Date() })
      .where(eq(settings.id, 1));
    await recordAudit(tx, {
      actor,
      action: 'enforcement.unlinked',
      target: 'settings',
      before: { mode: before.unlinkedMode, planId: before.unlinkedPlanId },
      after: { mode, planId: plan?.id ?? null },
    });
  });
  return plan;
}

/** The plan accounts linked to nobody are held to (mode `plan`), or null. */
export async function unlinkedPlanName(db: Db, s: Settings): Promise<string | null> {
  if (s.unlinkedPlanId === null) return null;
  const [row] = await db.select({ name: plans.name }).from(plans).where(eq(plans.id, s.unlinkedPlanId));
  return row?.name ?? null;
}

/**
 * The Discord role whose members count as Streamwarden admins besides Manage Server (null: none). The @everyone
 * role is refused: it would make every member an admin.
 */
export async function setAdminRole(
  db: Db,
  actor: string,
  guildId: string,
  roleId: string | null,
): Promise<void> {
  if (roleId === guildId)
    throw new UserError(
      'Pick a role only your moderators have: @everyone would make every member a Streamwarden admin.',
    );
  await db.transaction(async (tx) => {
    const before = await getSettings(tx);
    await tx.update(settings).set({ adminRoleId: roleId, updatedAt: new Date() }).where(eq(settings.id, 1));
    await recordAudit(tx, {
      actor,
      action: 'enforcement.admin-role',
      target: 'settings',
      before: before.adminRoleId,
      after: roleId,
    });
  });
}
