// Plans that end, through the real bot: `/user plan … until:` refused or stored, shown by /user info and /quota, the
// reminder DM three days before (once, across a restart), and on the day the fall-back to the plan the member's roles
// give, or none, with one DM and one audit entry each, never twice (a restart, another sync). The community's zone
// is Europe/Berlin, so the days start at 23:00 UTC in winter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, count, eq } from 'drizzle-orm';
import { auditLog, members, outbox, plans } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { refusalCheck, text } from '../helpers/discord.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const BOB = { id: '210000000000000003', username: 'bob' };
const CAROL = { id: '210000000000000004', username: 'carol' };

// The bot starts at 2026-11-18T20:00:00Z (21:00 in Berlin). The plans below end on 25 November, which starts at
// 2026-11-24T23:00:00Z; the reminder is due from 22 November, which starts at 2026-11-21T23:00:00Z.
const UNTIL = '2026-11-25';
const ENDS_AT = Date.parse('2026-11-24T23:00:00Z') / 1000;

describe('plans that end', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let supporter: { id: string };
  const db = () => bot.bot.ctx.db;
  const admin = (subcommand: string, options: Record<string, string | number | boolean> = {}) =>
    discord.invoke({ user: ADMIN.id, command: 'user', subcommand, options, admin: true });
  const syncAt = async (at: string) => {
    bot.clock.set(at);
    const schedule = bot.bot.schedule;
    assert.ok(schedule, 'the schedule is built (paused: only fire() runs it)');
    await schedule.fire('role-sync');
  };
  const memberRow = async (user: { id: string }) => {
    const [row] = await db()
      .select({ plan: plans.name, fromRoles: members.planFromRoles, until: members.planUntil })
      .from(members)
      .leftJoin(plans, eq(plans.id, members.planId))
      .where(eq(members.discordUserId, user.id));
    return row ?? null;
  };
  const dmText = (user: { id: string }) => discord.dmsTo(user.id).map(text);
  const planAudits = async (user: { id: string }) =>
    db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.plan'), eq(auditLog.target, `member:${user.id}`)))
      .orderBy(asc(auditLog.id));
  const snapshot = async () => ({
    members: await db().select().from(members).orderBy(asc(members.id)),
    audit: (await db().select({ n: count() }).from(auditLog))[0]?.n,
  });
  const refused = refusalCheck(snapshot);

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE, BOB, CAROL] });
    supporter = discord.createRole({ name: 'Supporter' });
    bot = await startTestBot({
      discord,
      schedule: 'paused',
      outboxIntervalMs: 0,
      config: { timezone: 'Europe/Berlin' },
    });
    for (const [name, streams] of [
      ['Gold', 4],
      ['Supporter', 2],
    ] as const) {
      const r = await discord.invoke({
        user: ADMIN.id,
        command: 'plan',
        subcommand: 'create',
        options: { name, 'stream-cap': streams, downloads: true, 'download-allotment': 10 },
        admin: true,
      });
      assert.match(text(r), /Plan created/);
    }
    discord.addRole(ALICE.id, supporter.id);
    const bound = await discord.invoke({
      user: ADMIN.id,
      command: 'plan',
      subcommand: 'role',
      options: { plan: 'Supporter', role: supporter.id },
      admin: true,
    });
    assert.match(text(bound), /get \*\*Supporter\*\*/);
    assert.deepEqual(await memberRow(ALICE), { plan: 'Supporter', fromRoles: true, until: null });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
  });

  test('a wrong end date is refused privately and changes nothing', async () => {
    const plan =
      (until: string, name = 'Gold') =>
      () =>
        admin('plan', { member: BOB.id, plan: name, until });
    await refused(plan('25-11-2026'), /`until` must be a date written year-month-day, like \d{4}-01-31/);
    await refused(plan('2026-11-31'), /year-month-day/);
    // Today in Berlin (21:00 on the 18th): the day has begun.
    await refused(plan('2026-11-18'), /must be after today \(2026-11-18 in Europe\/Berlin\)/);
    await refused(plan('2031-11-19'), /at most 5 years ahead \(2031-11-18 at the latest\)/);
    await refused(plan(UNTIL, 'Nope'), /no plan named “Nope”/);
    assert.equal(await memberRow(BOB), null);
  });

  test('an explicit plan with an end date, shown by /user info and /quota', async () => {
    const r = await admin('plan', { member: ALICE.id, plan: 'Gold', until: UNTIL });
    assert.match(text(r), /now on \*\*Gold\*\*/);
    assert.match(
      text(r),
      new RegExp(`ends <t:${ENDS_AT}:f> \\(<t:${ENDS_AT}:R>\\), when ${UNTIL} starts in Europe/Berlin`),
    );
    assert.deepEqual(await memberRow(ALICE), { plan: 'Gold', fromRoles: false, until: UNTIL });
    assert.match(
      text(await admin('plan', { member: BOB.id, plan: 'Gold', until: UNTIL })),
      /now on \*\*Gold\*\*/,
    );

    const [audit] = (await planAudits(ALICE)).slice(-1);
    assert.deepEqual(audit?.after, { planId: 1, plan: 'Gold', fromRoles: false, until: UNTIL });

    assert.match(
      text(await admin('info', { member: ALICE.id })),
      new RegExp(`\\*\\*Gold\\*\\*\\nEnds <t:${ENDS_AT}:f>`),
    );
    const quota = text(await discord.invoke({ user: BOB.id, command: 'quota' }));
    assert.match(quota, new RegExp(`\\*\\*Gold\\*\\*\\nEnds <t:${ENDS_AT}:f> \\(<t:${ENDS_AT}:R>\\)`));

    // The role sync leaves an explicit plan with an end date alone.
    await syncAt('2026-11-18T20:01:00Z');
    assert.deepEqual(await memberRow(ALICE), { plan: 'Gold', fromRoles: false, until: UNTIL });
    assert.deepEqual(dmText(ALICE), []);
  });

  test('a plan set again without until has no end; /user plan-from-roles clears the end too', async () => {
    assert.match(text(await admin('plan', { member: CAROL.id, plan: 'Gold', until: '2026-11-20' })), /ends/);
    const again = await admin('plan', { member: CAROL.id, plan: 'Gold' });
    assert.match(text(again), /no end date any more/);
    assert.deepEqual(await memberRow(CAROL), { plan: 'Gold', fromRoles: false, until: null });

    assert.match(text(await admin('plan', { member: CAROL.id, plan: 'Gold', until: '2026-11-20' })), /ends/);
    await admin('plan-from-roles', { member: CAROL.id });
    assert.deepEqual(await memberRow(CAROL), { plan: null, fromRoles: false, until: null });
  });

  test('one reminder three days before, not before, not twice, not again after a restart', async () => {
    await syncAt('2026-11-21T22:59:00Z');
    assert.deepEqual(dmText(ALICE), [], 'still 22:59 on the 21st in Berlin');

    await syncAt('2026-11-21T23:00:00Z');
    assert.equal(dmText(ALICE).length, 1);
    assert.match(
      dmText(ALICE)[0] ?? '',
      new RegExp(`Your plan ends soon[\\s\\S]*“Gold”.* ends <t:${ENDS_AT}:R>`),
    );
    assert.equal(dmText(BOB).length, 1);

    await syncAt('2026-11-22T12:00:00Z');
    await bot.restart();
    await syncAt('2026-11-23T12:00:00Z');
    assert.equal(dmText(ALICE).length, 1, 'one reminder for one end date');
    assert.equal(dmText(BOB).length, 1);
    assert.deepEqual(await memberRow(ALICE), { plan: 'Gold', fromRoles: false, until: UNTIL });
  });

  test('on the day: back to the plan the roles give, or none, told once and audited once', async () => {
    await syncAt('2026-11-24T22:59:00Z');
    assert.deepEqual(await memberRow(ALICE), { plan: 'Gold', fromRoles: false, until: UNTIL });

    await syncAt('2026-11-24T23:00:00Z');
    assert.deepEqual(await memberRow(ALICE), { plan: 'Supporter', fromRoles: true, until: null });
    assert.deepEqual(await memberRow(BOB), { plan: null, fromRoles: false, until: null });

    assert.equal(dmText(ALICE).length, 2);
    assert.match(
      dmText(ALICE)[1] ?? '',
      /Your plan “Gold” .*has ended\.[\s\S]*roles now put you on “Supporter”: stream cap 2/,
    );
    assert.equal(dmText(BOB).length, 2);
    assert.match(dmText(BOB)[1] ?? '', /has ended\.[\s\S]*None of your roles gives a plan/);

    const ends = (await planAudits(ALICE)).filter((a) => (a.after as { by?: string }).by === 'plan end');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]?.actorDiscordId, discord.botUser.id);
    assert.deepEqual(ends[0]?.before, { planId: 1, fromRoles: false, until: UNTIL });
    assert.deepEqual(ends[0]?.after, { planId: 2, fromRoles: true, roleIds: [supporter.id], by: 'plan end' });
    assert.equal(
      (await planAudits(BOB)).filter((a) => (a.after as { by?: string }).by === 'plan end').length,
      1,
    );

    // Nothing again: another sync, a restart, a later sync.
    const auditBefore = (await snapshot()).audit;
    await syncAt('2026-11-24T23:01:00Z');
    await bot.restart();
    await syncAt('2026-11-25T12:00:00Z');
    assert.equal(dmText(ALICE).length, 2);
    assert.equal(dmText(BOB).length, 2);
    assert.equal((await snapshot()).audit, auditBefore);
    assert.deepEqual(await memberRow(ALICE), { plan: 'Supporter', fromRoles: true, until: null });
    const notices = await db().select({ key: outbox.key }).from(outbox).orderBy(asc(outbox.key));
    assert.deepEqual(
      notices.map((n) => n.key).filter((k) => k.includes('plan-end')),
      [
        `notice:plan-ended:${ALICE.id}:${UNTIL}:dm`,
        `notice:plan-ended:${BOB.id}:${UNTIL}:dm`,
        `notice:plan-ending:${ALICE.id}:${UNTIL}:dm`,
        `notice:plan-ending:${BOB.id}:${UNTIL}:dm`,
      ],
    );
  });
});
