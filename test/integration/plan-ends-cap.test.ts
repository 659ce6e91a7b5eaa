// A plan that ends changes what is enforced, through a real stream: a member on Gold (stream cap 2) until a date
// streams twice on Plex and is within the cap; when the day begins (Europe/Berlin) the role sync puts her back on the
// plan her role gives (Supporter, stream cap 1), and the next cycle stops her streams as over the cap. The Plex
// sessions are the Plex double's fixtures (plex-payloads.ts, test/helpers/plex-sessions.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { adminSession, text } from '../helpers/discord.ts';
import { playingMovie } from '../helpers/plex-sessions.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice' };
const alicePlex = { id: 7401, title: 'alice_plex' };

describe('a plan that ends, through a real stream', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  const { admin, runNow } = adminSession(() => discord, ADMIN.id);
  const quota = async () => text(await discord.invoke({ user: ALICE.id, command: 'quota' }));
  const syncAt = async (at: string) => {
    bot.clock.set(at);
    assert.ok(bot.bot.schedule, 'the schedule is built (paused: only fire() runs it)');
    await bot.bot.schedule.fire('role-sync');
  };

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE] });
    const supporter = discord.createRole({ name: 'Supporter' });
    discord.addRole(ALICE.id, supporter.id);
    plex = await startPlexDouble({ token: 'plex-token-eeee5555', premium: true, friendlyName: 'PlexMain' });
    plex.setAccounts([{ id: alicePlex.id, name: alicePlex.title }]);
    // Starts at 2026-11-18T20:00:00Z; 25 November begins at 2026-11-24T23:00:00Z in Berlin.
    bot = await startTestBot({ discord, schedule: 'paused', config: { timezone: 'Europe/Berlin' } });
    await admin('server', 'add', { platform: 'plex', name: 'PlexMain', url: plex.url, token: plex.token });
    await admin('plan', 'create', { name: 'Gold', 'stream-cap': 2, downloads: false });
    await admin('plan', 'create', { name: 'Supporter', 'stream-cap': 1, downloads: false });
    await admin('plan', 'role', { plan: 'Supporter', role: supporter.id });
    await admin('user', 'link', { member: ALICE.id, server: 'PlexMain', account: alicePlex.title });
    assert.match(
      text(await admin('user', 'plan', { member: ALICE.id, plan: 'Gold', until: '2026-11-25' })),
      /now on \*\*Gold\*\*/,
    );
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('within Gold’s cap until the day; then Supporter’s cap of 1 applies to the same two streams', async () => {
    plex.setSessions([playingMovie(alicePlex, 1), playingMovie(alicePlex, 2, '198.51.100.')]);
    assert.doesNotMatch(await runNow(), /Over the stream cap/);
    assert.match(await quota(), /2 of 2 at once/);

    await syncAt('2026-11-24T22:59:00Z'); // the last minute of the 24th in Berlin: still Gold
    assert.doesNotMatch(await runNow(), /Over the stream cap/);
    assert.equal(plex.terminations.length, 0);

    await syncAt('2026-11-24T23:00:00Z');
    assert.match(await quota(), /\*\*Supporter\*\* \(from roles\)/);
    assert.match(await runNow(), /Over the stream cap: alice, 2 of 1/);
    assert.equal(plex.terminations.length, 2);
    for (const t of plex.terminations) assert.match(t.reason ?? '', /your plan \(Supporter\) allows 1/);
  });
});
