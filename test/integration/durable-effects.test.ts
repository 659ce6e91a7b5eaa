// Every effect of a breach goes through the outbox: Discord failing for a while delays a DM but never loses it,
// a slow answer never posts a message twice (nonce + enforce_nonce), and effects left by a crash are carried out
// once after the restart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { desc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { applyMemberDecision } from '../../src/act/episodes.ts';
import { openDatabase } from '../../src/db/client.ts';
import { breachEpisodes, members, outbox } from '../../src/db/schema.ts';
import { decideMember } from '../../src/decide/streams.ts';
import type { MemberStream } from '../../src/policy/streams.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import type { PlexSessionSpec } from '../doubles/plex.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '220000000000000001', username: 'owner' };
const ALICE = { id: '220000000000000002', username: 'alice' };
const ALERTS = { id: '320000000000000002', name: 'alerts' };
const alice = { id: 7001, title: 'alice_plex' };

const session = (n: number): PlexSessionSpec => ({
  user: alice,
  player: {
    state: 'playing',
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n}`,
    machineIdentifier: `dev-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(100 + n),
});

describe('durable effects', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let bot: TestBot;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const alerts = () => discord.messagesIn(ALERTS.id);
  const db = () => bot.bot.ctx.db;
  /** Alice back within her cap, her episode resolved, the records cleared: the next test starts fresh. */
  const reset = async () => {
    plex.setSessions([]);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.runCycleNow();
    const open = await db().select().from(breachEpisodes).where(eq(breachEpisodes.state, 'open'));
    assert.equal(open.length, 0);
    plex.terminations.length = 0;
    discord.clearRecords();
  };

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    plex = await startPlexDouble({ token: 'plex-token-durable-1', premium: true, friendlyName: 'Plex' });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    // A short REST timeout so that the slow-answer test does not wait 10 s; one retry, as in every test.
    bot = await startTestBot({ discord, rest: { timeout: 1_500 } });
    await admin('server', 'add', {
      platform: 'plex',
      name: 'Plex',
      url: plex.url,
      token: 'plex-token-durable-1',
    });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'Plex', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('Discord answering 503 delays the DM, which is retried with back-off and delivered once', async () => {
    // discord.js retries once by itself (retries: 1): three failures outlast that, so the outbox must retry.
    discord.failNextMessages(3, 503);
    plex.setSessions([session(1), session(2)]);
    await bot.bot.ctx.runCycleNow();
    assert.equal(plex.terminations.length, 2, 'the stops do not wait for Discord');
    assert.equal(discord.dmsTo(ALICE.id).length, 0, 'the DM has not gone through yet');
    // The alert went out (the third failure hit its first try; the next try passed) and says the DM is retrying.
    assert.equal(alerts().length, 1);
    assert.match(text(alerts()[0]!), /retrying/i);

    const [dm] = await db().select().from(outbox).where(eq(outbox.kind, 'episode-notice'));
    assert.ok(dm);
    // Not due yet: the back-off is measured on the bot's clock.
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    bot.clock.advance(60_000);
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'delivered once after the back-off');
    assert.equal(alerts().length, 1, 'no second alert');
    assert.match(text(alerts()[0]!), /Delivered\./, 'the alert was edited to say the DM went through');
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    await reset();
  });

  test('a DM whose answer comes after the client timed out is not posted twice (nonce + enforce_nonce)', async () => {
    // Discord creates the message at once but answers after 3 s; discord.js (timeout 1.5 s) aborts and retries.
    discord.slowNextMessage(3_000);
    plex.setSessions([session(3), session(4)]);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    const posts = discord.requests.filter(
      (r) => r.method === 'POST' && /\/channels\/\d+\/messages$/.test(r.path),
    );
    assert.ok(posts.length >= 3, `the DM was sent more than once (${posts.length} message posts in all)`);
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'but Discord holds one DM');
    assert.equal(alerts().length, 1);
    await reset();
  });

  test("a DM whose answer was lost is not posted again by a retry after Discord's nonce window", async () => {
    // Both of discord.js's tries time out; the first one created the DM, the second got it back by its nonce.
    discord.slowNextMessage(3_000);
    discord.slowNextMessage(3_000);
    plex.setSessions([session(11), session(12)]);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'the first try created the DM');
    const dmRow = async () => {
      // This test's DM: the latest one.
      const rows = await db()
        .select()
        .from(outbox)
        .where(eq(outbox.kind, 'episode-notice'))
        .orderBy(outbox.id);
      return rows.filter((r) => (r.payload as { channel: string }).channel === 'dm').at(-1);
    };
    assert.equal((await dmRow())?.state, 'pending', 'the outbox did not hear back: it will retry');
    // Minutes pass before the retry: Discord no longer knows the nonce.
    discord.expireNonces();
    bot.clock.advance(3 * 60_000);
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'the retry found the DM instead of posting it again');
    const [posted] = discord.dmsTo(ALICE.id);
    const row = await dmRow();
    assert.equal(row?.state, 'done');
    assert.equal(
      (row?.result as { messageId?: string } | null)?.messageId,
      posted?.id,
      'the DM found is recorded',
    );
    assert.ok(
      discord.requests.some((r) => r.method === 'GET' && /\/channels\/\d+\/messages$/.test(r.path)),
      "the channel's recent messages were read",
    );
    await reset();
  });

  test('a DM that never reached Discord is posted once by a retry after the nonce window', async () => {
    discord.failNextMessages(2, 503);
    plex.setSessions([session(13), session(14)]);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 0);
    discord.expireNonces();
    bot.clock.advance(3 * 60_000);
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1, 'no earlier copy: posted now, once');
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    await reset();
  });

  test('a rate limit (429) is waited out: the DM and the alert arrive once', async () => {
    discord.failNextMessages(2, 429);
    plex.setSessions([session(7), session(8)]);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    assert.match(text(alerts()[0]!), /Delivered\./);
    const limited = discord.requests.filter((r) => r.method === 'POST' && /\/messages$/.test(r.path));
    assert.ok(limited.length >= 4, 'two refused posts and two that went through');
    await reset();
  });

  test('PostgreSQL dropping every connection in the middle of a cycle loses nothing and repeats no notice', {
    skip: process.env.DATABASE_URL ? false : 'PostgreSQL only (PGlite runs in-process)',
  }, async () => {
    const admin = postgres(bot.config.databaseUrl ?? '', { max: 1, onnotice: () => {} });
    try {
      plex.setSessions([session(9), session(10)]);
      const cycle = bot.bot.ctx.runCycleNow().catch(() => null);
      const deadline = Date.now() + 10_000;
      while (plex.terminations.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      // What a server restart does to clients: every connection of the bot is closed under it.
      await admin`select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()`;
      await cycle;
      // Claims held by the interrupted run expire; the next cycles finish the work.
      bot.clock.advance(5 * 60_000);
      await bot.bot.ctx.runCycleNow().catch(() => null);
      await bot.bot.ctx.runCycleNow();
      await bot.bot.ctx.effects.drain();
      // Depending on where the drop landed, the second stop ran, or the episode was resolved first (one stop
      // already brought Alice within her cap, so the second was no longer needed). Either way no session was
      // stopped twice, and she and the admins were told once.
      const stopped = plex.terminations.map((t) => t.sessionId);
      assert.ok(stopped.length >= 1);
      assert.equal(new Set(stopped).size, stopped.length, 'no session stopped twice');
      const [episode] = await db().select().from(breachEpisodes).orderBy(desc(breachEpisodes.id)).limit(1);
      assert.ok(episode?.notifiedAt, 'the episode was notified');
      assert.equal(discord.dmsTo(ALICE.id).length, 1, 'one DM');
      assert.equal(alerts().length, 1, 'one alert');
    } finally {
      await admin.end();
    }
    await reset();
  });

  test('effects left by a crash are carried out once after the restart', async () => {
    plex.setSessions([session(5), session(6)]);
    const streams = await bot.bot.ctx.media
      .forRow((await bot.bot.ctx.db.query.mediaServers.findFirst())!)
      .listStreams();
    const [member] = await db().select().from(members).where(eq(members.discordUserId, ALICE.id));
    assert.ok(member);
    await bot.bot.stop();
    // What a cycle commits before carrying anything out: the episode and its stop effects, in one transaction.
    // The process "dies" right after the commit: nothing was carried out.
    const database = await openDatabase({ databaseUrl: bot.config.databaseUrl, dataDir: bot.config.dataDir });
    const memberStreams: MemberStream[] = streams.map((stream) => ({
      memberId: member.id,
      linkId: 0,
      serverId: 1,
      serverName: 'Plex',
      stream,
    }));
    await applyMemberDecision(
      database.db,
      member.id,
      (episode) =>
        decideMember({
          memberId: member.id,
          cap: 1,
          planName: 'Solo',
          streams: memberStreams,
          readComplete: true,
          episode: episode
            ? { id: episode.id, state: episode.state, stopAttempts: episode.stopAttempts }
            : null,
          servers: new Map([[1, { canStop: true, reason: null }]]),
          dryRun: false,
          firstSeen: new Map(),
        }),
      { title: 'Too many streams', text: 'Too many streams' },
      bot.clock.now(),
    );
    await database.close();
    assert.equal(plex.terminations.length, 0, 'nothing was carried out before the restart');

    // No cycle runs: the outbox runner alone resumes the stops and then the notices.
    await bot.restart();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (plex.terminations.length < 2 || alerts().length < 1))
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(plex.terminations.length, 2, 'both stops carried out after the restart');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(plex.terminations.length, 2, 'not repeated');
    assert.equal(discord.dmsTo(ALICE.id).length, 1);
    assert.equal(alerts().length, 1);
  });
});
