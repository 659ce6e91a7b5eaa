// `/server edit` through the real bot against the Plex and Jellyfin doubles: a server whose stored token can no
// longer be read gets it again and is enforced again; a new address of the same server (another port of the same
// double, so the same machineIdentifier / server Id) keeps its links; an address answering as another server is
// refused unless confirmed; bad input changes nothing; the token is never in a reply, an audit entry or a log line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { auditLog, mediaServers } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log.ts';
import type { InteractionReply } from '../doubles/discord/index.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { linkOf } from '../helpers/links.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';
import { forwardPort, type PortForward } from '../helpers/port-forward.ts';

const ADMIN = { id: '260000000000000001', username: 'owner' };
const ALICE = { id: '260000000000000002', username: 'alice' };
const ALERTS = { id: '360000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-token-edit-7c1d2e3f';
const JELLY_TOKEN = 'jf-key-edit-4a5b6c7d8e';
const STRANGER_TOKEN = 'jf-key-stranger-0f1e2d3c';
const alicePlex = { id: 7101, title: 'alice_plex' };

describe('/server edit', () => {
  let discord: DiscordDouble;
  let plex: PlexDouble;
  /** The same Plex double on another port: the same server at another address. */
  let plexAgain: PortForward;
  /** Another Plex server that accepts the same token (another machineIdentifier). */
  let otherPlex: PlexDouble;
  let jelly: JellyfinDouble;
  let jellyAgain: PortForward;
  let strangerJelly: JellyfinDouble;
  let bot: TestBot;
  const logLines: string[] = [];
  const replies: string[] = [];
  const session = adminSession(() => discord, ADMIN.id);
  const admin = async (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => {
    const reply = await session.admin(command, subcommand, options);
    replies.push(JSON.stringify(reply));
    return reply;
  };
  const edit = async (options: Record<string, string | boolean>) =>
    text(await admin('server', 'edit', options));
  const runNow = async () => {
    const report = await session.runNow();
    replies.push(report);
    return report;
  };
  const row = async (name: string) => {
    const [r] = await bot.bot.ctx.db.select().from(mediaServers).where(eq(mediaServers.name, name));
    assert.ok(r, `server ${name}`);
    return r;
  };
  const setRow = (name: string, values: Partial<typeof mediaServers.$inferInsert>) =>
    bot.bot.ctx.db.update(mediaServers).set(values).where(eq(mediaServers.name, name));
  const edits = async () =>
    (await bot.bot.ctx.db.select().from(auditLog)).filter((a) => a.action === 'server.edit');
  const ephemeral = (reply: InteractionReply) => assert.ok(reply.ephemeral, 'the answer is ephemeral');

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: alicePlex.id, name: alicePlex.title }]);
    plexAgain = await forwardPort(plex.url);
    otherPlex = await startPlexDouble({
      token: PLEX_TOKEN,
      friendlyName: 'Neighbour',
      machineIdentifier: '0f0e0d0c0b0a09080706050403020100ffeeddcc',
    });
    jelly = await startJellyfinDouble({ token: JELLY_TOKEN });
    jellyAgain = await forwardPort(jelly.url);
    strangerJelly = await startJellyfinDouble({ token: STRANGER_TOKEN });
    bot = await startTestBot({
      discord,
      schedule: 'paused',
      log: createLogger('debug', { destination: { write: (line: string) => void logLines.push(line) } }),
    });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: PLEX_TOKEN });
    await admin('server', 'add', { platform: 'jellyfin', name: 'Jelly', url: jelly.url, token: JELLY_TOKEN });
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('plan', 'create', { name: 'Solo', 'stream-cap': 1, downloads: false });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: alicePlex.title });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Solo' });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [plexAgain, jellyAgain, plex, otherPlex, jelly, strangerJelly]) await d?.stop();
  });

  test('bad input is refused with what to do, and nothing changes', async () => {
    const plexBefore = await row('PlexMain');
    const jellyBefore = await row('Jelly');
    const cases: Array<[Record<string, string | boolean>, RegExp]> = [
      [{ server: 'PlexMain' }, /Nothing to change: give `url`, `token`, `name`/],
      [{ server: 'Nowhere', token: PLEX_TOKEN }, /There is no server named .*Nowhere/],
      [{ server: 'PlexMain', url: 'not an address' }, /`url` is not a valid address/],
      [{ server: 'PlexMain', url: 'ftp://127.0.0.1:21' }, /must start with http/],
      [
        { server: 'PlexMain', url: `http://me:secret@${new URL(plex.url).host}` },
        /user name, password or query/,
      ],
      [{ server: 'PlexMain', url: `${plexAgain.url}/?X-Plex-Token=x` }, /user name, password or query/],
      [{ server: 'PlexMain', token: 'short' }, /That token does not look right/],
      [{ server: 'PlexMain', token: 'has a space in it' }, /That token does not look right/],
      [{ server: 'PlexMain', name: '-dash' }, /A server name must be/],
      [{ server: 'PlexMain', name: 'jelly' }, /A server named “Jelly” already exists/],
      [{ server: 'PlexMain', url: plex.url, name: 'PlexMain' }, /Nothing to change/],
      [{ server: 'PlexMain', token: 'wrong-token-0000' }, /refused the token.*Nothing was changed/s],
      [{ server: 'PlexMain', url: 'http://127.0.0.1:9' }, /Could not connect to .*Nothing was changed/s],
      [{ server: 'PlexMain', url: jelly.url }, /Plex server at .* refused the token.*Nothing was changed/s],
      [{ server: 'Jelly', url: plex.url, token: JELLY_TOKEN }, /Jellyfin server at .* refused the token/],
    ];
    for (const [options, expected] of cases) {
      const reply = await admin('server', 'edit', options);
      ephemeral(reply);
      assert.match(text(reply), expected, JSON.stringify(options));
    }
    assert.deepEqual(await row('PlexMain'), plexBefore);
    assert.deepEqual(await row('Jelly'), jellyBefore);
    assert.equal((await edits()).length, 0, 'no audit entry');
  });

  test('a row repointed outside the bot gets its token again with /server edit, and enforcement resumes', async () => {
    // Another port of the same server: a working address, but the stored token was not given for it.
    await setRow('PlexMain', { url: plexAgain.url });
    plex.setSessions([playingMovie(alicePlex, 1), playingMovie(alicePlex, 2)]);
    const report = await runNow();
    assert.match(report, /PlexMain/);
    assert.equal(plex.terminations.length, 0, 'not enforced while the token cannot be read');
    const down = await row('PlexMain');
    assert.equal(down.status, 'down');
    assert.ok(
      down.statusReason?.includes(
        'needs its token again: check the address and run `/server edit server:PlexMain token:<token>`',
      ),
      down.statusReason ?? '',
    );
    const alert = discord
      .messagesIn(ALERTS.id)
      .map((m) => JSON.stringify(m))
      .join('\n');
    assert.ok(
      alert.includes('/server edit server:PlexMain token:<token>'),
      'the down alert says what to run',
    );
    assert.ok(
      text(await admin('server', 'test', { name: 'PlexMain' })).includes(
        '/server edit server:PlexMain token:<token>',
      ),
    );
    const link = text(
      await discord.invoke({ user: ALICE.id, command: 'link', options: { server: 'PlexMain' } }),
    );
    replies.push(link);
    assert.ok(link.includes('/server edit server:PlexMain token:<token>'), link);

    // Moving the unreadable token to another address is refused: it asks for the token.
    const unchanged = await row('PlexMain');
    assert.match(
      await edit({ server: 'PlexMain', url: plex.url }),
      /stored token of \*\*PlexMain\*\* cannot be read.*give the token too.*Nothing was changed/s,
    );
    assert.deepEqual(await row('PlexMain'), unchanged);

    const fixed = await admin('server', 'edit', { server: 'PlexMain', token: PLEX_TOKEN });
    ephemeral(fixed);
    assert.match(text(fixed), /Updated: PlexMain/);
    assert.match(text(fixed), /Token: replaced/);
    assert.match(text(fixed), /linked accounts, download switches and history are kept/);
    assert.match(text(fixed), /shows as down until the next check/);
    const stored = await row('PlexMain');
    assert.equal(stored.url, plexAgain.url);
    assert.match(stored.tokenEncrypted, /^v2:/);
    assert.notEqual(stored.tokenEncrypted, unchanged.tokenEncrypted);
    assert.ok(!stored.tokenEncrypted.includes(PLEX_TOKEN));

    await runNow();
    assert.equal((await row('PlexMain')).status, 'up');
    assert.ok(plex.terminations.length > 0, 'the streams over the cap are stopped again');
    assert.deepEqual(await linkOf(bot.bot.ctx.db, ALICE.id, 'PlexMain'), {
      accountName: alicePlex.title,
      accountId: String(alicePlex.id),
    });
    plex.setSessions([]);
    await runNow();
  });

  test('a new address of the same server keeps the stored token, the links and the history', async () => {
    const before = await row('PlexMain');
    const reply = text(await admin('server', 'edit', { server: 'PlexMain', url: `${plex.url}/` }));
    assert.match(reply, /Address: .* → \*\*http:\/\/127\.0\.0\.1:\d+\*\*/);
    assert.match(reply, /What works/);
    const moved = await row('PlexMain');
    assert.equal(moved.url, plex.url, 'normalised like /server add');
    assert.equal(moved.id, before.id);
    assert.notEqual(moved.tokenEncrypted, before.tokenEncrypted, 're-encrypted for the new address');
    const reads = plex.requests.length;
    await runNow();
    assert.ok(plex.requests.length > reads, 'read at the new address with the stored token');
    assert.equal((await row('PlexMain')).status, 'up');
    assert.ok(await linkOf(bot.bot.ctx.db, ALICE.id, 'PlexMain'), 'the link stays');

    // Jellyfin: another port of the same server (same server Id), and a rename in the same command.
    assert.match(
      await edit({ server: 'Jelly', url: jellyAgain.url, name: 'Jelly 4K' }),
      /Name: Jelly → \*\*Jelly 4K\*\*/,
    );
    assert.equal((await row('Jelly 4K')).url, jellyAgain.url);
    await runNow();
    assert.equal((await row('Jelly 4K')).status, 'up');
    // A rename alone needs no connection.
    const requests = jelly.requests.length;
    assert.match(await edit({ server: 'jelly 4k', name: 'Jelly' }), /Server \*\*Jelly\*\* updated/);
    assert.equal(jelly.requests.length, requests);

    const audit = await edits();
    assert.ok(
      audit.some((a) => a.target === 'server:PlexMain' && JSON.stringify(a.after).includes(plex.url)),
    );
    assert.ok(audit.some((a) => a.target === 'server:Jelly 4K'));
  });

  test('an address answering as another server is refused unless confirmed', async () => {
    const before = await row('PlexMain');
    const refused = await admin('server', 'edit', { server: 'PlexMain', url: otherPlex.url });
    ephemeral(refused);
    assert.match(
      text(refused),
      /is another Plex server \(“Neighbour”\), not the one “PlexMain” was added as.*confirm-new-server:true.*Nothing was changed/s,
    );
    assert.deepEqual(await row('PlexMain'), before);

    const jellyBefore = await row('Jelly');
    assert.match(
      await edit({ server: 'Jelly', url: strangerJelly.url, token: STRANGER_TOKEN }),
      /is another Jellyfin server.*confirm-new-server:true/s,
    );
    assert.deepEqual(await row('Jelly'), jellyBefore);

    // Confirmed: the server moves, its links with it.
    assert.match(
      await edit({ server: 'PlexMain', url: otherPlex.url, 'confirm-new-server': true }),
      /Updated: PlexMain/,
    );
    const moved = await row('PlexMain');
    assert.equal(moved.url, otherPlex.url);
    assert.equal(moved.remoteId, otherPlex.machineIdentifier);
    assert.ok(await linkOf(bot.bot.ctx.db, ALICE.id, 'PlexMain'));
    // Back to the first one: that is another server now, so it needs the confirmation too.
    assert.match(await edit({ server: 'PlexMain', url: plex.url }), /is another Plex server/);
    assert.match(await edit({ server: 'PlexMain', url: plex.url, 'confirm-new-server': true }), /Updated/);
    assert.equal((await row('PlexMain')).remoteId, plex.machineIdentifier);
  });

  test('the tokens are never in a reply, an audit entry or a log line', async () => {
    assert.ok(logLines.length > 0, 'the log was captured');
    assert.ok(
      logLines.some((l) => l.includes('PlexMain')),
      'the log mentions the server',
    );
    const audit = JSON.stringify(await bot.bot.ctx.db.select().from(auditLog));
    for (const token of [PLEX_TOKEN, JELLY_TOKEN, STRANGER_TOKEN, 'wrong-token-0000']) {
      for (const reply of replies) assert.ok(!reply.includes(token), `a reply shows ${token}`);
      for (const line of logLines) assert.ok(!line.includes(token), `a log line shows ${token}: ${line}`);
      assert.ok(!audit.includes(token), `the audit log shows ${token}`);
    }
    assert.ok(JSON.stringify(await edits()).includes('"token":"replaced"'));
  });
});

