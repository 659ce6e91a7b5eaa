// Every DM a member gets is in their language, through the real bot against the Plex and plex.tv doubles: the
// download-allotment DM (with downloads switched off), the paused-stream DM and its on-screen message, and a DM
// from an owner's German template; an English member on the same server keeps the English text. The admins'
// alerts are in the community's language (English, then German once Discord says so); replies to admins are English.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import type { ChartConfiguration } from 'chart.js';
import { postWeeklyReport } from '../../src/act/weekly-report.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '251000000000000001', username: 'owner' };
const ANNA = { id: '251000000000000002', username: 'anna' };
const BOB = { id: '251000000000000003', username: 'bob' };
const ALERTS = { id: '351000000000000001', name: 'alerts' };
const REPORTS = { id: '351000000000000002', name: 'reports' };
const PLEX_TOKEN = 'plex-owner-token-lang-2';
const ANNA_PLEX = { id: 7101, username: 'anna_plex' };
const BOB_PLEX = { id: 7102, username: 'bob_plex' };
const MINUTE = 60_000;

const session = (who: { id: number; username: string }, n: number, state = 'playing'): PlexSessionSpec => ({
  user: { id: who.id, title: who.username },
  player: {
    state,
    device: `Device ${n}`,
    product: 'Plex for Android',
    address: `203.0.113.${n}`,
    machineIdentifier: `dev-${n}`,
    title: `Device ${n}`,
  },
  type: 'movie',
  title: `Movie ${n}`,
  sessionKey: String(200 + n),
});

