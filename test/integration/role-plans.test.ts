// Plans from Discord roles through the real bot: /plan role and /plan unrole, the role sync (fired through croner),
// an explicit /user plan winning over roles, role loss, DMs, refusals and the missing Server Members Intent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, asc, count, eq } from 'drizzle-orm';
import { auditLog, members, plans, rolePlans } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { refusalCheck, text } from '../helpers/discord.ts';

const ADMIN = { id: '200000000000000001', username: 'owner' };
const ALICE = { id: '200000000000000002', username: 'alice' };
const BOB = { id: '200000000000000003', username: 'bob' };
const CAROL = { id: '200000000000000004', username: 'carol' };
// More members than one page of GET /guilds/{id}/members (1000), all with lower ids: the members above are on page 2.
const CROWD = Array.from({ length: 1001 }, (_, i) => ({
  id: (100000000000000000n + BigInt(i)).toString(),
  username: `member${i}`,
}));

describe('plans from Discord roles', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let family: { id: string };
  let supporter: { id: string };
  let patron: { id: string };
  const db = () => bot.bot.ctx.db;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const fireSync = async () => {
    const schedule = bot.bot.schedule;
    assert.ok(schedule, 'the schedule is built (paused: only fire() runs it)');
    bot.clock.advance(MINUTE);
    await schedule.fire('role-sync');
  };
  const planOf = async (user: { id: string }) => {
    const [row] = await db()
      .select({ plan: plans.name, fromRoles: members.planFromRoles })
      .from(members)
      .leftJoin(plans, eq(plans.id, members.planId))
      .where(eq(members.discordUserId, user.id));
    return row ?? null;
  };
  const snapshot = async () => ({
    bindings: await db().select().from(rolePlans).orderBy(asc(rolePlans.roleId)),
    members: await db().select().from(members).orderBy(asc(members.id)),
    plans: await db().select().from(plans).orderBy(asc(plans.id)),
    audit: (await db().select({ n: count() }).from(auditLog))[0]?.n,
  });
  const refused = refusalCheck(snapshot);
  const dmText = (user: { id: string }) => discord.dmsTo(user.id).map(text);

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE, BOB, CAROL, ...CROWD] });
    family = discord.createRole({ name: 'Family', color: 0x2ecc71 });
    supporter = discord.createRole({ name: 'Supporter', hoist: true });
    patron = discord.createRole({ name: 'Patron' });
    bot = await startTestBot({ discord, schedule: 'paused', outboxIntervalMs: 0 });
    for (const [name, streams, weekly] of [
      ['Family', 4, 10],
      ['Supporter', 2, 50],
      ['Basic', 1, 0],
    ] as const) {
      const r = await admin('plan', 'create', {
        name,
        'stream-cap': streams,
        downloads: true,
        'download-allotment': weekly,
      });
      assert.match(text(r), /Plan created/);
    }
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
  });

  test('a member with two bound roles gets the plan with the higher stream cap, and is told by DM', async () => {
    discord.addRole(ALICE.id, family.id);
    discord.addRole(ALICE.id, supporter.id);
    discord.addRole(BOB.id, supporter.id);
    discord.clearRecords();

    const first = await admin('plan', 'role', { plan: 'Supporter', role: supporter.id });
    assert.match(text(first), /Members with <@&\d+> get \*\*Supporter\*\*/);
    assert.match(text(first), /2 members’ plans changed/);
    assert.deepEqual(
      await planOf(ALICE),
      { plan: 'Supporter', fromRoles: true },
      'a members row was created',
    );
    assert.deepEqual(await planOf(BOB), { plan: 'Supporter', fromRoles: true });
    assert.equal(await planOf(CAROL), null, 'no bound role: no row');

    // Every member was listed: two pages of 1000, the second after the highest id of the first.
    const lists = discord.requests.filter(
      (r) => r.method === 'GET' && r.path === `/guilds/${discord.guildId}/members`,
    );
    assert.deepEqual(
      lists.map((r) => [r.query.get('limit'), r.query.get('after')]),
      [
        ['1000', '0'],
        ['1000', CROWD[999]?.id],
      ],
    );

    const second = await admin('plan', 'role', { plan: 'Family', role: family.id });
    assert.match(text(second), /1 member’s plan changed/);
    assert.deepEqual(await planOf(ALICE), { plan: 'Family', fromRoles: true }, 'the higher cap wins');
    assert.deepEqual(await planOf(BOB), { plan: 'Supporter', fromRoles: true });

    const alice = dmText(ALICE);
    assert.equal(alice.length, 2);
    assert.match(
      alice[0] ?? '',
      /Your plan changed[\s\S]*“Supporter”: stream cap 2 \(streams at once\), download allotment 50 a week/,
    );
    assert.match(alice[1] ?? '', /“Family”: stream cap 4 [\s\S]*Before: “Supporter”/);
    assert.equal(dmText(BOB).length, 1);

    // A sync with nothing new changes nothing and tells nobody again.
    await fireSync();
    assert.equal(dmText(ALICE).length, 2);

    const list = await admin('plan', 'list');
    assert.match(text(list), new RegExp(`Roles: <@&${family.id}>`));
  });

  test('an explicit /user plan wins over roles, until /user plan-from-roles', async () => {
    const r = await admin('user', 'plan', { member: BOB.id, plan: 'Basic' });
    assert.match(text(r), /now on \*\*Basic\*\*/);
    await fireSync();
    assert.deepEqual(await planOf(BOB), { plan: 'Basic', fromRoles: false });

    const back = await admin('user', 'plan-from-roles', { member: BOB.id });
    assert.match(text(back), /plan now follows their roles: \*\*Supporter\*\*/);
    assert.deepEqual(await planOf(BOB), { plan: 'Supporter', fromRoles: true });
    const info = await admin('user', 'info', { member: BOB.id });
    assert.match(text(info), /\*\*Supporter\*\* \(from roles\)/);
    await refused(
      () => admin('user', 'plan-from-roles', { member: BOB.id }),
      /already comes from their roles/,
    );
  });

  test('losing a role moves the member to the next bound plan, then to none, within one sync each', async () => {
    discord.removeRole(ALICE.id, family.id);
    await fireSync();
    assert.deepEqual(await planOf(ALICE), { plan: 'Supporter', fromRoles: true });
    assert.match(dmText(ALICE)[2] ?? '', /“Supporter”[\s\S]*Before: “Family”/);

    discord.removeRole(ALICE.id, supporter.id);
    await fireSync();
    assert.deepEqual(await planOf(ALICE), { plan: null, fromRoles: false });
    assert.match(dmText(ALICE)[3] ?? '', /no longer on “Supporter”/);
    assert.equal(dmText(ALICE).length, 4);

    // Back and forth: the same plan again is a new change, told again.
    discord.addRole(ALICE.id, supporter.id);
    await fireSync();
    assert.deepEqual(await planOf(ALICE), { plan: 'Supporter', fromRoles: true });
    assert.equal(dmText(ALICE).length, 5);

    // Every change is audited, by the bot, as role sync.
    const rows = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.plan'), eq(auditLog.target, `member:${ALICE.id}`)))
      .orderBy(asc(auditLog.id));
    assert.equal(rows.length, 5);
    assert.ok(rows.every((a) => a.actorDiscordId === discord.botUser.id));
    assert.deepEqual(
      rows.map((a) => (a.after as { planId: number | null; by: string }).by),
      Array(5).fill('role sync'),
    );
  });

  test('refusals change nothing: unknown plan, @everyone, a bot’s role, a role already bound', async () => {
    const botRole = discord.createRole({ name: 'OtherBot', botId: '999000000000000001' });
    await refused(() => admin('plan', 'role', { plan: 'Nope', role: patron.id }), /no plan named “Nope”/);
    await refused(() => admin('plan', 'role', { plan: 'Basic', role: discord.guildId }), /@everyone/);
    await refused(() => admin('plan', 'role', { plan: 'Basic', role: botRole.id }), /bot’s own role/);
    await refused(
      () => admin('plan', 'role', { plan: 'Basic', role: family.id }),
      /already gives \*\*Family\*\*; a role gives one plan/,
    );
    await refused(
      () => admin('plan', 'role', { plan: 'Family', role: family.id }),
      /already gives \*\*Family\*\*/,
    );
    await refused(
      () => admin('plan', 'unrole', { plan: 'Basic', role: family.id }),
      /gives \*\*Family\*\*, not/,
    );
    await refused(() => admin('plan', 'unrole', { plan: 'Basic', role: patron.id }), /doesn’t give any plan/);
    await refused(() => admin('plan', 'delete', { name: 'Family' }), /role gives “Family”/);
    const audit = await db().select().from(auditLog).where(eq(auditLog.action, 'plan.role'));
    assert.deepEqual(audit.map((a) => (a.after as { role: string }).role).sort(), ['Family', 'Supporter']);
  });

  test('without the Server Members Intent: /plan role binds and warns, the sync logs and carries on', async () => {
    discord.setMembersIntent(false);
    discord.addRole(CAROL.id, patron.id);
    const r = await admin('plan', 'role', { plan: 'Basic', role: patron.id });
    assert.match(text(r), /Members with <@&\d+> get \*\*Basic\*\*/);
    assert.match(text(r), /Role sync unavailable[\s\S]*Server Members Intent/);
    assert.equal((await db().select().from(rolePlans).where(eq(rolePlans.roleId, patron.id))).length, 1);
    assert.equal(await planOf(CAROL), null, 'nothing applied without the member list');

    await fireSync();
    const status = await discord.invoke({ user: ADMIN.id, command: 'status', admin: true });
    assert.match(text(status), /Role sync unavailable: turn on \*\*Server Members Intent\*\*/);

    // The intent turned on in the portal: the next sync applies the binding, even to a member whose DMs are closed.
    discord.setMembersIntent(true);
    discord.closeDms(CAROL.id);
    await fireSync();
    assert.deepEqual(await planOf(CAROL), { plan: 'Basic', fromRoles: true });
    assert.equal(dmText(CAROL).length, 0, 'the DM could not be delivered');
    discord.openDms(CAROL.id);
    assert.match(
      text(await discord.invoke({ user: ADMIN.id, command: 'status', admin: true })),
      /3 roles bound/,
    );
  });

  test('unbinding a role takes its plan from the members who had it from that role', async () => {
    const r = await admin('plan', 'unrole', { plan: 'Basic', role: patron.id });
    assert.match(text(r), /no longer gives \*\*Basic\*\*[\s\S]*1 member’s plan changed/);
    assert.deepEqual(await planOf(CAROL), { plan: null, fromRoles: false });
    assert.match(dmText(CAROL).at(-1) ?? '', /no longer on “Basic”/);
    const audit = await db().select().from(auditLog).where(eq(auditLog.action, 'plan.unrole'));
    assert.equal(audit.length, 1);
  });
});