/** Waits for a condition the bot reaches on its own (a socket opening or closing), not for a fixed time. */
async function until(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('/server edit and the push socket', () => {
  let discord: DiscordDouble;
  let plex: PlexDouble;
  let plexAgain: PortForward;
  let second: PlexDouble;
  let bot: TestBot;
  const { admin } = adminSession(() => discord, ADMIN.id);
  const accepted = () => plex.push.upgrades.filter((u) => u.accepted).length;

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN] });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'Pushy' });
    plexAgain = await forwardPort(plex.url);
    second = await startPlexDouble({
      token: 'plex-token-second-9a8b7c6d',
      friendlyName: 'Second',
      machineIdentifier: '11223344556677889900aabbccddeeff00112233',
    });
    bot = await startTestBot({ discord, config: { push: true } });
    await admin('server', 'add', { platform: 'plex', name: 'Pushy', url: plex.url, token: PLEX_TOKEN });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plexAgain?.stop();
    await plex?.stop();
    await second?.stop();
  });

  test('the socket closes while the token cannot be read, and reopens with the token /server edit gives', async () => {
    await until('the first socket', () => plex.push.connections === 1);
    await bot.bot.ctx.db
      .update(mediaServers)
      .set({ url: plexAgain.url })
      .where(eq(mediaServers.name, 'Pushy'));
    await bot.bot.ctx.syncPush();
    await until('the socket of the repointed row closed', () => plex.push.connections === 0);
    // A server added meanwhile gets its socket: the one without a usable token holds up no other.
    await admin('server', 'add', {
      platform: 'plex',
      name: 'Second',
      url: second.url,
      token: 'plex-token-second-9a8b7c6d',
    });
    await until('the socket of the server added meanwhile', () => second.push.connections === 1);
    const before = accepted();

    assert.match(
      text(await admin('server', 'edit', { server: 'Pushy', token: PLEX_TOKEN })),
      /Updated: Pushy/,
    );
    await until(
      'a socket opened at the new address',
      () => accepted() > before && plex.push.connections === 1,
    );

    const moved = accepted();
    assert.match(text(await admin('server', 'edit', { server: 'Pushy', url: plex.url })), /Updated: Pushy/);
    await until('the socket reopened at the edited address', () => accepted() > moved);
    await until('one socket open', () => plex.push.connections === 1);
  });
});
