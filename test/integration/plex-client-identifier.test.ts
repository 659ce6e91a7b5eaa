// One Plex client identifier per install: every request the Plex and plex.tv doubles see (the server's reads,
// plex.tv's users and invites, the `/link` PIN sign-in and the push socket's upgrade) carries the same
// X-Plex-Client-Identifier, it is stored in the settings row, and a restart keeps it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { settings } from '../../src/db/schema.ts';
import { installId, loadKey } from '../../src/secrets.ts';
import { getSettings } from '../../src/services/settings.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ALICE = { id: '250000000000000002', username: 'alice' };
const BOB = { id: '250000000000000003', username: 'bob' };
const TOKEN = 'plex-owner-token-client-1';

async function until(what: string, check: () => boolean, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('one Plex client identifier per install', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: Awaited<ReturnType<typeof startPlexTvDouble>>;
  /** Every identifier the doubles saw (null when a request carried none). */
  const seen = () => [
    ...plex.requests.map((r) => r.clientIdentifier),
    ...plexTv.requests.map((r) => r.clientIdentifier),
    ...plex.push.upgrades.map((u) => u.clientIdentifier),
  ];
  /** Drives every kind of call: the server's reads, plex.tv's lists, a PIN sign-in, the push socket. */
  const useEverything = async (member: { id: string }, account: { id: number; username: string }) => {
    // The bot may have opened it already (each test starts with the list empty).
    await until('the push socket is open', () => plex.push.upgrades.some((u) => u.accepted));
    const linked = await discord.invoke({
      user: ADMIN.id,
      command: 'user',
      subcommand: 'link',
      options: { member: member.id, server: 'Main', account: account.username },
      admin: true,
    });
    assert.match(text(linked), /is linked to/);
    const reply = await discord.invoke({ user: member.id, command: 'link', options: { server: 'Main' } });
    const pin = plexTv.pins.at(-1);
    assert.ok(pin);
    plexTv.approvePin(pin.code, account);
    await until('the sign-in finished', () => /You (are|were already) linked/.test(text(reply)));
    await discord.invoke({ user: ADMIN.id, command: 'enforcement', subcommand: 'run-now', admin: true });
  };

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE, BOB] });
    plex = await startPlexDouble({ token: TOKEN, friendlyName: 'Basement PMS' });
    plexTv = await startPlexTvDouble({
      token: TOKEN,
      friends: [
        { id: 7101, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
        { id: 7102, username: 'bob_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    bot = await startTestBot({
      discord,
      config: { plexTvUrl: plexTv.url, push: true },
      selfLinkPollMs: 20,
    });
    const added = await discord.invoke({
      user: ADMIN.id,
      command: 'server',
      subcommand: 'add',
      options: { platform: 'plex', name: 'Main', url: plex.url, token: TOKEN },
      admin: true,
    });
    assert.match(text(added), /Connected: Main/);
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
  });

  test('every Plex, plex.tv and push request carries the identifier stored in the settings', async () => {
    await useEverything(ALICE, { id: 7101, username: 'alice_plex' });
    const stored = (await getSettings(bot.bot.ctx.db)).plexClientIdentifier;
    // The one `/link` sign-ins used before it was stored, so an existing install's authorized app stays the same.
    assert.equal(stored, installId(loadKey(bot.config), 'plex-client-identifier'));
    assert.deepEqual([...new Set(seen())], [stored]);
    // Each kind of call was seen, so the check above covers them all.
    assert.ok(plex.requests.some((r) => r.path === '/status/sessions'));
    assert.ok(plexTv.requests.some((r) => r.path === '/api/users'));
    assert.ok(plexTv.requests.some((r) => r.path === '/api/v2/shared_servers/owned/pending'));
    assert.ok(plexTv.requests.some((r) => r.method === 'POST' && r.path === '/api/v2/pins'));
    assert.ok(plexTv.requests.some((r) => r.path === '/api/v2/users/signout'));
    assert.ok(plex.push.upgrades.some((u) => u.accepted));
  });

  test('a restart keeps the identifier, even with another key derivation at hand', async () => {
    const stored = (await getSettings(bot.bot.ctx.db)).plexClientIdentifier;
    // Stored, it no longer depends on the key: a different stored value is kept as it is.
    await bot.bot.ctx.db.update(settings).set({ plexClientIdentifier: 'streamwarden-kept-across-restarts' });
    plex.requests.length = 0;
    plexTv.requests.length = 0;
    plex.push.upgrades.length = 0;
    await bot.restart();
    await useEverything(BOB, { id: 7102, username: 'bob_plex' });
    assert.notEqual(stored, 'streamwarden-kept-across-restarts');
    assert.equal(
      (await getSettings(bot.bot.ctx.db)).plexClientIdentifier,
      'streamwarden-kept-across-restarts',
    );
    assert.ok(seen().length > 5);
    assert.deepEqual([...new Set(seen())], ['streamwarden-kept-across-restarts']);
  });
});
