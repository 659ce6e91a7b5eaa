// What the bot can do on each server, learnt from use and probes, shown in /server add, /server test and /status,
// with one alert when a capability that worked fails and one when it works again. Push counts as working only
// while it delivers: Jellyfin 10.10.x with an API key keeps its socket open and silent (test/doubles/push), so the
// bot polls it on a short interval and says why. Waits are bounded polls on the doubles, never timed assertions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, type SessionSpec, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice' };
const ALERTS = { id: '340000000000000002', name: 'media-alerts' };
const JF_ALICE = 'a1ce0000000000000000000000000001';
const TOKEN = 'jf-key-cccc3333dddd';

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const stream = (device: string, n: number): SessionSpec => ({
  user: { id: JF_ALICE, name: 'alice' },
  device,
  client: 'Jellyfin Web',
  deviceId: `jf-${device}`,
  ip: `192.0.2.${10 + n}`,
  item: { name: `Film ${n}`, type: 'Movie' },
});

/** A Jellyfin double of `version`, the bot with push on, Alice on a one-stream plan, alerts in #media-alerts. */
async function setUp(version: string) {
  const discord = await DiscordDouble.start({
    ownerId: ADMIN.id,
    members: [ADMIN, ALICE],
    channels: [ALERTS],
  });
  const jellyfin = await startJellyfinDouble({
    token: TOKEN,
    version,
    users: [{ id: JF_ALICE, name: 'alice' }],
  });
  const bot = await startTestBot({
    discord,
    config: { push: true },
    push: {
      silentPollMs: 150,
      silenceGraceMs: 150,
      channel: { initialBackoffMs: 50, maxBackoffMs: 200 },
    },
  });
  const admin = (
    command: string,
    subcommand?: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
  const added = text(
    await admin('server', 'add', { platform: 'jellyfin', name: 'Jelly', url: jellyfin.url, token: TOKEN }),
  );
  await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
  await admin('user', 'link', { member: ALICE.id, server: 'Jelly', account: 'alice' });
  await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
  await until('the push socket is open', () => jellyfin.push.connections === 1);
  return {
    discord,
    jellyfin,
    bot,
    admin,
    added,
    alerts: () => discord.messagesIn(ALERTS.id).map(text),
    stops: () => jellyfin.playstateCommands.filter((c) => c.command === 'Stop').length,
    async stop() {
      await bot.stop();
      await discord.stop();
      await jellyfin.stop();
    },
  };
}

describe('Jellyfin 10.10.7 with an API key: push stays silent', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    env = await setUp('10.10.7');
  });
  after(async () => {
    await env?.stop();
  });

  test('/server add says push does not deliver there and how to fix it', () => {
    assert.match(env.added, /❌ push events/);
    assert.match(env.added, /10\.9\.0 to 10\.10\.7/);
    assert.match(env.added, /Upgrade Jellyfin to 10\.11\.0 or later/);
    assert.doesNotMatch(env.added, new RegExp(TOKEN));
  });

  test('over-cap streams are stopped by the short poll, with no push event and no cycle asked for', async () => {
    const { jellyfin, stops } = env;
    const list = jellyfin.setSessions([stream('tv', 0), stream('phone', 1)]);
    // What a 10.10.7 server would push, were it not for the bug: the double sends nothing to an API key.
    jellyfin.push.sessions(list);
    await until('both streams are stopped by the poll', () => stops() === 2);
    assert.equal(jellyfin.push.connections, 1, 'the socket stayed open');
    assert.ok(jellyfin.push.keepAlivesAnswered > 0, 'keep-alives work');
    assert.ok(jellyfin.push.serverErrors.some((e) => e.startsWith('SessionsStart')));
    jellyfin.setSessions([]);
  });

  test('/status says push is connected but not delivering, why, and what to do', async () => {
    const shown = text(await env.admin('status'));
    assert.match(shown, /Jelly\*\* \(jellyfin\)\npush connected but \*\*not delivering\*\*/);
    assert.match(shown, /polled every 15 s/);
    assert.match(shown, /Upgrade Jellyfin to 10\.11\.0 or later/);
    assert.match(shown, /✅ read sessions/);
  });

  test('no alert: push never worked on this server (the owner was told at /server add)', () => {
    assert.deepEqual(
      env.alerts().filter((a) => /stopped working|works again/.test(a)),
      [],
    );
  });
});

