// Role sync: every minute (and right after /plan role, /plan unrole, /user plan-from-roles), lists the guild's members
// over REST and gives each the plan their roles give (src/policy/role-plans.ts). Each change is stored with its audit
// entry and its DM in one transaction: the DM is an outbox `notice` keyed like deliverOnce's
// (`notice:role-plan:<member>:<from>-<to>:<time>:dm`), so it is sent once, after a crash too. Cheap when unused: without
// bindings and without plans from roles it reads one table and makes no request; without bindings it needs no listing.
// Plans that end (src/engine/plan-ends.ts) run first in each sync, sharing its listing (one more read when unused).

import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { recordAudit } from '../db/audit.ts';
import { enqueueEffects } from '../db/outbox.ts';
import { members, plans } from '../db/schema.ts';
import { noticeLanguage } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { noticeKey } from '../notify/notice-queue.ts';
import type { NoticeMessage } from '../notify/notifier.ts';
import { type NoticePayload, toJsonMessage } from '../notify/payload.ts';
import { rolePlanDm } from '../notify/role-plan-notice.ts';
import { type MemberPlan, resolveMemberPlan } from '../policy/role-plans.ts';
import { roleBindings } from '../services/role-plans.ts';
import { getSettings } from '../services/settings.ts';
import type { MemberListing, RoleSyncChange, RoleSyncReport, RoleSyncStatus } from '../types/running.ts';
import { runPlanEnds } from './plan-ends.ts';
import { SingleFlight } from './single-flight.ts';

/** What an admin must do when Discord refuses to list the members (shown by /plan role and /status). */
export const MEMBERS_INTENT_HELP =
  'Discord refuses to list this server’s members, so roles can’t give plans yet. In the developer portal ' +
  '(https://discord.com/developers/applications), open the bot’s application → **Bot** → **Privileged Gateway ' +
  'Intents**, turn on **Server Members Intent** and save. Nothing else is needed: the bindings are kept, and the ' +
  'next role sync (every minute) applies them.';

/** The actor of role-sync audit entries when the bot's own id is not known. */
export const ROLE_SYNC_ACTOR = 'role-sync';

export interface RoleSyncDeps {
  listMembers: () => Promise<MemberListing>;
  /** The bot's Discord user id, the actor of the audit entries (null before login). */
  botUserId: () => string | null;
  guildName: () => string | null;
  log: Logger;
}

interface Row extends MemberPlan {
  id: number;
  discordUserId: string;
  locale: string | null;
}

export class RoleSync {
  private readonly flight = new SingleFlight<RoleSyncReport>();
  private current: RoleSyncStatus = { access: 'unknown', lastRunAt: null, bindings: 0 };

  constructor(private readonly deps: RoleSyncDeps) {}

  status(): RoleSyncStatus {
    return { ...this.current };
  }

  /** Runs a sync; one asked for while another runs waits for it and runs anew (it may have read older bindings). */
  async run(ctx: AppContext): Promise<RoleSyncReport> {
    await this.flight.idle();
    return this.flight.run(() => this.sync(ctx));
  }

