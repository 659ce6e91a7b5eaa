// Members read the bot in their Discord language: /quota, /link and their refusals follow the interaction's
// `locale`; the warning DM, its "Stop this one" buttons and the breach DM follow the language the member last used
// a command in (stored on the member). An admin whose Discord is in English sees English.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { members } from '../../src/db/schema.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import type { RecordedMessage } from '../doubles/discord/types.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '250000000000000001', username: 'owner' };
const ANNA = { id: '250000000000000002', username: 'anna' };
const CLAIRE = { id: '250000000000000003', username: 'claire' };
const BRUNO = { id: '250000000000000004', username: 'bruno' };
const PLEX_TOKEN = 'plex-owner-token-lang-1';
const OWNER_PLEX = { id: 1_000_001, username: 'owner_plex' };
const ANNA_PLEX = { id: 7001, username: 'anna_plex' };
const MINUTE = 60_000;

const session = (n: number): PlexSessionSpec => ({
  user: { id: ANNA_PLEX.id, title: ANNA_PLEX.username },
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

interface Button {
  label: string;
  custom_id: string;
  url?: string;
}
const buttons = (m: RecordedMessage | InteractionReply | undefined): Button[] =>
  ((m?.components ?? []) as Array<{ components: Button[] }>).flatMap((row) => row.components);

describe('members read the bot in their language', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: PlexTvDouble;
  let bot: TestBot;
  const admin = (command: string, subcommand: string, options: Record<string, string | number | boolean>) =>
    discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
  const cycle = () => bot.bot.ctx.runCycleNow();
  const stored = async (id: string) =>
    (await bot.bot.ctx.db.select().from(members).where(eq(members.discordUserId, id)))[0];

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ANNA, CLAIRE, BRUNO] });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'Plex', premium: true });
    plex.setAccounts([
      { id: 1, name: 'owner_plex' },
      { id: ANNA_PLEX.id, name: ANNA_PLEX.username },
      { id: 7002, name: 'claire_plex' },
      { id: 7003, name: 'bruno_plex' },
    ]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      owner: OWNER_PLEX,
      friends: [{ ...ANNA_PLEX, servers: [{ machineIdentifier: plex.machineIdentifier }] }],
    });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url }, selfLinkPollMs: 20 });
    await admin('server', 'add', { platform: 'plex', name: 'Plex', url: plex.url, token: PLEX_TOKEN });
    await admin('plan', 'create', { name: 'Family', 'stream-cap': 1, downloads: false, stop: 'newest' });
    await admin('user', 'link', { member: CLAIRE.id, server: 'Plex', account: 'claire_plex' });
    await admin('user', 'plan', { member: CLAIRE.id, plan: 'Family' });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
  });

  test('/quota and /link answer in German for a member whose Discord is in German', async () => {
    const unlinked = text(await discord.invoke({ user: ANNA.id, command: 'quota', locale: 'de' }));
    assert.match(unlinked, /Dein Stand/);
    assert.match(unlinked, /Du bist noch mit keinem Medienkonto verknüpft/);
    assert.match(unlinked, /`\/verknüpfen` \(das geht auf \*\*Plex\*\*\)/);

    const refused = await discord.invoke({
      user: ANNA.id,
      command: 'link',
      options: { server: 'Attic' },
      locale: 'de',
    });
    assert.match(text(refused), /Nicht erledigt/);
    assert.match(text(refused), /Es gibt keinen Server namens/);

    const reply = await discord.invoke({
      user: ANNA.id,
      command: 'link',
      options: { server: 'Plex' },
      locale: 'de',
    });
    assert.match(text(reply), /Verknüpfe dein Plex-Konto auf Plex/);
    assert.match(text(reply), /Der Code läuft <t:\d+:R> ab/);
    assert.equal(buttons(reply)[0]?.label, 'Mit Plex anmelden');
    const pin = plexTv.pins.at(-1);
    assert.ok(pin);
    plexTv.approvePin(pin.code, ANNA_PLEX);
    await until('the reply shows the link', () => /Du bist jetzt mit/.test(text(reply)));
    assert.match(text(reply), /Du bist jetzt mit \*\*anna\\_plex\*\* auf \*\*Plex\*\* verknüpft/);
    assert.match(text(reply), /Erledigt/);
    await admin('user', 'plan', { member: ANNA.id, plan: 'Family' });

    const standing = text(await discord.invoke({ user: ANNA.id, command: 'quota', locale: 'de' }));
    assert.match(standing, /Dein Stand/);
    assert.match(standing, /Tarif/);
    assert.match(standing, /bis zu 1 gleichzeitig/);
    assert.equal((await stored(ANNA.id))?.locale, 'de', 'her language is kept for DMs');
  });

  test('French for a member in French, with the plural of the history title', async () => {
    const standing = text(await discord.invoke({ user: CLAIRE.id, command: 'quota', locale: 'fr' }));
    assert.match(standing, /Votre situation/);
    assert.match(standing, /Offre/);
    const history = text(await discord.invoke({ user: CLAIRE.id, command: 'history', locale: 'fr' }));
    assert.match(history, /Historique : les 8 dernières semaines/);
    assert.match(history, /cette semaine/);
  });

  test('the breach DM is in the member’s stored language', async () => {
    plex.setSessions([session(1), session(2)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    assert.equal(plex.terminations.length, 1, 'the newest stream is stopped');
    const dm = discord.dmsTo(ANNA.id).at(-1);
    assert.ok(dm, 'a DM');
    assert.match(text(dm), /Zu viele Streams gleichzeitig/);
    assert.match(text(dm), /Hallo anna, dein Tarif \(Family\) erlaubt so viele Streams gleichzeitig: 1\./);
    assert.match(text(dm), /Was du tun kannst/);
    assert.match(text(dm), /• \*\*Plex\*\* · Device 1 · “Movie 1” · läuft · gestartet <t:\d+:R>/);
    assert.doesNotMatch(text(dm), /Too many streams|What you can do|playing/);
    plex.setSessions([]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    plex.terminations.length = 0;
    bot.clock.advance(10 * MINUTE);
  });

  test('the grace warning and its "Stop this one" buttons are in German, before and after a click', async () => {
    await admin('plan', 'edit', { name: 'Family', grace: 120 });
    const before = discord.dmsTo(ANNA.id).length;
    plex.setSessions([session(3), session(4)]);
    await cycle();
    const warning = discord.dmsTo(ANNA.id).at(-1);
    assert.equal(discord.dmsTo(ANNA.id).length, before + 1);
    assert.ok(warning);
    assert.match(text(warning), /Zu viele Streams: Bitte beende einen/);
    assert.match(text(warning), /Entscheide bis/);
    assert.deepEqual(
      buttons(warning).map((b) => b.label),
      ['Diesen beenden: 1. Device 3', 'Diesen beenden: 2. Device 4'],
    );
    // Claire replays Anna's button from a client in French: refused in her language, nothing stopped.
    const stranger = await discord.click({
      user: CLAIRE.id,
      messageId: warning.id,
      customId: buttons(warning)[1]!.custom_id,
      evenIfHidden: true,
      locale: 'fr',
    });
    assert.match(text(stranger), /Seul le membre qui a reçu cet avertissement/);
    assert.equal(plex.terminations.length, 0);

    const clicked = await discord.click({
      user: ANNA.id,
      messageId: warning.id,
      customId: buttons(warning)[1]!.custom_id,
      locale: 'de',
    });
    assert.equal(plex.terminations.length, 1, 'the chosen stream is stopped');
    assert.match(text(clicked), /Zu viele Streams: Bitte beende einen/, 'the warning stays German');
    assert.equal(buttons(clicked)[0]?.label, 'Diesen beenden: 1. Device 3');
    assert.match(text(clicked), /2\. \*\*Plex\*\* · Device 4 .*· \*\*(beendet|Beenden angefordert)\*\*/);
  });

  test('an admin whose Discord is in English sees English, also about a German member', async () => {
    const reply = text(
      await discord.invoke({
        user: ADMIN.id,
        command: 'quota',
        options: { member: ANNA.id },
        admin: true,
        locale: 'en-US',
      }),
    );
    assert.match(reply, /Standing of anna/);
    assert.match(reply, /Plan/);
    assert.doesNotMatch(reply, /Stand von|Tarif/);
  });

  test('a member who never ran a command gets DMs in the server’s language', async () => {
    await admin('plan', 'edit', { name: 'Family', grace: 0 });
    await admin('user', 'link', { member: BRUNO.id, server: 'Plex', account: 'bruno_plex' });
    // Discord sends the server's language with every interaction from it; an admin's command is enough.
    await discord.invoke({
      user: ADMIN.id,
      command: 'user',
      subcommand: 'plan',
      options: { member: BRUNO.id, plan: 'Family' },
      admin: true,
      guildLocale: 'fr',
    });
    assert.equal((await stored(BRUNO.id))?.locale, null);
    const bruno = (n: number): PlexSessionSpec => ({
      ...session(n),
      user: { id: 7003, title: 'bruno_plex' },
    });
    plex.setSessions([bruno(5), bruno(6)]);
    await cycle();
    await bot.bot.ctx.effects.drain();
    const dm = discord.dmsTo(BRUNO.id).at(-1);
    assert.ok(dm, 'a DM');
    assert.match(text(dm), /Trop de streams simultanés/);
    assert.match(text(dm), /Bonjour bruno, votre offre \(Family\)/);
  });
});
