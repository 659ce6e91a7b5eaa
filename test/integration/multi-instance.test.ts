// Two real bots on one PostgreSQL and one Discord double, with the default lease timings (TTL 10 s): one holds the
// gateway, the servers are split between them, and when one stops renewing (frozen: a hung or partitioned process,
// nothing released) the other takes the gateway and its servers within 15 s, after the stale one stopped acting.
// PGlite is one process: there is nothing to share, so the file is skipped without DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { SharedCluster } from '../../src/cluster/cluster.ts';
import { serverLease } from '../../src/cluster/plan.ts';
import { listServers } from '../../src/services/servers.ts';
import type { CycleReport } from '../../src/types/cycle.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { databaseKind } from '../helpers/db.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const JF_ALICE = 'a1ce0000000000000000000000000001';
const skip =
  databaseKind() === 'pglite'
    ? 'several instances need PostgreSQL (set DATABASE_URL); PGlite is single-process'
    : false;

async function until(what: string, check: () => boolean, limitMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs)
      throw new Error(`gave up waiting after ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

const shared = (bot: TestBot): SharedCluster => {
  const { cluster } = bot.bot;
  assert.ok(cluster instanceof SharedCluster, 'PostgreSQL runs the shared cluster');
  return cluster;
};

describe('several instances on one PostgreSQL', { skip }, () => {
  let discord: DiscordDouble;
  let plex: PlexDouble;
  let jellyfin: JellyfinDouble;
  let a: TestBot;
  let b: TestBot | undefined;
  let c: TestBot | undefined;
  const ids = { plex: 0, jellyfin: 0 };
  /** Reads of the sessions (what sensing a server means), with their arrival time. */
  const reads = (id: number) =>
    id === ids.plex
      ? plex.requests.filter((r) => r.path === '/status/sessions').map((r) => r.at)
      : jellyfin.requests.filter((r) => r.path === '/Sessions').map((r) => r.at);
  const readServers = (report: CycleReport) => report.servers.filter((s) => s.ok).map((s) => s.name);
  const callbacks = () => discord.requests.filter((r) => r.path.endsWith('/callback')).length;

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE] });
    plex = await startPlexDouble({ token: 'plex-token-aaaa1111' });
    jellyfin = await startJellyfinDouble({
      token: 'jf-key-cccc3333dddd',
      users: [{ id: JF_ALICE, name: 'alice' }],
    });
    a = await startTestBot({ discord });
    const admin = (subcommand: string, options: Record<string, string>) =>
      discord.invoke({ user: ADMIN.id, command: 'server', subcommand, options, admin: true });
    await admin('add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-cccc3333dddd',
    });
    for (const row of await listServers(a.bot.database.db))
      ids[row.platform === 'plex' ? 'plex' : 'jellyfin'] = row.id;
    await until(
      'the first instance senses both servers',
      () => a.bot.ctx.cluster.ownsServer(ids.plex) && a.bot.ctx.cluster.ownsServer(ids.jellyfin),
      15_000,
    );
    b = await startTestBot({ discord, sharedDatabase: a });
  });

  after(async () => {
    await c?.stop();
    await b?.stop();
    await a?.stop();
    await discord?.stop();
    await plex?.stop();
    await jellyfin?.stop();
  });

  test('only one instance logs in to the gateway and answers commands', async () => {
    assert.equal(a.bot.ctx.cluster.isGatewayHolder(), true);
    assert.equal(b?.bot.ctx.cluster.isGatewayHolder(), false);
    assert.equal(discord.gatewayIdentifies, 1, 'the standby never identified');
    assert.equal(discord.gatewaySessions, 1);
    const before = callbacks();
    const reply = await discord.invoke({ user: ADMIN.id, command: 'status', admin: true });
    assert.equal(callbacks() - before, 1, 'answered once');
    const instances = reply.embeds[0]?.fields?.find((f) => f.name === 'Instances')?.value ?? '';
    assert.match(instances, new RegExp(`${a.bot.ctx.cluster.instanceId}\` \\(this one\\): gateway`));
    assert.match(instances, new RegExp(`${b?.bot.ctx.cluster.instanceId}\`: standby`));
  });

  test('the servers are split: each is read by exactly one instance', async () => {
    const [ca, cb] = [a.bot.ctx.cluster, b!.bot.ctx.cluster];
    await until(
      'one server each',
      () =>
        [ids.plex, ids.jellyfin].every((id) => ca.ownsServer(id) !== cb.ownsServer(id)) &&
        cb.held().some((n) => n.startsWith('server:')),
      15_000,
    );
    const plexBefore = reads(ids.plex).length;
    const jellyBefore = reads(ids.jellyfin).length;
    const [ra, rb] = await Promise.all([a.bot.ctx.runCycleNow(), b!.bot.ctx.runCycleNow()]);
    const aServers = readServers(ra);
    const bServers = readServers(rb);
    assert.equal(aServers.length, 1, `a read ${aServers}`);
    assert.equal(bServers.length, 1, `b read ${bServers}`);
    assert.deepEqual([...aServers, ...bServers].sort(), ['Jelly', 'PlexMain']);
    // One cycle each, so each double saw exactly one read of its sessions.
    assert.equal(reads(ids.plex).length - plexBefore, 1);
    assert.equal(reads(ids.jellyfin).length - jellyBefore, 1);
    assert.deepEqual(
      ca.held().filter((n) => n.startsWith('server:')).length +
        cb.held().filter((n) => n.startsWith('server:')).length,
      2,
    );
  });

  test('a member over the cap across servers sensed by different instances is enforced, each stop by its holder', async () => {
    const plexHolder = a.bot.ctx.cluster.ownsServer(ids.plex) ? a : b!;
    const jellyHolder = plexHolder === a ? b! : a;
    const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
      discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
    plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
    await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
    jellyfin.setSessions([
      {
        user: { id: JF_ALICE, name: 'alice' },
        device: 'TV',
        client: 'Jellyfin Android TV',
        deviceId: 'jf-tv',
        ip: '192.0.2.10',
        item: { name: 'Arrival', type: 'Movie' },
      },
    ]);
    // The Jellyfin holder reads its server: one stream, within the cap.
    await jellyHolder.bot.ctx.runCycleNow();
    assert.equal(jellyfin.playstateCommands.length, 0);
    plex.setSessions([
      {
        user: { id: 7001, title: 'alice_plex' },
        player: {
          state: 'playing',
          device: 'Phone',
          product: 'Plex for Android',
          address: '203.0.113.9',
          machineIdentifier: 'phone-1',
          title: 'Phone',
        },
        type: 'movie',
        title: 'Dune',
        sessionKey: '101',
      },
    ]);
    const plexReads = reads(ids.plex).length;
    // The Plex holder reads Plex only, and counts the Jellyfin stream from the other instance's read: 2 > 1.
    await plexHolder.bot.ctx.runCycleNow();
    assert.equal(plex.terminations.length, 1, 'the Plex stream was stopped by the Plex holder');
    assert.ok(reads(ids.plex).length > plexReads);
    // The Jellyfin stop is carried out by the Jellyfin holder (its outbox runner picks it up).
    await until(
      'the Jellyfin holder stops its stream',
      () => jellyfin.playstateCommands.length === 1,
      10_000,
    );
    // The DM goes out from the instance logged in to Discord (a standby leaves messages to it).
    await until('one DM about the breach', () => discord.dmsTo(ALICE.id).length === 1, 10_000);
    plex.setSessions([]);
    jellyfin.setSessions([]);
  });

  test('a frozen instance stops acting before the other takes its gateway and server, within 15 s', async () => {
    const frozen = shared(a);
    const other = shared(b!);
    const stale = [ids.plex, ids.jellyfin].find((id) => frozen.ownsServer(id));
    assert.ok(stale !== undefined);
    const staleLease = frozen.lease(serverLease(stale));
    assert.ok(staleLease);
    const frozenAt = performance.now();
    frozen.freeze();
    // The stale instance keeps trying to work (a zombie): its cycles must stop reading the server by themselves.
    let zombie = true;
    let zombieCycles = 0;
    const zombieReads: string[] = [];
    const pump = (async () => {
      while (zombie) {
        // A cycle that starts after the deadline must read nothing (one that started before may finish after it:
        // its reads are checked against the takeover by their arrival time below).
        const startedAt = performance.now();
        const report = await a.bot.ctx.runCycleNow().catch(() => null);
        zombieCycles += 1;
        if (report && startedAt > staleLease.deadline) zombieReads.push(...readServers(report));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const takeover = await until(
        'the other instance holds the gateway and both servers',
        () => other.isGatewayHolder() && other.ownsServer(ids.plex) && other.ownsServer(ids.jellyfin),
        20_000,
      );
      assert.ok(performance.now() - frozenAt <= 15_000, `took over after ${takeover} ms`);
      assert.equal(frozen.isGatewayHolder(), false);
      assert.equal(frozen.ownsServer(stale), false);
      const taken = other.lease(serverLease(stale));
      assert.ok(taken);
      assert.ok(
        staleLease.deadline < taken.since,
        `the stale instance stopped trusting its lease (${staleLease.deadline}) before the other took it (${taken.since})`,
      );
      // Let the zombie try a while longer with the other instance holding the lease.
      const cyclesSoFar = zombieCycles;
      await until('the zombie tried again', () => zombieCycles >= cyclesSoFar + 3, 10_000);
      assert.deepEqual(zombieReads, [], 'no cycle of the stale instance read a server after its deadline');
      const staleReads = reads(stale);
      assert.ok(staleReads.length > 0);
      assert.ok(
        staleReads.every((at) => at < taken.since),
        'every read so far (all the stale instance’s) came before the other instance took the lease',
      );
      // The new holder reads it: the two reading windows do not overlap.
      const report = await b!.bot.ctx.runCycleNow();
      assert.deepEqual(readServers(report).sort(), ['Jelly', 'PlexMain']);
      assert.ok(reads(stale).at(-1)! > taken.since);
    } finally {
      zombie = false;
      await pump;
    }
    // The gateway moved: the stale client was closed, the other logged in, and it answers commands.
    await until('the new holder is connected', () => discord.gatewaySessions === 1, 10_000);
    assert.equal(discord.gatewayIdentifies, 2);
    const before = callbacks();
    const reply = await discord.invoke({ user: ADMIN.id, command: 'status', admin: true });
    assert.equal(callbacks() - before, 1, 'answered once');
    const instances = reply.embeds[0]?.fields?.find((f) => f.name === 'Instances')?.value ?? '';
    assert.match(instances, new RegExp(`${other.instanceId}\` \\(this one\\): gateway · 2 server`));
  });

  test('a clean stop hands over at once; an instance that lost the gateway logs in again', async () => {
    c = await startTestBot({ discord, sharedDatabase: a });
    const next = shared(c);
    const identifies = discord.gatewayIdentifies;
    const stoppedAt = performance.now();
    await b!.stop();
    await until(
      'the third instance holds the gateway and both servers',
      () => next.isGatewayHolder() && next.ownsServer(ids.plex) && next.ownsServer(ids.jellyfin),
      10_000,
    );
    // Released, not expired: no waiting for the 10-s TTL.
    assert.ok(
      performance.now() - stoppedAt < next.timings.ttlMs,
      'handed over before the lease could expire',
    );
    await until('the third instance is connected', () => discord.gatewaySessions === 1, 10_000);
    assert.equal(discord.gatewayIdentifies, identifies + 1);

    // Someone else takes the gateway lease for 6 s (as after a long stall): the next renewal (within 3 s) says no,
    // the client is closed, and once that lease expires the same instance takes it back and logs in with a fresh
    // client.
    await c.bot.database.db.execute(
      sql`update leases set holder = 'someone-else', expires_at = now() + interval '6 seconds' where name = 'gateway'`,
    );
    await until(
      'the gateway is given up',
      () => !next.isGatewayHolder() && discord.gatewaySessions === 0,
      10_000,
    );
    await until(
      'the gateway is taken back',
      () => next.isGatewayHolder() && discord.gatewaySessions === 1,
      15_000,
    );
    assert.equal(discord.gatewayIdentifies, identifies + 2);
    const reply = await discord.invoke({ user: ADMIN.id, command: 'status', admin: true });
    const instances = reply.embeds[0]?.fields?.find((f) => f.name === 'Instances')?.value ?? '';
    assert.match(instances, new RegExp(`${next.instanceId}\` \\(this one\\): gateway · 2 server`));
  });
});
