// `/server connect`: an admin adds a Plex server by signing in at plex.tv, through the real bot, against the Discord
// double, the plex.tv double (PINs and GET /api/v2/resources) and Plex doubles. The bot waits for the sign-in in the
// background and edits the private reply; the tests wait for that edit with bounded polls, never timed assertions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditLog, mediaServers } from '../../src/db/schema.ts';
import { redact } from '../../src/redact.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import { type PlexDouble, startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';
import { closedPort, until } from '../helpers/wait.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const HELPER = { id: '250000000000000002', username: 'helper' };
const SOLO = { id: 2_000_001, username: 'solo_plex' };
const MANY = { id: 2_000_002, username: 'many_plex' };
const GUEST = { id: 2_000_003, username: 'guest_plex' };
const FAR = { id: 2_000_004, username: 'far_plex' };
const mid = (c: string) => c.repeat(40);

/** The string select of a reply (component type 3), if any. */
function select(reply: InteractionReply) {
  const rows = reply.components as Array<{ components?: Array<Record<string, unknown>> }>;
  const menu = rows.flatMap((row) => row.components ?? []).find((c) => c.type === 3);
  return menu as { custom_id: string; options: Array<{ label: string; value: string }> } | undefined;
}

describe('/server connect', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plexTv: PlexTvDouble;
  let loft: PlexDouble;
  let attic: PlexDouble;
  let cellar: PlexDouble;
  let decoy: PlexDouble;
  let closed: number;
  const db = () => bot.bot.ctx.db;
  const connect = (name: string) =>
    discord.invoke({
      user: ADMIN.id,
      command: 'server',
      subcommand: 'connect',
      options: { name },
      admin: true,
    });
  const newestPin = () => {
    const pin = plexTv.pins.at(-1);
    assert.ok(pin, 'a PIN was created');
    return pin;
  };
  const rows = () => db().select().from(mediaServers);
  const adds = async () => (await db().select().from(auditLog)).filter((a) => a.action === 'server.add');

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, HELPER] });
    [loft, attic, cellar, decoy] = await Promise.all([
      startPlexDouble({ token: 'loft-server-token-01', machineIdentifier: mid('1'), friendlyName: 'Loft' }),
      startPlexDouble({ token: 'attic-server-token-02', machineIdentifier: mid('2'), friendlyName: 'Attic' }),
      startPlexDouble({
        token: 'cellar-server-token-03',
        machineIdentifier: mid('3'),
        friendlyName: 'Cellar',
      }),
      startPlexDouble({ token: 'attic-server-token-02', machineIdentifier: mid('9'), friendlyName: 'Decoy' }),
    ]);
    closed = await closedPort();
    plexTv = await startPlexTvDouble({
      resources: [
        {
          name: 'Loft',
          clientIdentifier: mid('1'),
          ownerId: SOLO.id,
          accessToken: loft.token,
          connections: [{ uri: loft.url, local: true }],
        },
        {
          name: 'Attic',
          clientIdentifier: mid('2'),
          ownerId: MANY.id,
          accessToken: attic.token,
          // Listed relay first: it is tried last. A stale LAN address where another server (same token) answers
          // comes before the right one: only the machine identifier tells them apart.
          connections: [
            { uri: cellar.url, relay: true },
            { uri: decoy.url, local: true },
            { uri: `https://127.0.0.1:${closed}`, local: true },
            { uri: attic.url, local: true },
          ],
        },
        {
          name: 'Cellar',
          clientIdentifier: mid('3'),
          ownerId: MANY.id,
          accessToken: cellar.token,
          connections: [{ uri: cellar.url, local: true }],
        },
        {
          name: 'Chrome',
          clientIdentifier: 'web-player-1',
          ownerId: MANY.id,
          accessToken: 'player-token-1',
          provides: 'client,player',
          connections: [],
        },
        // Shared with MANY and GUEST by someone else: never offered.
        {
          name: 'Friend PMS',
          clientIdentifier: mid('4'),
          ownerId: 3_000_001,
          sharedWith: [MANY.id, GUEST.id],
          accessToken: 'friend-token-04',
          connections: [{ uri: loft.url }],
        },
        {
          name: 'Shed',
          clientIdentifier: mid('5'),
          ownerId: FAR.id,
          accessToken: 'shed-token-05',
          connections: [
            { uri: `http://127.0.0.1:${closed}`, local: true },
            { uri: `https://127.0.0.1:${closed}` },
          ],
        },
      ],
    });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url }, selfLinkPollMs: 20 });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plexTv?.stop();
    for (const plex of [loft, attic, cellar, decoy]) await plex?.stop();
  });

  test('one owned server: signed in, reached, added with its own token; the account token is signed out', async () => {
    const reply = await connect('Upstairs');
    assert.equal(reply.ephemeral, true);
    const pin = newestPin();
    assert.equal(pin.strong, true);
    assert.equal(pin.product, 'Streamwarden (server connect by owner)');
    assert.match(text(reply), new RegExp(pin.code));
    assert.equal((await rows()).length, 0, 'nothing is stored before the sign-in');

    const accountToken = plexTv.approvePin(pin.code, SOLO);
    await until('the reply shows the server', () => /Connected: Upstairs/.test(text(reply)));
    assert.match(text(reply), /Signed in as \*\*solo\\_plex\*\*/);
    assert.match(text(reply), /What works/);
    assert.deepEqual(reply.components, [], 'the sign-in button is gone');
    const [row] = await rows();
    assert.equal(row?.name, 'Upstairs');
    assert.equal(row?.url, loft.url);
    assert.equal(row?.remoteId, mid('1'));
    const stored = bot.bot.ctx.media.decryptSecret(row?.tokenEncrypted ?? '', {
      serverId: row?.id ?? 0,
      url: loft.url,
    });
    assert.equal(stored, loft.token, "the server's own token is stored, not the account's");
    assert.equal(redact(`token ${loft.token}`), 'token [redacted]', 'the stored token stays redacted');

    // The account token: read the account and the resources, then signed out; never sent to Discord or a server.
    assert.deepEqual(
      plexTv.requests.filter((r) => r.token === accountToken).map((r) => `${r.method} ${r.path}`),
      ['GET /api/v2/user', 'GET /api/v2/resources', 'DELETE /api/v2/users/signout'],
    );
    assert.equal(plexTv.tokenValid(accountToken), false);
    assert.ok(!JSON.stringify(discord.requests).includes(accountToken));
    assert.ok(!JSON.stringify(discord.requests).includes(loft.token));
    assert.ok(!JSON.stringify(await db().select().from(auditLog)).includes(accountToken));
    const [audit] = await adds();
    assert.equal(audit?.actorDiscordId, ADMIN.id);
    assert.deepEqual(audit?.after, {
      name: 'Upstairs',
      platform: 'plex',
      url: loft.url,
      version: '1.40.2.8395-c67dce28e',
      via: 'plex-sign-in',
    });
  });

  test('several owned servers: the admin picks one; addresses are tried local first, relay last', async () => {
    const reply = await connect('Top');
    plexTv.approvePin(newestPin().code, MANY);
    await until('the select menu', () => select(reply) !== undefined);
    const menu = select(reply);
    assert.deepEqual(
      menu?.options.map((o) => [o.label, o.value]),
      [
        ['Attic', mid('2')],
        ['Cellar', mid('3')],
      ],
      'only the servers the account owns (no player, no shared server)',
    );
    assert.equal((await rows()).length, 1, 'nothing is stored before the pick');
    const picked = await discord.click({
      user: ADMIN.id,
      messageId: reply.messageId ?? '',
      customId: menu?.custom_id ?? '',
      values: [mid('2')],
      admin: true,
    });
    assert.equal((picked.raw.at(-1) as { type: number }).type, 7, 'the pick updates the message');
    await until('the reply shows the server', () => /Connected: Top/.test(text(reply)));
    const row = (await rows()).find((r) => r.name === 'Top');
    assert.equal(row?.url, attic.url, 'the first address that answered as this server');
    assert.match(text(reply), new RegExp(`https://127\\.0\\.0\\.1:${closed} \\(could not connect\\)`));
    assert.match(
      text(reply),
      new RegExp(`${decoy.url.replace(/\./g, '\\.')} \\(another server answered there\\)`),
    );
    assert.equal(cellar.requests.length, 0, 'the relay was never needed');
    // The token of the server not picked is forgotten by the redactor once the sign-in ends; the picked one is kept.
    await until('the sign-in ends', () => redact(cellar.token) === cellar.token);
    assert.equal(redact(attic.token), '[redacted]');
    assert.ok(!text(reply).includes(attic.token));
  });

  test('a server already added (same machine identifier) is refused and nothing changes', async () => {
    const before = { rows: (await rows()).length, adds: (await adds()).length };
    const reply = await connect('Again');
    plexTv.approvePin(newestPin().code, MANY);
    await until('the select menu', () => select(reply) !== undefined);
    // Someone else replaying the pick (Discord would not even show them this private reply) is refused.
    const replayed = await discord.click({
      user: HELPER.id,
      messageId: reply.messageId ?? '',
      customId: select(reply)?.custom_id ?? '',
      values: [mid('3')],
      evenIfHidden: true,
    });
    assert.match(text(replayed), /Only the admin who ran `\/server connect` can pick/);
    assert.ok(select(reply), 'the menu is still there for the admin');
    await discord.click({
      user: ADMIN.id,
      messageId: reply.messageId ?? '',
      customId: select(reply)?.custom_id ?? '',
      values: [mid('2')],
      admin: true,
    });
    await until('the refusal', () => /already added/.test(text(reply)));
    assert.match(text(reply), /\*\*Attic\*\* is already added as “Top”. Nothing was changed/);
    assert.deepEqual({ rows: (await rows()).length, adds: (await adds()).length }, before);
  });

  test('an account that owns no server is told so; nothing is added', async () => {
    const reply = await connect('Borrowed');
    const accountToken = plexTv.approvePin(newestPin().code, GUEST);
    await until('the refusal', () => /owns no Plex Media Server/.test(text(reply)));
    assert.match(text(reply), /\*\*guest\\_plex\*\*, which owns no Plex Media Server \(1 shared with it/);
    assert.equal(plexTv.tokenValid(accountToken), false, 'signed out all the same');
    assert.equal(
      (await rows()).find((r) => r.name === 'Borrowed'),
      undefined,
    );
  });

  test('no address answers: each one tried is named, and /server add is suggested', async () => {
    const reply = await connect('Garden');
    plexTv.approvePin(newestPin().code, FAR);
    await until('the refusal', () => /could not reach/.test(text(reply)));
    assert.match(text(reply), new RegExp(`http://127\\.0\\.0\\.1:${closed}: could not connect`));
    assert.match(text(reply), new RegExp(`https://127\\.0\\.0\\.1:${closed}: could not connect`));
    assert.match(text(reply), /Nothing was added.*`\/server add`/s);
    assert.ok(!text(reply).includes('shed-token-05'));
    assert.equal(
      (await rows()).find((r) => r.name === 'Garden'),
      undefined,
    );
  });

  test('plex.tv fails to list the servers: nothing is added, and the account is signed out all the same', async () => {
    plexTv.brokenRoutes.add('/api/v2/resources');
    try {
      const reply = await connect('Broken');
      const accountToken = plexTv.approvePin(newestPin().code, SOLO);
      await until('the refusal', () => /did not list the servers/.test(text(reply)));
      assert.equal(plexTv.tokenValid(accountToken), false);
      assert.equal(
        (await rows()).find((r) => r.name === 'Broken'),
        undefined,
      );
    } finally {
      plexTv.brokenRoutes.delete('/api/v2/resources');
    }
  });

  test('an expired sign-in: nothing is added, and the admin is told to start over', async () => {
    const reply = await connect('Late');
    plexTv.expirePin(newestPin().code);
    await until('the refusal', () => /expired/.test(text(reply)));
    assert.match(text(reply), /Run `\/server connect` again/);
    assert.equal(
      (await rows()).find((r) => r.name === 'Late'),
      undefined,
    );
  });

  test('a name already used is refused before any sign-in starts', async () => {
    const pins = plexTv.pins.length;
    const reply = await connect('upstairs');
    assert.match(text(reply), /A server named “Upstairs” already exists/);
    assert.equal(plexTv.pins.length, pins, 'no PIN was created');
  });

  test('a restart while waiting for the sign-in: the admin is told, nothing is added', async () => {
    const reply = await connect('Interrupted');
    await until('the sign-in link', () => /Sign in with Plex/.test(JSON.stringify(reply.components)));
    await bot.restart();
    await until('the reply says so', () => /restarted/.test(text(reply)));
    assert.match(text(reply), /nothing was added/);
    assert.deepEqual(reply.components, []);
    assert.equal(
      (await rows()).find((r) => r.name === 'Interrupted'),
      undefined,
    );
  });
});
