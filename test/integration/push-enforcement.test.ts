// Push events trigger enforcement through the real bot: the test bot runs no schedule, so only a push event (or
// an explicit cycle) can stop a stream. Waits are bounded polls on the doubles, never timed assertions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '210000000000000001', username: 'owner' };
const ALICE = { id: '210000000000000002', username: 'alice' };
const JF_ALICE = 'a1ce0000000000000000000000000001';

async function until(
  what: string,
  check: () => boolean,
  limitMs = 10_000,
  refresh?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  await refresh?.();
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await refresh?.();
  }
}

const plexStream = (n: number): PlexSessionSpec => ({
  user: { id: 7001, title: 'alice_plex' },
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

async function setUp(push: boolean) {
  const discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE] });
  const plex = await startPlexDouble({ token: 'plex-token-aaaa1111', premium: true });
  plex.setAccounts([{ id: 7001, name: 'alice_plex' }]);
  const jellyfin = await startJellyfinDouble({
    token: 'jf-key-cccc3333dddd',
    users: [{ id: JF_ALICE, name: 'alice' }],
  });
  const bot = await startTestBot({ discord, config: { push } });
  const admin = (
    command: string,
    subcommand?: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  await admin('server', 'add', {
    platform: 'plex',
    name: 'PlexMain',
    url: plex.url,
    token: 'plex-token-aaaa1111',
  });
  await admin('server', 'add', {
    platform: 'jellyfin',
    name: 'Jelly',
    url: jellyfin.url,
    token: 'jf-key-cccc3333dddd',
  });
  await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
  await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: 'alice_plex' });
  await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
  await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
  return {
    discord,
    plex,
    jellyfin,
    bot,
    admin,
    async stop() {
      await bot.stop();
      await discord.stop();
      await plex.stop();
      await jellyfin.stop();
    },
  };
}