describe('Jellyfin 10.11.0: push works as before', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  before(async () => {
    env = await setUp('10.11.0');
  });
  after(async () => {
    await env?.stop();
  });

  test('/server add reports no push problem', () => {
    assert.doesNotMatch(env.added, /❌/);
    assert.match(env.added, /✅ read sessions, list accounts, read downloads/);
  });

  test('a pushed change stops the stream over the cap, and /status shows push delivering', async () => {
    const { jellyfin, stops, bot, admin } = env;
    const list = jellyfin.setSessions([stream('tv', 0), stream('phone', 1)]);
    jellyfin.push.sessions(list);
    await until('both streams are stopped', () => stops() === 2);
    const state = [...bot.bot.ctx.pushStates().values()][0];
    assert.equal(state?.silent, null);
    const shown = text(await admin('status'));
    assert.match(shown, /Jelly\*\* \(jellyfin\)\npush connected · last event/);
    assert.match(shown, /✅ [^\n]*push events/);
    assert.match(shown, /✅ [^\n]*stop a stream/);
    jellyfin.setSessions([]);
    jellyfin.push.sessions([]);
  });
});

describe('losing a capability posts one alert, getting it back one more', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  let jellyfin: JellyfinDouble;
  let bot: TestBot;
  const capabilityAlerts = () => env.alerts().filter((a) => /stopped working|works again/.test(a));
  before(async () => {
    env = await setUp('12.0.0');
    ({ jellyfin, bot } = env);
    await bot.bot.ctx.runCycleNow();
  });
  after(async () => {
    await env?.stop();
  });

  test('a change the poll finds that push never announced marks push silent; it delivers again', async () => {
    // Push delivers first (so that it counts as working), then a session starts without any event.
    jellyfin.push.sessions([]);
    await until('push works', async () => /✅ [^\n]*push events/.test(text(await env.admin('status'))));
    // A read after that event: the next change must be announced by an event after it.
    await bot.bot.ctx.runCycleNow();
    jellyfin.setSessions([stream('tv', 0)]);
    await bot.bot.ctx.runCycleNow();
    await until('push is silent', () => [...bot.bot.ctx.pushStates().values()][0]?.silent != null);
    await until('one alert', () => capabilityAlerts().length === 1);
    assert.match(capabilityAlerts()[0] ?? '', /Push events stopped working on Jelly/);
    assert.match(capabilityAlerts()[0] ?? '', /sent no event/);
    const shown = text(await env.admin('status'));
    assert.match(shown, /not delivering/);
    assert.match(shown, /❌ push events/);
    // Silent: the server is read on the short interval, with no further alert.
    const reads = jellyfin.requests.filter((r) => r.path === '/Sessions').length;
    await until(
      'polled again',
      () => jellyfin.requests.filter((r) => r.path === '/Sessions').length > reads + 1,
    );
    assert.equal(capabilityAlerts().length, 1);
    // Push delivers again.
    jellyfin.push.sessions(jellyfin.sessions());
    await until('push delivers again', () => [...bot.bot.ctx.pushStates().values()][0]?.silent === null);
    await until('the second alert', () => capabilityAlerts().length === 2);
    assert.match(capabilityAlerts()[1] ?? '', /Push events works again on Jelly/);
    jellyfin.setSessions([]);
    jellyfin.push.sessions([]);
  });

  test('reading sessions fails (a route gone): one alert over many cycles, one when it works again', async () => {
    const before = capabilityAlerts().length;
    jellyfin.faultOn = { path: /^\/Sessions$/, status: 410 };
    for (let i = 0; i < 3; i++) await bot.bot.ctx.runCycleNow();
    await until('the alert', () => capabilityAlerts().length === before + 1);
    const lost = capabilityAlerts()[before] ?? '';
    assert.match(lost, /Read sessions stopped working on Jelly/);
    assert.match(lost, /HTTP 410/);
    assert.match(lost, /What to do/);
    assert.match(text(await env.admin('status')), /❌ read sessions since/);
    jellyfin.faultOn = null;
    for (let i = 0; i < 3; i++) await bot.bot.ctx.runCycleNow();
    await until('the recovery alert', () => capabilityAlerts().length === before + 2);
    assert.match(capabilityAlerts()[before + 1] ?? '', /Read sessions works again on Jelly/);
    // A restart repeats neither.
    await bot.restart();
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(capabilityAlerts().length, before + 2);
  });

  test('an unreachable server is its health, not a lost capability', async () => {
    const before = capabilityAlerts().length;
    jellyfin.fault = 'server-error';
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    jellyfin.fault = null;
    await bot.bot.ctx.runCycleNow();
    await bot.bot.ctx.effects.drain();
    assert.equal(capabilityAlerts().length, before);
    assert.match(text(await env.admin('server', 'test', { name: 'Jelly' })), /✅ read sessions/);
  });
});
