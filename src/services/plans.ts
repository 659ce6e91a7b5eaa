import { asc, count, eq, sql } from 'drizzle-orm';
import { recordAudit } from '../db/audit.ts';
import type { Db } from '../db/client.ts';
import {
  type CountBy,
  type HomeStreams,
  members,
  type OverQuotaAction,
  type PausedAction,
  type Plan,
  plans,
  rolePlans,
  type StopRule,
  settings,
  type TranscodeRule,
} from '../db/schema.ts';
import { quoted } from '../notify/format.ts';
import { UserError } from '../user-error.ts';

export const NAME_MAX = 40;
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.+-]*$/u;

export function validateName(kind: string, raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > NAME_MAX || !NAME_PATTERN.test(name)) {
    throw new UserError(
      `A ${kind} name must be 1–${NAME_MAX} characters: letters, digits, spaces, and _ . + - (starting with a letter or digit).`,
    );
  }
  return name;
}

export async function findPlan(db: Db, name: string): Promise<Plan | undefined> {
  const [plan] = await db
    .select()
    .from(plans)
    .where(eq(sql`lower(${plans.name})`, name.trim().toLowerCase()));
  return plan;
}

export async function requirePlan(db: Db, name: string): Promise<Plan> {
  const plan = await findPlan(db, name);
  if (!plan)
    throw new UserError(
      `There is no plan named ${quoted(name)}. See \`/plan list\` for the plans, or create it with \`/plan create\`.`,
    );
  return plan;
}

export interface PlanInput {
  streams: number;
  downloads: boolean;
  weeklyDownloads: number | null;
  /** Seconds a breach must last before anything is stopped (0–900, default 0). */
  grace?: number;
  stop?: StopRule;
  count?: CountBy;
  /** Minutes a stream may stay paused (0–1440, 0: no limit, the default). */
  pausedLimit?: number;
  /** What happens past the paused limit (default `stop`). */
  pausedAction?: PausedAction;
  /** Whether streams from the server's home networks count (`count`, the default) or not (`free`). */
  homeStreams?: HomeStreams;
  /** Places (networks) a day before the admins are alerted (0–20, 0: no alert, the default). */
  households?: number;
  /** Converted video: `allow` (the default), `no-4k`, `none`. */
  transcodes?: TranscodeRule;
  /** Converted video streams at once across servers, 1–100; 0 or null: no cap (the default). */
  transcodeCap?: number | null;
  /** What happens to a member over the download allotment; null: as `/enforcement switch-off-downloads` says
   *  (the default). */
  overQuota?: OverQuotaAction | null;
}

const OVER_QUOTA: ReadonlySet<string> = new Set(['warn', 'switch-off', 'cancel']);

