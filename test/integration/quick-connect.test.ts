// `/link` with Jellyfin Quick Connect across server versions and faults, through the real bot against the Jellyfin
// double (test/doubles/quick-connect.ts, which models /QuickConnect/Initiate by version from jellyfin/jellyfin's
// QuickConnectController.cs at v10.8.13, v10.9.11 – v10.11.11 and v12.0-rc5). Jellyfin creates the member's session
// when they approve the code, so every approved request must end logged out, or the member told which device to
// remove, whatever the bot was doing at the time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { insertPendingSignIn } from '../../src/db/pending-sign-ins.ts';
import { mediaServers, pendingSignIns } from '../../src/db/schema.ts';
import { settlePendingSignIns } from '../../src/services/pending-sign-ins.ts';
import { SELF_LINK_MAX_FAILURES } from '../../src/services/self-link.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';
import { linkOf as linkOfMember } from '../helpers/links.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ERIN = { id: '250000000000000002', username: 'erin' };
const FRANK = { id: '250000000000000003', username: 'frank' };
const JF_ERIN = 'e0100000000000000000000000000001';
const JF_FRANK = 'f0100000000000000000000000000001';
const USERS = [
  { id: JF_ERIN, name: 'erin' },
  { id: JF_FRANK, name: 'frank' },
];

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Jellyfin Quick Connect by version, and sessions never left open', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  // One server per version line: 10.8 (GET only), 10.10 (both), 12.0 (POST only).
  const servers: Record<string, JellyfinDouble> = {};
  const VERSIONS = { J108: '10.8.13', J1010: '10.10.7', J12: '12.0.0' } as const;
  const db = () => bot.bot.ctx.db;
  const selfLink = (user: string, server: string) =>
    discord.invoke({ user, command: 'link', options: { server } });
  const linkOf = (discordUserId: string, server: string) => linkOfMember(db(), discordUserId, server);
  const unlink = (user: string, server: string) =>
    discord.invoke({
      user: ADMIN.id,
      command: 'user',
      subcommand: 'unlink',
      options: { member: user, server },
      admin: true,
    });
  const pendingRows = () => db().select().from(pendingSignIns);
  const newestRequest = (server: string) => {
    const request = servers[server]?.quickConnect.requests.at(-1);
    assert.ok(request, 'a Quick Connect request was started');
    return request;
  };
  const initiateCalls = (server: string) =>
    (servers[server]?.requests ?? [])
      .filter((r) => /\/QuickConnect\/Initiate$/i.test(r.path))
      .map((r) => r.method);
  const settle = () => settlePendingSignIns(bot.bot.ctx);
  /** Starts /link, checks the sign-in was stored before the code was shown, and returns the reply and request. */
  async function startLink(user: string, server: string) {
    const reply = await selfLink(user, server);
    const request = newestRequest(server);
    assert.match(text(reply), new RegExp(`\\*\\*${request.code}\\*\\*`));
    const rows = await pendingRows();
    const row = rows.find((r) => r.deviceId === request.deviceId);
    assert.ok(row, 'the sign-in is stored while the member sees the code');
    assert.ok(!row.secretEncrypted.includes(request.secret), 'the secret is stored encrypted');
    return { reply, request, row };
  }

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ERIN, FRANK] });
    for (const [name, version] of Object.entries(VERSIONS)) {
      servers[name] = await startJellyfinDouble({ token: `jf-key-${name}-0001`, version, users: USERS });
    }
    // Many sign-ins by few members: more than the hourly limit (tested in self-link.test.ts) allows.
    bot = await startTestBot({
      discord,
      selfLinkPollMs: 20,
      selfLinkLimits: { perMemberPerHour: 1_000, inFlightTotal: 20 },
    });
    for (const [name, double] of Object.entries(servers)) {
      await discord.invoke({
        user: ADMIN.id,
        command: 'server',
        subcommand: 'add',
        options: { platform: 'jellyfin', name, url: double.url, token: `jf-key-${name}-0001` },
        admin: true,
      });
    }
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const double of Object.values(servers)) await double.stop();
  });

  test('Jellyfin 10.8: POST /QuickConnect/Initiate gets 405, GET works, and the server is remembered', async () => {
    const { reply, request } = await startLink(ERIN.id, 'J108');
    assert.deepEqual(initiateCalls('J108'), ['POST', 'GET']);
    const token = servers.J108?.quickConnect.approve(request.code, JF_ERIN);
    await until('the reply shows the link', () => /You are linked/.test(text(reply)));
    assert.deepEqual(await linkOf(ERIN.id, 'J108'), { accountName: 'erin', accountId: JF_ERIN });
    assert.equal(servers.J108?.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, true);
    assert.deepEqual(await pendingRows(), [], 'settled: nothing left to settle');

    // The next sign-in on the same server asks with GET at once.
    const again = await startLink(FRANK.id, 'J108');
    assert.deepEqual(initiateCalls('J108'), ['POST', 'GET', 'GET']);
    servers.J108?.quickConnect.approve(again.request.code, JF_FRANK);
    await until('the second link', () => /You are linked/.test(text(again.reply)));
  });

  test('Jellyfin 10.10 and 12.0 take the POST; GET is never tried', async () => {
    for (const name of ['J1010', 'J12'] as const) {
      const { reply, request } = await startLink(ERIN.id, name);
      assert.deepEqual(initiateCalls(name), ['POST']);
      servers[name]?.quickConnect.approve(request.code, JF_ERIN);
      await until(`${name}: the reply shows the link`, () => /You are linked/.test(text(reply)));
    }
    await unlink(ERIN.id, 'J1010');
    await unlink(ERIN.id, 'J12');
  });

  test('a refusal for good says to ask an admin; only a passing fault says to try again', async () => {
    const quick = servers.J12?.quickConnect;
    assert.ok(quick);
    quick.failing.initiate = 400;
    try {
      const refused = await selfLink(ERIN.id, 'J12');
      assert.match(
        text(refused),
        /can't sign you in with Quick Connect: ask an admin to link you with `\/user link`/,
      );
      assert.doesNotMatch(text(refused), /again in a few minutes/);
      quick.failing.initiate = 503;
      const passing = await selfLink(ERIN.id, 'J12');
      assert.match(text(passing), /Try `\/link` again in a few minutes/);
    } finally {
      delete quick.failing.initiate;
    }
    assert.deepEqual(await pendingRows(), [], 'no code was shown, nothing is stored');

    // The code was shown, then the server refuses to answer about it for good (400 on Connect).
    const { reply } = await startLink(ERIN.id, 'J12');
    quick.failing.connect = 400;
    try {
      await until('the reply says ask an admin', () => /Nothing was linked/.test(text(reply)));
      assert.match(text(reply), /can't sign you in with Quick Connect/);
      assert.doesNotMatch(text(reply), /again/);
    } finally {
      delete quick.failing.connect;
    }
  });

  test('approved after the bot gave up at its deadline: collected and logged out', async () => {
    await settle(); // leftovers of the test before
    const { reply, request } = await startLink(ERIN.id, 'J1010');
    bot.clock.advance(11 * MINUTE);
    await until('the reply says it expired', () => /expired/.test(text(reply)));
    assert.equal((await pendingRows()).length, 1, 'the sign-in is kept until it is settled');

    // Still waiting on the server: the settler keeps it.
    assert.equal(await settle(), 0);
    const token = servers.J1010?.quickConnect.approve(request.code, JF_ERIN);
    assert.equal(await settle(), 0, 'asked again only a minute later');
    bot.clock.advance(MINUTE);
    assert.equal(await settle(), 1);
    assert.equal(servers.J1010?.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, true);
    assert.deepEqual(await pendingRows(), []);
    assert.equal(await linkOf(ERIN.id, 'J1010'), undefined, 'the bot had told the member it expired');
    assert.equal(discord.dmsTo(ERIN.id).length, 0, 'nothing to tell: the session is ended');
  });

  test('a restart while the member signs in: the approval is logged out by the bot that starts', async () => {
    const { reply, request } = await startLink(FRANK.id, 'J1010');
    await bot.bot.stop();
    assert.match(text(reply), /restarted before you finished/);
    // The member approves while the bot is down.
    const token = servers.J1010?.quickConnect.approve(request.code, JF_FRANK);
    await bot.restart();
    await until('start-up settles the sign-in', async () => (await pendingRows()).length === 0);
    assert.equal(servers.J1010?.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, true);
    assert.equal(discord.dmsTo(FRANK.id).length, 0);
  });

  test('a crash: a sign-in no wait owns is settled once its deadline passes', async () => {
    // What a killed process leaves: a started Quick Connect request and the row written before its code was shown,
    // due at the wait's deadline, with no wait left to own it.
    const double = servers.J1010;
    assert.ok(double);
    const deviceId = 'streamwarden-crashed-0001';
    const started = await fetch(`${double.url}/QuickConnect/Initiate`, {
      method: 'POST',
      headers: {
        authorization: `MediaBrowser Client="Streamwarden", Device="Discord /link crash1", DeviceId="${deviceId}", Version="1"`,
      },
    });
    const { Code: code, Secret: secret } = (await started.json()) as { Code: string; Secret: string };
    const now = bot.clock.now();
    const [server] = await db().select().from(mediaServers).where(eq(mediaServers.name, 'J1010'));
    assert.ok(server);
    await insertPendingSignIn(db(), {
      serverId: server.id,
      memberDiscordId: FRANK.id,
      secretEncrypted: bot.bot.ctx.media.encryptToken(secret, { serverId: server.id, url: server.url }),
      deviceId,
      deviceName: 'Discord /link crash1',
      deadline: new Date(now.getTime() + 10 * MINUTE),
      lastAliveAt: now,
      nextCheckAt: new Date(now.getTime() + 10 * MINUTE),
    });
    const token = double.quickConnect.approve(code, JF_FRANK);
    await bot.restart();
    assert.equal(await settle(), 0, 'not due before its deadline (a wait elsewhere may still own it)');
    assert.equal(double.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, false);
    bot.clock.advance(11 * MINUTE);
    assert.equal(await settle(), 1);
    assert.equal(double.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, true);
    assert.deepEqual(await pendingRows(), []);
  });

  test('a shutdown after the approval: the last look collects, links and logs out', async () => {
    const { reply, request } = await startLink(FRANK.id, 'J12');
    // Polled every 20 ms; the approval and the stop race, and either way the session must end.
    const token = servers.J12?.quickConnect.approve(request.code, JF_FRANK);
    await bot.restart();
    assert.match(text(reply), /You are linked|restarted before you finished/);
    await until('settled', async () => (await pendingRows()).length === 0);
    assert.equal(servers.J12?.quickConnect.tokens.find((t) => t.token === token)?.loggedOut, true);
    await unlink(FRANK.id, 'J12');
  });

  test('a logout that fails: the member is told which device to remove', async () => {
    const quick = servers.J12?.quickConnect;
    assert.ok(quick);
    const { reply, request } = await startLink(ERIN.id, 'J12');
    quick.failing.logout = 500;
    try {
      quick.approve(request.code, JF_ERIN);
      await until('the reply shows the link', () => /You are linked/.test(text(reply)));
      assert.match(text(reply), new RegExp(`remove the device \\*\\*${request.deviceName}\\*\\*`));
      assert.match(request.deviceName, /^Discord \/link for erin [0-9a-f]{6}$/);
      assert.match(text(reply), /Dashboard → Devices/);
      assert.deepEqual(await pendingRows(), [], 'nothing more the bot can do');

      // The same after the bot gave up: the member gets a DM.
      const late = await startLink(FRANK.id, 'J12');
      bot.clock.advance(11 * MINUTE);
      await until('expired', () => /expired/.test(text(late.reply)));
      quick.approve(late.request.code, JF_FRANK);
      await settle();
      await until('a DM names the device', () => discord.dmsTo(FRANK.id).length === 1);
      const dm = JSON.stringify(discord.dmsTo(FRANK.id)[0]);
      assert.match(dm, /still open/);
      assert.ok(dm.includes(late.request.deviceName), 'the DM names the device');
      assert.deepEqual(await pendingRows(), []);
    } finally {
      delete quick.failing.logout;
    }
  });

  test('approved too long before the bot looked: the kept result is gone, the member is told', async () => {
    const quick = servers.J1010?.quickConnect;
    assert.ok(quick);
    const { reply, request } = await startLink(ERIN.id, 'J1010');
    await bot.bot.stop();
    quick.approve(request.code, JF_ERIN);
    quick.dropResult(request.code); // ten minutes after the approval, before the bot is back
    const dms = discord.dmsTo(ERIN.id).length;
    await bot.restart();
    await until('settled', async () => (await pendingRows()).length === 0);
    assert.match(text(reply), /restarted before you finished/);
    await until('a DM names the device', () => discord.dmsTo(ERIN.id).length === dms + 1);
    assert.ok(JSON.stringify(discord.dmsTo(ERIN.id).at(-1)).includes(request.deviceName));
  });

  test('the bot away longer than an approval stays visible: the member is told it may be open', async () => {
    const quick = servers.J1010?.quickConnect;
    assert.ok(quick);
    const { request } = await startLink(FRANK.id, 'J1010');
    await bot.bot.stop();
    bot.clock.advance(30 * MINUTE);
    quick.expire(request.code); // approved or not, the server has forgotten it by now
    const dms = discord.dmsTo(FRANK.id).length;
    await bot.restart();
    await until('settled', async () => (await pendingRows()).length === 0);
    await until('a DM', () => discord.dmsTo(FRANK.id).length === dms + 1);
    const dm = JSON.stringify(discord.dmsTo(FRANK.id).at(-1));
    assert.match(dm, /may still be open/);
    assert.ok(dm.includes(request.deviceName));
  });

  test('a code that expires unapproved while the bot watches: settled silently', async () => {
    const quick = servers.J1010?.quickConnect;
    assert.ok(quick);
    const { reply, request } = await startLink(ERIN.id, 'J1010');
    quick.expire(request.code);
    await until('expired', () => /expired/.test(text(reply)));
    assert.deepEqual(await pendingRows(), []);
    const dms = discord.dmsTo(ERIN.id).length;
    await settle();
    assert.equal(discord.dmsTo(ERIN.id).length, dms);
  });

  test('the server unreachable while the member signs in: kept, then settled when it answers again', async () => {
    const quick = servers.J12?.quickConnect;
    assert.ok(quick);
    const { reply, request } = await startLink(ERIN.id, 'J12');
    quick.failing.connect = 503;
    try {
      await until('the reply says it could not be reached', () => /could not be reached/.test(text(reply)));
      assert.match(text(reply), /Run `\/link` again/);
      const polls = servers.J12?.requests.filter((r) => /QuickConnect\/Connect/i.test(r.path)).length ?? 0;
      assert.ok(polls >= SELF_LINK_MAX_FAILURES);
      assert.equal((await pendingRows()).length, 1);
      assert.equal(await settle(), 0, 'still unreachable: kept');
    } finally {
      delete quick.failing.connect;
    }
    const token = quick.approve(request.code, JF_ERIN);
    bot.clock.advance(MINUTE);
    assert.equal(await settle(), 1);
    assert.equal(quick.tokens.find((t) => t.token === token)?.loggedOut, true);
  });

  test('every session an approval created ended logged out', () => {
    for (const [name, double] of Object.entries(servers)) {
      const open = double.quickConnect.tokens.filter((t) => !t.loggedOut);
      // The two whose logout the server refused and the one whose result was gone are the ones members were told of.
      assert.ok(
        open.length <= (name === 'J12' ? 2 : name === 'J1010' ? 1 : 0),
        `${name}: ${open.length} open`,
      );
    }
  });
});
