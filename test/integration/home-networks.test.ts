// Home networks through the real bot on Plex, Jellyfin and Emby: a member at a cap of 1 streams twice, once from
// the server's own network and once from outside; with `home-streams: free` nothing is stopped and /quota says the
// stream at home did not count; from outside twice, the usual stop.
//
// The address the bot reads is what the servers send: Plex `Player.address` in `/status/sessions` (python-plexapi
// `PlexClient.address`; on a dual-stack server an IPv4-mapped IPv6 address, which Tautulli's activity handler splits
// on '::ffff:'), Jellyfin and Emby `SessionInfo.RemoteEndPoint` on `GET /Sessions` (@jellyfin/sdk
// `SessionInfoDto.RemoteEndPoint`; Emby OpenAPI `Session.SessionInfo.RemoteEndPoint`, emby-schema.ts). The Plex
// double also sends `Player.local="1"` on every session, the outside ones included (python-plexapi
// `PlexClient.local`): the bot does not read it, so the outside streams below are still stopped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asc, eq, like } from 'drizzle-orm';
import { auditLog, mediaServers, type Plan } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startEmbyDouble } from '../doubles/emby.ts';
import { startJellyfinDouble } from '../doubles/jellyfin.ts';
import type { SessionSpec } from '../doubles/mediabrowser-server.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminSession, refusalCheck, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const DANA = { id: '230000000000000002', username: 'dana' };
const danaPlex = { id: 7301, title: 'dana_plex' };
const DANA_JF = { id: 'da7a0000000000000000000000000021', name: 'dana' };
const DANA_EMBY = { id: '61', name: 'dana' };

/** A Jellyfin/Emby movie session of Dana's from `ip` (written verbatim to RemoteEndPoint). */
const mbSession = (user: { id: string; name: string }, n: number, ip: string): SessionSpec => ({
  user,
  device: `Player ${n}`,
  client: 'Web',
  deviceId: `mb-device-${n}`,
  ip,
  item: { name: `Movie ${n}`, type: 'Movie' },
});