function checkNumbers(input: Partial<PlanInput>): void {
  if (
    input.streams !== undefined &&
    (!Number.isInteger(input.streams) || input.streams < 1 || input.streams > 100)
  ) {
    throw new UserError('`stream-cap` must be a whole number from 1 to 100.');
  }
  if (
    input.weeklyDownloads !== undefined &&
    input.weeklyDownloads !== null &&
    (!Number.isInteger(input.weeklyDownloads) || input.weeklyDownloads < 0 || input.weeklyDownloads > 10_000)
  ) {
    throw new UserError('`download-allotment` must be a whole number from 0 to 10000.');
  }
  if (input.grace !== undefined && (!Number.isInteger(input.grace) || input.grace < 0 || input.grace > 900)) {
    throw new UserError('`grace` must be a whole number of seconds from 0 to 900 (15 minutes).');
  }
  if (input.stop !== undefined && input.stop !== 'all' && input.stop !== 'newest') {
    throw new UserError('`stop` must be `all` or `newest`.');
  }
  if (input.count !== undefined && input.count !== 'streams' && input.count !== 'locations') {
    throw new UserError('`count` must be `streams` or `locations`.');
  }
  if (
    input.pausedLimit !== undefined &&
    (!Number.isInteger(input.pausedLimit) || input.pausedLimit < 0 || input.pausedLimit > 1440)
  ) {
    throw new UserError(
      '`paused-limit` must be a whole number of minutes from 0 (no limit) to 1440 (a day).',
    );
  }
  if (input.pausedAction !== undefined && input.pausedAction !== 'stop' && input.pausedAction !== 'uncount') {
    throw new UserError('`paused-action` must be `stop` or `uncount`.');
  }
  if (input.homeStreams !== undefined && input.homeStreams !== 'count' && input.homeStreams !== 'free') {
    throw new UserError('`home-streams` must be `count` or `free`.');
  }
  if (
    input.households !== undefined &&
    (!Number.isInteger(input.households) || input.households < 0 || input.households > 20)
  ) {
    throw new UserError('`households` must be a whole number from 0 (no alert) to 20.');
  }
  if (input.transcodes !== undefined && !['allow', 'no-4k', 'none'].includes(input.transcodes)) {
    throw new UserError('`transcodes` must be `allow`, `no-4k` or `none`.');
  }
  if (
    input.transcodeCap !== undefined &&
    input.transcodeCap !== null &&
    (!Number.isInteger(input.transcodeCap) || input.transcodeCap < 0 || input.transcodeCap > 100)
  ) {
    throw new UserError('`transcode-cap` must be a whole number from 0 (no cap) to 100.');
  }
  if (input.overQuota !== undefined && input.overQuota !== null && !OVER_QUOTA.has(input.overQuota)) {
    throw new UserError('`downloads-over-quota` must be `default`, `warn`, `switch-off` or `cancel`.');
  }
}

/** A transcode cap as stored: 0 means no cap. */
const capOf = (cap: number | null | undefined) => (cap ? cap : null);

export async function createPlan(db: Db, actor: string, rawName: string, input: PlanInput): Promise<Plan> {
  const name = validateName('plan', rawName);
  checkNumbers(input);
  if (!input.downloads && input.weeklyDownloads !== null && input.weeklyDownloads > 0) {
    throw new UserError(
      'A plan without downloads cannot have a download allotment: set `downloads` to true, or leave `download-allotment` out.',
    );
  }
  if (await findPlan(db, name))
    throw new UserError(`A plan named “${name}” already exists. Use \`/plan edit\` to change it.`);
  return db.transaction(async (tx) => {
    const [plan] = await tx
      .insert(plans)
      .values({
        name,
        streamCap: input.streams,
        downloadsAllowed: input.downloads,
        weeklyDownloads: input.weeklyDownloads,
        graceSeconds: input.grace ?? 0,
        stopRule: input.stop ?? 'all',
        countBy: input.count ?? 'streams',
        pausedLimitMinutes: input.pausedLimit ?? 0,
        pausedAction: input.pausedAction ?? 'stop',
        homeStreams: input.homeStreams ?? 'count',
        households: input.households ?? 0,
        transcodes: input.transcodes ?? 'allow',
        transcodeCap: capOf(input.transcodeCap),
        downloadsOverQuota: input.overQuota ?? null,
      })
      .returning();
    if (!plan) throw new Error('insert returned nothing');
    await recordAudit(tx, { actor, action: 'plan.create', target: `plan:${name}`, after: plan });
    return plan;
  });
}

/** The options /plan edit can change, named as the command names them. */
const EDITABLE = [
  'rename',
  'stream-cap',
  'downloads',
  'download-allotment',
  'grace',
  'stop',
  'count',
  'paused-limit',
  'paused-action',
  'home-streams',
  'households',
  'transcodes',
  'transcode-cap',
  'downloads-over-quota',
];