  private async sync(ctx: AppContext): Promise<RoleSyncReport> {
    const bindings = await roleBindings(ctx.db);
    // Asked of Discord at most once a run: by the plans that end (to know their roles), then by the sync itself.
    let listed: Promise<MemberListing> | null = null;
    const listMembers = () => {
      listed ??= this.deps.listMembers();
      return listed;
    };
    // Plans whose end date has come fall back first, so the sync below sees them as plans from roles.
    await runPlanEnds(ctx, bindings, {
      listMembers,
      actor: this.deps.botUserId() ?? ROLE_SYNC_ACTOR,
      guildName: this.deps.guildName(),
      log: this.deps.log,
    }).catch((err) => this.deps.log.error({ err }, 'plan ends failed'));
    this.current.bindings = bindings.length;
    if (bindings.length === 0) {
      const [any] = await ctx.db
        .select({ id: members.id })
        .from(members)
        .where(eq(members.planFromRoles, true))
        .limit(1);
      if (!any) {
        this.current.lastRunAt = ctx.clock();
        return { outcome: 'unused', changes: [] };
      }
    }
    // Every member's plan as stored (four columns a row, one statement); explicit plans are left alone by the policy.
    const stored: Row[] = await ctx.db
      .select({
        id: members.id,
        discordUserId: members.discordUserId,
        planId: members.planId,
        fromRoles: members.planFromRoles,
        locale: members.locale,
      })
      .from(members)
      .where(isNull(members.standInServerId));
    const candidates = stored.filter((c) => c.planId === null || c.fromRoles);
    // Without bindings nobody's roles give a plan: no need to ask Discord who holds what.
    let present: Array<{ id: string; displayName: string; roleIds: string[] }> = [];
    if (bindings.length > 0) {
      const listing = await listMembers();
      if (!listing.ok) return this.unavailable(ctx, listing);
      if (this.current.access !== 'ok') this.deps.log.info('role sync: the guild’s members can be listed');
      this.current.access = 'ok';
      present = listing.members.filter((m) => !m.bot);
    }
    const byUser = new Map(stored.map((c) => [c.discordUserId, c]));
    const now = ctx.clock();
    const changes: Array<RoleSyncChange & { displayName: string; row: Row | null; roleIds: string[] }> = [];
    const seen = new Set<string>();
    for (const m of present) {
      seen.add(m.id);
      const row = byUser.get(m.id) ?? null;
      const next = resolveMemberPlan(row, m.roleIds, bindings);
      if (next)
        changes.push({
          discordUserId: m.id,
          displayName: m.displayName,
          row,
          from: row?.planId ?? null,
          to: next.planId,
          roleIds: next.roleIds,
        });
    }
    // Members who left the guild (or every binding is gone) hold no role any more.
    for (const row of candidates) {
      if (seen.has(row.discordUserId)) continue;
      const next = resolveMemberPlan(row, [], bindings);
      if (next)
        changes.push({
          discordUserId: row.discordUserId,
          displayName: row.discordUserId,
          row,
          from: row.planId,
          to: next.planId,
          roleIds: [],
        });
    }
    const applied: RoleSyncChange[] = [];
    const actor = this.deps.botUserId() ?? ROLE_SYNC_ACTOR;
    // Plans no longer bound (a member's previous plan after an unbinding) are named in the DMs too.
    const allPlans = new Map(
      changes.length > 0 ? (await ctx.db.select().from(plans)).map((p) => [p.id, p] as const) : [],
    );
    const named = (id: number | null) => (id === null ? null : (allPlans.get(id) ?? null));
    // Each DM in the member's language (the community's for one who never ran a command).
    const { guildLocale } = changes.length > 0 ? await getSettings(ctx.db) : { guildLocale: null };
    for (const change of changes) {
      const dm = () =>
        rolePlanDm(
          { guildName: this.deps.guildName(), plan: named(change.to), previous: named(change.from) },
          noticeLanguage(change.row?.locale ?? null, guildLocale),
        );
      if (await this.apply(ctx, actor, change, dm, now))
        applied.push({ discordUserId: change.discordUserId, from: change.from, to: change.to });
    }
    this.current.lastRunAt = now;
    if (applied.length === 0) return { outcome: 'ok', changes: [] };
    await ctx
      .reconcileDownloadSwitches()
      .catch((err) => this.deps.log.error({ err }, 'role sync: switch reconcile failed'));
    // Send the DMs now (a DM that can't be delivered is recorded as such; a retryable failure is retried).
    await ctx.effects
      .drain()
      .catch((err) => this.deps.log.warn({ err }, 'role sync: sending the DMs failed'));
    return { outcome: 'ok', changes: applied };
  }

  private unavailable(ctx: AppContext, listing: Extract<MemberListing, { ok: false }>): RoleSyncReport {
    const access = listing.missingAccess ? 'missing' : this.current.access;
    if (listing.missingAccess && this.current.access !== 'missing') {
      this.deps.log.warn(
        { reason: listing.reason },
        'role sync: Discord refuses to list the server’s members; turn on "Server Members Intent" (Bot → Privileged Gateway Intents) in the developer portal',
      );
    } else if (!listing.missingAccess) {
      this.deps.log.warn({ reason: listing.reason }, 'role sync: could not list the server’s members');
    }
    this.current.access = access;
    this.current.lastRunAt = ctx.clock();
    return {
      outcome: listing.missingAccess ? 'unavailable' : 'failed',
      changes: [],
      reason: listing.reason,
    };
  }

  /** Stores one change with its audit entry, unless the member changed since they were read (then the next sync). */
  private async apply(
    ctx: AppContext,
    actor: string,
    change: RoleSyncChange & { displayName: string; row: Row | null; roleIds: string[] },
    dm: () => NoticeMessage,
    now: Date,
  ): Promise<boolean> {
    const fromRoles = change.to !== null;
    return ctx.db.transaction(async (tx) => {
      let done: boolean;
      if (change.row) {
        const stillAsRead = and(
          eq(members.id, change.row.id),
          eq(members.planFromRoles, change.row.fromRoles),
          change.row.planId === null ? isNull(members.planId) : eq(members.planId, change.row.planId),
        );
        const updated = await tx
          .update(members)
          .set({ planId: change.to, planFromRoles: fromRoles })
          .where(stillAsRead)
          .returning({ id: members.id });
        done = updated.length > 0;
      } else {
        const inserted = await tx
          .insert(members)
          .values({
            discordUserId: change.discordUserId,
            displayName: change.displayName,
            planId: change.to,
            planFromRoles: fromRoles,
          })
          .onConflictDoNothing({ target: members.discordUserId })
          .returning({ id: members.id });
        done = inserted.length > 0;
      }
      if (done) {
        await recordAudit(tx, {
          actor,
          action: 'user.plan',
          target: `member:${change.discordUserId}`,
          before: { planId: change.from, fromRoles: change.row?.fromRoles ?? false },
          after: { planId: change.to, fromRoles, roleIds: change.roleIds, by: 'role sync' },
        });
        // The DM is stored with the change (the outbox sends it, after a crash too), once per change.
        const notice = {
          kind: 'role-plan',
          subject: `${change.discordUserId}:${change.from ?? 'none'}-${change.to ?? 'none'}:${now.toISOString()}`,
          channel: 'dm',
        };
        const payload: NoticePayload = {
          channel: 'dm',
          to: change.discordUserId,
          message: toJsonMessage(dm()),
        };
        await enqueueEffects(
          tx,
          [{ key: noticeKey(notice), kind: 'notice', group: `role-plan:${change.discordUserId}`, payload }],
          now,
        );
      }
      return done;
    });
  }
}