describe('home networks', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let jellyfin: Awaited<ReturnType<typeof startJellyfinDouble>>;
  let emby: Awaited<ReturnType<typeof startEmbyDouble>>;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const quota = async () => text(await discord.invoke({ user: DANA.id, command: 'quota' }));
  const clearAll = async () => {
    plex.setSessions([]);
    jellyfin.setSessions([]);
    emby.setSessions([]);
    await runNow(); // ends any episode of the test before
    discord.clearRecords();
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, DANA],
      channels: [{ id: '330000000000000001', name: 'general' }],
    });
    plex = await startPlexDouble({ token: 'plex-token-hhhh1111', premium: true, friendlyName: 'PlexHome' });
    plex.setAccounts([{ id: danaPlex.id, name: danaPlex.title }]);
    jellyfin = await startJellyfinDouble({ token: 'jf-key-hhhh2222iiii', users: [DANA_JF] });
    emby = await startEmbyDouble({ token: 'emby-key-hhhh3333', users: [DANA_EMBY] });
    bot = await startTestBot({ discord });
    await admin('server', 'add', { platform: 'plex', name: 'PlexHome', url: plex.url, token: plex.token });
    await admin('server', 'add', {
      platform: 'jellyfin',
      name: 'Jelly',
      url: jellyfin.url,
      token: 'jf-key-hhhh2222iiii',
    });
    await admin('server', 'add', {
      platform: 'emby',
      name: 'Emby',
      url: emby.url,
      token: 'emby-key-hhhh3333',
    });
    const created = await admin('plan', 'create', {
      name: 'HomeFree',
      'stream-cap': 1,
      downloads: false,
      'home-streams': 'free',
    });
    assert.match(text(created), /streams at home: not counted/);
    for (const server of ['PlexHome', 'Jelly', 'Emby'])
      await admin('user', 'link', {
        member: DANA.id,
        server,
        account: server === 'PlexHome' ? danaPlex.title : 'dana',
      });
    await admin('user', 'plan', { member: DANA.id, plan: 'HomeFree' });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    for (const d of [plex, jellyfin, emby]) await d?.stop();
  });

  test('/server networks stores the list the canonical way, audited; /server list and /plan list show it', async () => {
    const set = await admin('server', 'networks', { server: 'PlexHome', networks: '192.168.1.0/24' });
    assert.match(text(set), /PlexHome.*`192\.168\.1\.0\/24`/s);
    await admin('server', 'networks', { server: 'Jelly', networks: '192.168.1.0/24, 2001:0DB8:0001::/48' });
    await admin('server', 'networks', { server: 'Emby', networks: '192.168.1.0/24 10.20.0.0/16' });
    const shown = await admin('server', 'networks', { server: 'Jelly' });
    assert.match(text(shown), /`192\.168\.1\.0\/24`, `2001:db8:1::\/48`/);
    const list = text(await admin('server', 'list'));
    assert.match(list, /PlexHome[\s\S]*Home networks \(`\/server networks`\): `192\.168\.1\.0\/24`/);
    assert.match(list, /Emby[\s\S]*`192\.168\.1\.0\/24`, `10\.20\.0\.0\/16`/);
    assert.match(text(await admin('plan', 'list')), /Streams at home: not counted/);
    assert.match(await quota(), /Streams at home\nStreams from the server’s own network do not count/);
    const { db } = bot.bot.ctx;
    const audits = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'server.networks'))
      .orderBy(asc(auditLog.id));
    assert.deepEqual(
      audits.map((a) => [a.target, a.before, a.after]),
      [
        ['server:PlexHome', { networks: [] }, { networks: ['192.168.1.0/24'] }],
        ['server:Jelly', { networks: [] }, { networks: ['192.168.1.0/24', '2001:db8:1::/48'] }],
        ['server:Emby', { networks: [] }, { networks: ['192.168.1.0/24', '10.20.0.0/16'] }],
      ],
      'showing the list is not a change',
    );
  });

  test('a list that does not read is refused privately, saying what to do, and nothing changes', async () => {
    const { db } = bot.bot.ctx;
    const refused = refusalCheck(async () => ({
      networks: (await db.select().from(mediaServers).orderBy(asc(mediaServers.id))).map(
        (s) => s.homeNetworks,
      ),
      audits: (await db.select().from(auditLog).where(like(auditLog.action, 'server.%'))).length,
    }));
    const networks = (value: string) => () =>
      admin('server', 'networks', { server: 'PlexHome', networks: value });
    await refused(
      networks('192.168.1.0/33'),
      /prefix length after `\/` must be a number from 1 to 32.*CIDR/s,
    );
    await refused(networks('2001:db8::/129'), /from 1 to 128/);
    await refused(networks('192.168.1.0/24, 192.168.2'), /“192\.168\.2” is not an IPv4 or IPv6 network/);
    await refused(networks('lan'), /“lan” is not an IPv4 or IPv6 network/);
    await refused(networks('0.0.0.0/0'), /would take in every address/);
    // Member-controlled text never pings: the echo is defused with a zero-width space (and mentions are off).
    await refused(networks('@everyone'), /“@\u200beveryone” is not an IPv4 or IPv6 network/);
    await refused(
      networks(Array.from({ length: 17 }, (_, i) => `10.${i}.0.0/16`).join(',')),
      /at most 16 networks/,
    );
    await refused(
      () => admin('server', 'networks', { server: 'PlexHome', networks: '10.0.0.0/8', clear: true }),
      /either `networks`.*or `clear: True`/,
    );
    await refused(
      () => admin('server', 'networks', { server: 'Nowhere', networks: '10.0.0.0/8' }),
      /no server named “Nowhere”/,
    );
  });

  test('Plex: one stream at home (IPv4-mapped address) and one outside: nothing stopped, /quota says so', async () => {
    await clearAll();
    plex.setSessions([playingMovie(danaPlex, 11, '::ffff:192.168.1.'), playingMovie(danaPlex, 12)]);
    const report = await runNow();
    assert.doesNotMatch(report, /Over the stream cap/);
    assert.equal(plex.terminations.length, 0);
    assert.equal(discord.dmsTo(DANA.id).length, 0);
    assert.match(
      await quota(),
      /1 of 1 at once\n\(as of .*\)\n\+1 at home \(from the server’s own network\), not counted/,
    );
  });

  test('Plex: both from outside: the usual stop', async () => {
    plex.setSessions([playingMovie(danaPlex, 13), playingMovie(danaPlex, 14, '198.51.100.')]);
    assert.match(await runNow(), /Over the stream cap: dana, 2 of 1/);
    assert.deepEqual(plex.terminations.map((t) => t.sessionId).length, 2);
    assert.doesNotMatch(await quota(), /\+\d+ at home/);
  });

  test('Jellyfin: at home over IPv6, then both from outside', async () => {
    await clearAll();
    jellyfin.setSessions([
      mbSession(DANA_JF, 21, '2001:db8:1:7::20'),
      mbSession(DANA_JF, 22, '203.0.113.22'),
    ]);
    assert.doesNotMatch(await runNow(), /Over the stream cap/);
    assert.equal(jellyfin.playstateCommands.length, 0);
    assert.match(await quota(), /1 of 1 at once[\s\S]*\+1 at home/);
    jellyfin.setSessions([
      mbSession(DANA_JF, 23, '2001:db8:2::20'), // the next /48: outside
      mbSession(DANA_JF, 24, '203.0.113.24'),
    ]);
    assert.match(await runNow(), /Over the stream cap: dana, 2 of 1/);
    assert.deepEqual(
      jellyfin.playstateCommands.map((c) => c.command),
      ['Stop', 'Stop'],
    );
  });

  test('Emby: at home (an address with its port, as RemoteEndPoint may carry it), then both from outside', async () => {
    await clearAll();
    emby.setSessions([mbSession(DANA_EMBY, 31, '10.20.3.4:51234'), mbSession(DANA_EMBY, 32, '203.0.113.32')]);
    assert.doesNotMatch(await runNow(), /Over the stream cap/);
    assert.equal(emby.playstateCommands.length, 0);
    assert.match(await quota(), /1 of 1 at once[\s\S]*\+1 at home/);
    emby.setSessions([mbSession(DANA_EMBY, 33, '10.21.3.4'), mbSession(DANA_EMBY, 34, '203.0.113.34')]);
    assert.match(await runNow(), /Over the stream cap: dana, 2 of 1/);
    assert.deepEqual(
      emby.playstateCommands.map((c) => c.command),
      ['Stop', 'Stop'],
    );
  });

  test('home-streams count (the default): the stream at home counts again; audited', async () => {
    await clearAll();
    const edited = await admin('plan', 'edit', { name: 'HomeFree', 'home-streams': 'count' });
    assert.match(text(edited), /streams at home: counted like any other/);
    const before = plex.terminations.length;
    plex.setSessions([playingMovie(danaPlex, 41, '192.168.1.'), playingMovie(danaPlex, 42)]);
    assert.match(await runNow(), /Over the stream cap: dana, 2 of 1/);
    assert.equal(plex.terminations.length, before + 2);
    const edits = await bot.bot.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'plan.edit'));
    assert.deepEqual(
      edits.map((e) => [e.before, e.after].map((p) => (p as Plan).homeStreams)),
      [['free', 'count']],
    );
    await admin('plan', 'edit', { name: 'HomeFree', 'home-streams': 'free' });
  });

  test('clearing a server’s networks makes its streams at home count', async () => {
    await clearAll();
    const cleared = await admin('server', 'networks', { server: 'PlexHome', clear: true });
    assert.match(text(cleared), /Home networks \(`\/server networks`\): none/);
    assert.match(
      text(await admin('server', 'list')),
      /PlexHome[^\n]*\n(?:Logging|Limits)[^\n]*\n(?:Limits[^\n]*\n)?Home networks[^\n]*: none/,
    );
    const before = plex.terminations.length;
    plex.setSessions([playingMovie(danaPlex, 51, '192.168.1.'), playingMovie(danaPlex, 52)]);
    assert.match(await runNow(), /Over the stream cap: dana, 2 of 1/);
    assert.equal(plex.terminations.length, before + 2);
  });
});