export async function editPlan(
  db: Db,
  actor: string,
  rawName: string,
  changes: Partial<PlanInput> & { newName?: string },
): Promise<{ before: Plan; after: Plan }> {
  const before = await requirePlan(db, rawName);
  checkNumbers(changes);
  const newName = changes.newName === undefined ? undefined : validateName('plan', changes.newName);
  if (newName && newName.toLowerCase() !== before.name.toLowerCase() && (await findPlan(db, newName))) {
    throw new UserError(`A plan named “${newName}” already exists.`);
  }
  const downloads = changes.downloads ?? before.downloadsAllowed;
  const weekly = changes.weeklyDownloads !== undefined ? changes.weeklyDownloads : before.weeklyDownloads;
  if (!downloads && weekly !== null && weekly > 0 && changes.weeklyDownloads !== undefined) {
    throw new UserError(
      'A plan without downloads cannot have a download allotment: set `downloads` to true as well.',
    );
  }
  const { newName: _name, ...ruleChanges } = changes;
  if (newName === undefined && Object.values(ruleChanges).every((v) => v === undefined)) {
    throw new UserError(
      `Nothing to change: give at least one of ${EDITABLE.map((o) => `\`${o}\``).join(', ')}.`,
    );
  }
  return db.transaction(async (tx) => {
    const [after] = await tx
      .update(plans)
      .set({
        name: newName ?? before.name,
        streamCap: changes.streams ?? before.streamCap,
        downloadsAllowed: downloads,
        weeklyDownloads: weekly,
        graceSeconds: changes.grace ?? before.graceSeconds,
        stopRule: changes.stop ?? before.stopRule,
        countBy: changes.count ?? before.countBy,
        pausedLimitMinutes: changes.pausedLimit ?? before.pausedLimitMinutes,
        pausedAction: changes.pausedAction ?? before.pausedAction,
        homeStreams: changes.homeStreams ?? before.homeStreams,
        households: changes.households ?? before.households,
        transcodes: changes.transcodes ?? before.transcodes,
        transcodeCap: changes.transcodeCap === undefined ? before.transcodeCap : capOf(changes.transcodeCap),
        downloadsOverQuota: changes.overQuota !== undefined ? changes.overQuota : before.downloadsOverQuota,
      })
      .where(eq(plans.id, before.id))
      .returning();
    if (!after) throw new Error('update returned nothing');
    await recordAudit(tx, { actor, action: 'plan.edit', target: `plan:${after.name}`, before, after });
    return { before, after };
  });
}

export async function deletePlan(db: Db, actor: string, rawName: string): Promise<Plan> {
  const plan = await requirePlan(db, rawName);
  const [row] = await db.select({ n: count() }).from(members).where(eq(members.planId, plan.id));
  const n = row?.n ?? 0;
  if (n > 0) {
    throw new UserError(
      `${n} member${n === 1 ? ' is' : 's are'} on “${plan.name}”. Move them to another plan with \`/user plan\` first.`,
    );
  }
  const [held] = await db
    .select({ id: settings.id })
    .from(settings)
    .where(eq(settings.unlinkedPlanId, plan.id));
  if (held) {
    throw new UserError(
      `Accounts linked to nobody are held to “${plan.name}”. Pick another plan or mode with \`/enforcement unlinked\` first.`,
    );
  }
  const [bound] = await db.select({ n: count() }).from(rolePlans).where(eq(rolePlans.planId, plan.id));
  const roles = bound?.n ?? 0;
  if (roles > 0) {
    throw new UserError(
      `${roles} role${roles === 1 ? ' gives' : 's give'} “${plan.name}”. Unbind ${roles === 1 ? 'it' : 'them'} with \`/plan unrole\` first (see \`/plan list\`).`,
    );
  }
  await db.transaction(async (tx) => {
    await tx.delete(plans).where(eq(plans.id, plan.id));
    await recordAudit(tx, { actor, action: 'plan.delete', target: `plan:${plan.name}`, before: plan });
  });
  return plan;
}

export async function listPlans(db: Db): Promise<Array<Plan & { memberCount: number }>> {
  const rows = await db
    .select({ plan: plans, memberCount: count(members.id) })
    .from(plans)
    .leftJoin(members, eq(members.planId, plans.id))
    .groupBy(plans.id)
    .orderBy(asc(plans.streamCap), asc(plans.name));
  return rows.map((r) => ({ ...r.plan, memberCount: Number(r.memberCount) }));
}

export async function planNames(db: Db): Promise<string[]> {
  return (await db.select({ name: plans.name }).from(plans).orderBy(asc(plans.name))).map((r) => r.name);
}