describe('every member DM in the member’s language', () => {
  let discord: DiscordDouble;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: PlexTvDouble;
  let bot: TestBot;
  const admin = (
    command: string,
    subcommand: string,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true, locale: 'en-US' });
  const runNow = () => admin('enforcement', 'run-now');
  const alerts = () => discord.messagesIn(ALERTS.id).map(text);

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ANNA, BOB],
      channels: [ALERTS, REPORTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'Plex', premium: true });
    plex.setAccounts([
      { id: 1, name: 'owner_plex' },
      { id: ANNA_PLEX.id, name: ANNA_PLEX.username },
      { id: BOB_PLEX.id, name: BOB_PLEX.username },
    ]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      friends: [
        { ...ANNA_PLEX, servers: [{ machineIdentifier: plex.machineIdentifier }] },
        { ...BOB_PLEX, servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    bot = await startTestBot({ discord, now: '2026-11-18T12:00:00Z', config: { plexTvUrl: plexTv.url } });
    await admin('server', 'add', { platform: 'plex', name: 'Plex', url: plex.url, token: PLEX_TOKEN });
    await admin('plan', 'create', {
      name: 'Familie',
      'stream-cap': 1,
      downloads: true,
      'download-allotment': 1,
      'paused-limit': 20,
    });
    for (const [m, account] of [
      [ANNA, ANNA_PLEX],
      [BOB, BOB_PLEX],
    ] as const) {
      await admin('user', 'link', { member: m.id, server: 'Plex', account: account.username });
      await admin('user', 'plan', { member: m.id, plan: 'Familie' });
    }
    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    await admin('enforcement', 'switch-off-downloads', { enabled: true });
    // Each member's language is the one their Discord sent with their last command.
    await discord.invoke({ user: ANNA.id, command: 'quota', locale: 'de' });
    await discord.invoke({ user: BOB.id, command: 'quota', locale: 'en-GB' });
    discord.clearRecords();
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
  });

  test('the download-allotment DM is German, with downloads switched off; the admins’ alert is English', async () => {
    plex.setActivities([
      { uuid: 'dl-1', type: 'media.download', userID: ANNA_PLEX.id, subtitle: 'The Matrix', progress: 35 },
      { uuid: 'dl-2', type: 'media.download', userID: ANNA_PLEX.id, subtitle: 'Arrival', progress: 80 },
    ]);
    await runNow();
    await until('the DM', () => discord.dmsTo(ANNA.id).length === 1);
    const dm = text(discord.dmsTo(ANNA.id)[0]!);
    assert.match(dm, /Download-Kontingent aufgebraucht/);
    assert.match(dm, /Hallo anna, du hast diese Woche 2 von 1 Downloads genutzt \(Tarif Familie\)\./);
    assert.match(dm, /Dein Download-Kontingent setzt sich <t:\d+:R> zurück\./);
    assert.match(dm, /Deine Downloads sind bis zum Zurücksetzen abgeschaltet \(<t:\d+:R>\)\./);
    assert.match(dm, /Diese Woche genutzt/);
    assert.match(dm, /2 von 1/);
    assert.match(dm, /Was du tun kannst/);
    assert.doesNotMatch(dm, /Download allotment|Used this week|switched off|What you can do/);
    assert.equal(plexTv.friend(ANNA_PLEX.id)?.allowSync, false, 'downloads switched off');
    await until('the alert', () => alerts().length === 1);
    assert.match(alerts()[0]!, /Over the download allotment/);
    assert.match(alerts()[0]!, /anna is over their download allotment: 2 of 1 this week/);
    plex.setActivities([]);
  });

  test('the paused-stream DM and the on-screen message are German', async () => {
    plex.setSessions([session(ANNA_PLEX, 1, 'paused')]);
    await runNow(); // the pause starts now
    bot.clock.advance(21 * MINUTE);
    await runNow();
    await until('the DM', () => discord.dmsTo(ANNA.id).length === 2);
    assert.equal(plex.terminations.length, 1);
    assert.equal(
      plex.terminations[0]?.reason,
      'Dieser Stream war länger als 20 Min. pausiert und wurde deshalb beendet. Du kannst ihn jederzeit wieder starten.',
    );
    const dm = text(discord.dmsTo(ANNA.id)[1]!);
    assert.match(dm, /Ein pausierter Stream wurde beendet/);
    assert.match(
      dm,
      /Movie 1 auf Device 1 \(Plex\) war seit <t:\d+:t> pausiert\. Dein Tarif \*\*Familie\*\* beendet Streams, die länger als 20 Min\. pausiert sind/,
    );
    await until('the alert', () => alerts().length === 2);
    assert.match(alerts()[1]!, /Paused stream over the limit/);
    plex.setSessions([]);
    await runNow();
    plex.terminations.length = 0;
    bot.clock.advance(10 * MINUTE);
  });

  test('an owner’s German template reaches the German member; the English member keeps the English text', async () => {
    const saved = await admin('template', 'set', {
      name: 'stream-dm',
      language: 'de',
      text: 'Servus {member}! Bei {plan} gehen nur {cap} Streams gleichzeitig, es liefen {count}:\\n{streams}',
    });
    assert.match(text(saved), /Template \*\*stream-dm\*\* in Deutsch saved/);
    const list = text(await admin('template', 'list'));
    assert.match(list, /stream-dm \(customised\)/);
    assert.match(list, /Own text in: Deutsch/);
    assert.match(list, /without one, the server's default language \(English\)/);

    plex.setSessions([
      session(ANNA_PLEX, 3),
      session(ANNA_PLEX, 4),
      session(BOB_PLEX, 5),
      session(BOB_PLEX, 6),
    ]);
    await runNow();
    await bot.bot.ctx.effects.drain();
    await until('both DMs', () => discord.dmsTo(ANNA.id).length === 3 && discord.dmsTo(BOB.id).length === 1);
    const anna = text(discord.dmsTo(ANNA.id)[2]!);
    assert.match(anna, /Servus anna! Bei Familie gehen nur 1 Streams gleichzeitig, es liefen 2:/);
    assert.match(anna, /Zu viele Streams gleichzeitig/);
    assert.match(anna, /Device 4 · “Movie 4” · läuft/);
    const bob = text(discord.dmsTo(BOB.id)[0]!);
    assert.match(
      bob,
      /Hi bob, your plan \(Familie\) allows 1 stream\(s\) at the same time, and 2 were playing/,
    );
    assert.match(bob, /Too many streams at once/);
    assert.doesNotMatch(bob, /Servus|Streams gleichzeitig/);
    await until('the alerts', () => alerts().filter((a) => /Over the stream cap/.test(a)).length === 2);
    for (const a of alerts().filter((x) => /Over the stream cap/.test(x))) {
      assert.match(a, /is over their stream cap: 2 playing, plan Familie allows 1/);
      assert.match(a, /→ stopped/);
    }
    plex.setSessions([]);
  });

  test('with the template reset, the German member gets the shipped German text again', async () => {
    const reset = await admin('template', 'reset', { name: 'stream-dm', language: 'de' });
    assert.match(text(reset), /Template \*\*stream-dm\*\* in Deutsch is back to the default text/);
    const refused = await admin('template', 'reset', { name: 'stream-dm', language: 'de' });
    assert.match(text(refused), /has no text of its own in Deutsch/);
    const preview = text(await admin('template', 'preview', { name: 'stream-dm', language: 'fr' }));
    assert.match(preview, /Preview: stream-dm in Français \(default\)/);
    // The sample values are French too: the plan, the streams' devices, when the allotment resets.
    assert.match(preview, /Bonjour Alex, votre offre \(Famille\)/);
    assert.match(preview, /Salon \(Plex\)/);
  });

  /** The Chart.js configurations drawn while `run` runs (published by src/report/chart.ts before drawing). */
  async function chartsDrawn(run: () => Promise<unknown>): Promise<ChartConfiguration[]> {
    const seen: ChartConfiguration[] = [];
    const listen = (m: unknown) => seen.push((m as { config: ChartConfiguration }).config);
    subscribe('streamwarden:chart-config', listen);
    try {
      await run();
    } finally {
      unsubscribe('streamwarden:chart-config', listen);
    }
    return seen;
  }
  const words = (c: ChartConfiguration | undefined) => ({
    labels: c?.data.labels,
    legend: c?.data.datasets.map((d) => d.label),
    axis: Object.values(c?.options?.scales ?? {}).map(
      (a) => (a as { title?: { text?: string } })?.title?.text,
    ),
  });

  test('/history: the chart’s legend, axis and week labels are German for a German reader', async () => {
    const [chart] = await chartsDrawn(() =>
      discord.invoke({ user: ANNA.id, command: 'history', locale: 'de' }),
    );
    const w = words(chart);
    assert.deepEqual(w.legend, [
      'Downloads (rot: über dem Kontingent)',
      'Überschreitungen',
      'Kontingent (1)',
    ]);
    assert.ok(w.axis.includes('Anzahl'), String(w.axis));
    const labels = (w.labels ?? []) as string[];
    assert.equal(labels.at(-1), 'diese Woche');
    // Sunday 8 November 2026 (this week began on the 15th): German abbreviations, with their dot.
    assert.equal(labels.at(-2), '8. Nov.');
    const english = words(
      (await chartsDrawn(() => discord.invoke({ user: BOB.id, command: 'history', locale: 'en-GB' })))[0],
    );
    assert.deepEqual(english.legend, ['Downloads (red: over the allotment)', 'Breaches', 'Allotment (1)']);
    assert.equal((english.labels as string[]).at(-2), '8 Nov');
  });

  test('the weekly report in the community’s language; /report in the reader’s', async () => {
    await admin('enforcement', 'reports-channel', { channel: REPORTS.id });
    // The server's language comes with any interaction from it.
    await discord.invoke({ user: ANNA.id, command: 'quota', locale: 'de', guildLocale: 'de' });
    bot.clock.advance(5 * 24 * 60 * MINUTE); // into the next week: last week's report is due
    const charts = await chartsDrawn(async () => assert.equal(await postWeeklyReport(bot.bot.ctx), 'posted'));
    const [daily, downloads] = charts.map(words);
    assert.deepEqual(daily?.legend, ['Höchstens gleichzeitig', 'Überschreitungen']);
    assert.deepEqual(daily?.labels, [
      'So., 15.',
      'Mo., 16.',
      'Di., 17.',
      'Mi., 18.',
      'Do., 19.',
      'Fr., 20.',
      'Sa., 21.',
    ]);
    assert.ok(daily?.axis.includes('Anzahl'));
    assert.deepEqual(downloads?.legend, ['Downloads (rot: über dem Kontingent)', 'Kontingent']);
    assert.ok(downloads?.axis.includes('Downloads diese Woche'));
    const posted = text(discord.messagesIn(REPORTS.id).at(-1)!);
    assert.match(posted, /Wochenbericht: So\., 15\. Nov\. – Sa\., 21\. Nov\. 2026/);
    assert.match(posted, /\*\*anna\*\*: 2 von 1 \(1 darüber\)/);
    assert.doesNotMatch(posted, /Weekly report|Per day|Nobody/);
    const mine = text(await admin('report', 'week'));
    assert.match(mine, /Weekly report: Sun 15 Nov – Sat 21 Nov 2026/);
  });

  test('a German community gets its alerts’ titles and field names in German; replies to admins stay English', async () => {
    // The community's language is German: Discord sends `guild_locale: de` with the admin's command (the admin's own
    // Discord is English). The earlier breaches end first (no streams): the next one is a new episode with its alert.
    const runNowInGerman = () =>
      discord.invoke({
        user: ADMIN.id,
        command: 'enforcement',
        subcommand: 'run-now',
        admin: true,
        locale: 'en-US',
        guildLocale: 'de',
      });
    await runNowInGerman();
    await bot.bot.ctx.effects.drain();
    const before = alerts().length;
    plex.setSessions([session(BOB_PLEX, 7), session(BOB_PLEX, 8)]);
    const reply = text(await runNowInGerman());
    await bot.bot.ctx.effects.drain();
    await until('the alert', () => alerts().length === before + 1);
    const alert = alerts().at(-1)!;
    assert.match(alert, /Stream-Grenze überschritten/);
    assert.match(alert, /Mitglied/);
    assert.match(alert, /Tarif[\s\S]*Familie: 1 gleichzeitig/);
    assert.match(alert, /Direktnachricht/);
    // The template text is the shipped German one; Bob's DM stays in his own language, English.
    assert.match(alert, /bob ist über der Stream-Grenze: 2 laufen, der Tarif Familie erlaubt 1/);
    assert.doesNotMatch(alert, /Over the stream cap|Direct message/);
    // Each stream's line, and what was done about it, read German too.
    assert.match(alert, /Device 7 · 203\.0\.113\.7 · “Movie 7” · läuft[^\n]*\n\s*→ beendet/);
    assert.match(text(discord.dmsTo(BOB.id).at(-1)!), /Too many streams at once/);
    assert.doesNotMatch(reply, /Stream-Grenze|Mitglied/);
    plex.setSessions([]);
  });
});