describe('push events trigger enforcement', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    env = await setUp(true);
    await until(
      'both push sockets open',
      () => env.plex.push.connections === 1 && env.jellyfin.push.connections === 1,
    );
  });
  after(async () => {
    await env?.stop();
  });

  test('a Plex playing notification stops the stream over the cap, with no cycle asked for', async () => {
    const { plex, bot } = env;
    plex.setSessions([plexStream(1), plexStream(2)]);
    assert.equal(plex.terminations.length, 0);
    plex.push.playing('102', 'playing');
    // Every stream of a member over the cap is stopped (see stream-enforcement.test.ts).
    await until('both Plex streams are stopped', () => plex.terminations.length === 2);
    const state = [...bot.bot.ctx.pushStates().values()].find((s) => s.name === 'PlexMain');
    assert.equal(state?.state, 'connected');
    assert.ok(state?.lastEventAt, 'the event is recorded for /status');
    plex.setSessions([]);
  });

  test('a Jellyfin Sessions message with a new playing set stops the stream over the cap', async () => {
    const { jellyfin } = env;
    const list = jellyfin.setSessions(
      ['tv', 'phone'].map((d, i) => ({
        user: { id: JF_ALICE, name: 'alice' },
        device: d,
        client: 'Jellyfin Web',
        deviceId: `jf-${d}`,
        ip: `192.0.2.${10 + i}`,
        item: { name: `Film ${i}`, type: 'Movie' },
      })),
    );
    jellyfin.push.sessions(list);
    await until(
      'both Jellyfin streams are stopped',
      () => jellyfin.playstateCommands.filter((c) => c.command === 'Stop').length === 2,
    );
    jellyfin.setSessions([]);
  });

  test('a push cycle reads only the server that pushed, and counts the others from their last read', async () => {
    const { plex, jellyfin, bot } = env;
    // Alice plays on Jellyfin (one stream, at her cap); a reconcile reads it and stores it.
    jellyfin.setSessions([
      {
        user: { id: JF_ALICE, name: 'alice' },
        device: 'tv',
        client: 'Jellyfin Web',
        deviceId: 'jf-tv-partial',
        ip: '192.0.2.30',
        item: { name: 'Film', type: 'Movie' },
      },
    ]);
    await bot.bot.ctx.runCycleNow();
    const requestsBefore = jellyfin.requests.length;
    const stopsBefore = plex.terminations.length;
    const jellyfinStops = () => jellyfin.playstateCommands.filter((c) => c.command === 'Stop').length;
    const jellyfinStopsBefore = jellyfinStops();
    // Then a second stream on Plex: the Plex event alone must bring her over the cap (1 + 1 > 1).
    plex.setSessions([plexStream(7)]);
    plex.push.playing('107', 'playing');
    await until('the Plex stream is stopped', () => plex.terminations.length === stopsBefore + 1);
    await until('the Jellyfin stream is stopped too', () => jellyfinStops() === jellyfinStopsBefore + 1);
    // The push cycle read Plex only: Jellyfin's downloads (its activity log) were not read, and its sessions only
    // by the confirming re-read of Alice's servers and the check that its stop took effect.
    const after = jellyfin.requests.slice(requestsBefore);
    assert.equal(after.filter((r) => r.path.startsWith('/System/ActivityLog')).length, 0);
    assert.ok(after.filter((r) => r.path === '/Sessions').length <= 2);
    plex.setSessions([]);
    jellyfin.setSessions([]);
    await bot.bot.ctx.runCycleNow();
  });

  test('a quality change and an autoplay, pushed as a start and a stop, stop nothing: one device counts once', async () => {
    const { plex, bot } = env;
    const reads = () => plex.requests.filter((r) => r.path === '/status/sessions').length;
    const stopsBefore = plex.terminations.length;
    /** The same player (machineIdentifier, address) under a new session key: `title` is what it plays. */
    const onTv = (key: number, title: string): PlexSessionSpec => ({
      ...plexStream(8),
      title,
      sessionKey: String(key),
    });
    for (const [from, to] of [
      [onTv(120, 'Movie 8'), onTv(121, 'Movie 8')], // a quality change: the same item again
      [onTv(121, 'Episode 1'), onTv(122, 'Episode 2')], // an autoplay: the next item
    ] as const) {
      plex.setSessions([from]);
      await bot.bot.ctx.runCycleNow();
      // The player starts the new session before the old one is gone: for a moment Plex lists both.
      plex.setSessions([from, to]);
      const before = reads();
      plex.push.playing(to.sessionKey, 'playing');
      plex.push.playing(from.sessionKey, 'stopped');
      await until('the events’ cycle reads Plex', () => reads() > before);
      // A full cycle waits for the push cycles (the one running, the one folded after it), then reads the same.
      await bot.bot.ctx.runCycleNow();
      assert.equal(plex.terminations.length, stopsBefore, `${from.title} → ${to.title}: nothing stopped`);
    }
    plex.setSessions([]);
    await bot.bot.ctx.runCycleNow();
  });

  test('a dropped socket reconnects and a later event still triggers', async () => {
    const { plex } = env;
    const upgrades = plex.push.upgrades.length;
    plex.push.dropAll();
    await until(
      'the Plex socket reconnects',
      () => plex.push.upgrades.length > upgrades && plex.push.connections === 1,
    );
    const before = plex.terminations.length;
    plex.setSessions([plexStream(3), plexStream(4)]);
    plex.push.playing('104', 'playing');
    await until(
      'both Plex streams are stopped after the reconnect',
      () => plex.terminations.length === before + 2,
    );
    plex.setSessions([]);
  });

  test('a refused socket is reported as polling with the reason, and only a cycle enforces', async () => {
    const { plex, bot, admin } = env;
    plex.push.refuseWith = 401;
    const refusedBefore = plex.push.upgrades.filter((u) => !u.accepted).length;
    plex.push.dropAll();
    await until('the bot saw the refusal', () => {
      const s = [...bot.bot.ctx.pushStates().values()].find((p) => p.name === 'PlexMain');
      return s?.state === 'waiting' && /refused the token/.test(s.detail ?? '');
    });
    assert.ok(plex.push.upgrades.filter((u) => !u.accepted).length > refusedBefore);
    // The channel retries (connecting, then refused again): wait for a /status taken while it waits.
    const refused =
      /PlexMain\*\* \(plex\)\npolling \(push waiting: the server refused the token \(HTTP 401\)\)/;
    let shown = '';
    await until(
      '/status shows the refusal',
      () => refused.test(shown),
      10_000,
      async () => {
        shown = text(await admin('status'));
      },
    );
    assert.match(shown, /❌ push events since [^\n]*: the server refused the token \(HTTP 401\)/);
    assert.match(shown, /Jelly\*\* \(jellyfin\)\npush connected/);
    assert.doesNotMatch(shown, /plex-token|jf-key/);
    assert.equal(plex.push.connections, 0, 'no socket: no event can reach the bot');
    const before = plex.terminations.length;
    plex.setSessions([plexStream(5), plexStream(6)]);
    await admin('enforcement', 'run-now');
    assert.equal(plex.terminations.length, before + 2, 'the cycle enforces');
    plex.push.refuseWith = null;
    plex.setSessions([]);
  });
});

describe('PUSH=off', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    env = await setUp(false);
  });
  after(async () => {
    await env?.stop();
  });

  test('no socket is opened, /server add included; a cycle still enforces', async () => {
    const { plex, jellyfin, bot, admin } = env;
    assert.equal(plex.push.upgrades.length, 0);
    assert.equal(jellyfin.push.upgrades.length, 0);
    assert.equal(bot.bot.ctx.pushStates().size, 0);
    assert.match(text(await admin('status')), /PlexMain\*\* \(plex\)\npolling \(PUSH=off\)/);
    plex.setSessions([plexStream(1), plexStream(2)]);
    await admin('enforcement', 'run-now');
    assert.equal(plex.terminations.length, 2);
  });
});
