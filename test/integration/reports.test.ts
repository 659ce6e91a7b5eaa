// Reports, history and the audit log through the real bot. The week's logged rows are written as the cycle writes
// them (stream_log, breach_episodes, downloads, server_outages) for a hand-checked Paris week, Sunday 8 to Sunday
// 15 November 2026 (CET, UTC+1): 2026-11-07T23:00Z to 2026-11-14T23:00Z.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq, isNull } from 'drizzle-orm';
import { postWeeklyReport } from '../../src/act/weekly-report.ts';
import { breachEpisodes, downloads, members, serverOutages, streamLog } from '../../src/db/schema.ts';
import { PAGE_BUTTONS_TTL_MS } from '../../src/discord/pages.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '200000000000000001', username: 'owner' };
const ALICE = { id: '200000000000000002', username: 'alice' };
const BOB = { id: '200000000000000003', username: 'bob' };
const OTHER_ADMIN = { id: '200000000000000004', username: 'second-admin' };
const GENERAL = { id: '300000000000000001', name: 'general' };
const REPORTS = { id: '300000000000000003', name: 'reports' };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const d = (iso: string) => new Date(iso);

interface Button {
  custom_id: string;
  label: string;
  disabled?: boolean;
}
const buttons = (reply: InteractionReply): Button[] =>
  (reply.components as Array<{ components: Button[] }>).flatMap((row) => row.components);
const button = (reply: InteractionReply, label: string): Button => {
  const found = buttons(reply).find((b) => b.label === label);
  assert.ok(found, `no ${label} button`);
  return found;
};

/** Checks a PNG upload and returns its width and height (IHDR). */
function pngSize(data: Buffer): { width: number; height: number } {
  assert.deepEqual(data.subarray(0, 8), PNG_SIGNATURE, 'a PNG file');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

describe('reports, history and audit log', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  const db = () => bot.bot.ctx.db;
  const admin = (
    command: string,
    subcommand: string | undefined,
    options: Record<string, string | number | boolean> = {},
  ) => discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB, OTHER_ADMIN],
      channels: [GENERAL, REPORTS],
    });
    plex = await startPlexDouble({ token: 'plex-owner-token-1234', premium: true, friendlyName: 'Main' });
    plex.setAccounts([
      { id: 5001, name: 'alice_plex' },
      { id: 5002, name: 'bob_plex' },
    ]);
    // Wednesday 18 November 2026, 21:00 in Paris.
    bot = await startTestBot({ discord, now: '2026-11-18T20:00:00Z', config: { timezone: 'Europe/Paris' } });

    await admin('server', 'add', { platform: 'plex', name: 'Main', url: plex.url, token: plex.token });
    await admin('plan', 'create', {
      name: 'Standard',
      'stream-cap': 2,
      downloads: true,
      'download-allotment': 3,
    });
    await admin('user', 'link', { member: ALICE.id, server: 'Main', account: 'alice_plex' });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Standard' });
    // Bob has no plan, so no allotment.
    await admin('user', 'link', { member: BOB.id, server: 'Main', account: 'bob_plex' });

    const [alice] = await db().select().from(members).where(eq(members.discordUserId, ALICE.id));
    const [bob] = await db().select().from(members).where(eq(members.discordUserId, BOB.id));
    assert.ok(alice && bob);
    const serverId = (await db().query.mediaServers.findFirst())?.id;
    assert.ok(serverId);
    const session = (key: string, start: string, end: string) => ({
      serverId,
      memberId: alice.id,
      sessionKey: key,
      accountName: 'alice_plex',
      device: `device-${key}`,
      title: `Title ${key}`,
      state: 'playing',
      firstSeenAt: d(start),
      lastSeenAt: d(end),
    });
    await db()
      .insert(streamLog)
      .values([
        // Monday 9: three at once at 21:30 Paris (the first ends as the third starts: both seen at that poll).
        session('1', '2026-11-09T19:00:00Z', '2026-11-09T20:30:00Z'),
        session('2', '2026-11-09T20:00:00Z', '2026-11-09T21:00:00Z'),
        session('3', '2026-11-09T20:30:00Z', '2026-11-09T22:00:00Z'),
        session('4', '2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z'),
        // Saturday 14, 23:30 Paris, into the next week.
        session('5', '2026-11-14T22:30:00Z', '2026-11-14T23:30:00Z'),
      ]);
    await db()
      .insert(breachEpisodes)
      .values([
        { memberId: alice.id, openedAt: d('2026-11-09T20:30:00Z'), closedAt: d('2026-11-09T21:00:00Z') },
        // Saturday 23:59 in Paris: still last week; one minute later is the next week.
        { memberId: alice.id, openedAt: d('2026-11-14T22:59:00Z'), closedAt: d('2026-11-14T22:59:30Z') },
        { memberId: alice.id, openedAt: d('2026-11-14T23:00:00Z'), closedAt: d('2026-11-14T23:10:00Z') },
      ]);
    const download = (memberId: number, key: string, startedAt: string) => ({
      serverId,
      memberId,
      downloadKey: key,
      accountName: memberId === alice.id ? 'alice_plex' : 'bob_plex',
      title: `Episode ${key}`,
      startedAt: d(startedAt),
      lastSeenIncompleteAt: null,
      lastSeenAt: d(startedAt),
      logged: true,
    });
    await db()
      .insert(downloads)
      .values([
        download(alice.id, 'a1', '2026-11-09T08:00:00Z'),
        download(alice.id, 'a2', '2026-11-10T08:00:00Z'),
        download(alice.id, 'a3', '2026-11-11T08:00:00Z'),
        download(alice.id, 'a4', '2026-11-12T08:00:00Z'),
        download(bob.id, 'b1', '2026-11-12T09:00:00Z'),
        // This week.
        download(alice.id, 'a5', '2026-11-16T08:00:00Z'),
      ]);
    await db()
      .insert(serverOutages)
      .values({ serverId, startedAt: d('2026-11-12T10:00:00Z'), endedAt: d('2026-11-12T11:30:00Z') });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
  });

  test('/report week: a PNG chart, and the embed carries the logged totals as text', async () => {
    discord.clearRecords();
    const reply = await admin('report', 'week');
    assert.equal(reply.ephemeral, true);
    const body = text(reply);
    assert.match(body, /Weekly report: Sun 8 Nov – Sat 14 Nov 2026/);
    assert.match(body, /Most at once: \*\*3\*\* \(Mon 9\)/);
    assert.match(body, /Stream-cap breaches: \*\*2\*\*/);
    assert.match(body, /\*\*5\*\* by 2 members/);
    assert.match(body, /Over their allotment: \*\*2\*\*/);
    assert.match(body, /Mon 9: 3 · 1\nTue 10: 1 · 0/);
    assert.match(body, /Sat 14: 1 · 1/);
    // Bob has no allotment and downloaded: first among those closest to or over it.
    assert.match(body, /\*\*bob\*\*: 1 of 0 \(no allotment\)\n\*\*alice\*\*: 4 of 3 \(over by 1\)/);
    assert.match(body, /\*\*Main\*\*: 1 h 30 min \(1 outage\)/);
    assert.equal(reply.embeds[0]?.image?.url, 'attachment://weekly-report.png');
    const upload = discord.uploads.find((u) => u.name === 'weekly-report.png');
    assert.ok(upload, 'the chart is uploaded with the reply');
    assert.equal(upload.contentType, 'image/png');
    assert.ok(upload.data.length > 10_000 && upload.data.length < 1_000_000, `size ${upload.data.length}`);
    const { width, height } = pngSize(upload.data);
    assert.equal(width, 1000);
    assert.ok(height > 600 && height < 2000, `height ${height}`);
  });

  test('/report week week:this counts only this week so far', async () => {
    const body = text(await admin('report', 'week', { week: 'this' }));
    assert.match(body, /The week is not over/);
    assert.match(body, /\*\*1\*\* by 1 member\n/);
    assert.match(body, /Stream-cap breaches: \*\*1\*\*/);
    assert.match(body, /No server was down/);
  });

  test('/report is refused to a member who is not an admin', async () => {
    const reply = await discord.invoke({ user: ALICE.id, command: 'report', subcommand: 'week' });
    assert.match(text(reply), /for the server’s admins/);
  });

  test('/history: a member sees their own weeks; another member’s history is refused to a non-admin', async () => {
    discord.clearRecords();
    const own = await discord.invoke({ user: ALICE.id, command: 'history' });
    assert.equal(own.ephemeral, true);
    const body = text(own);
    assert.match(body, /8 Nov\s+4 \/ 3\s+2\n/, 'last week: 4 of 3 downloads, 2 breaches');
    assert.match(body, /this week\s+1 \/ 3\s+1\n/);
    assert.match(body, /Your standing/);
    assert.equal((body.match(/^\d+ \w{3}\s|^this week/gm) ?? []).length, 8, 'eight weeks');
    const upload = discord.uploads.find((u) => u.name === 'history.png');
    assert.ok(upload);
    assert.equal(pngSize(upload.data).width, 1000);

    const refused = await discord.invoke({ user: BOB.id, command: 'history', options: { member: ALICE.id } });
    assert.match(text(refused), /Only admins can look at someone else’s history/);
    assert.equal(refused.embeds.length, 1, 'nothing of Alice’s is shown');

    const forAdmin = await admin('history', undefined, { member: ALICE.id });
    assert.match(text(forAdmin), /Standing of alice/);
    assert.match(text(forAdmin), /8 Nov\s+4 \/ 3\s+2\n/);
  });

  test('the weekly report is posted once at the turn of the week, and not again after a restart', async () => {
    assert.equal(await postWeeklyReport(bot.bot.ctx), 'no-channel', 'no channel set: no automatic report');
    await admin('enforcement', 'reports-channel', { channel: REPORTS.id });
    // Sunday 22 November, 00:00:05 in Paris: the week of the 15th has just ended.
    bot.clock.set('2026-11-21T23:00:05Z');
    discord.clearRecords();
    assert.equal(await postWeeklyReport(bot.bot.ctx), 'posted');
    assert.equal(await postWeeklyReport(bot.bot.ctx), 'already-posted');
    const posted = discord.messagesIn(REPORTS.id);
    assert.equal(posted.length, 1);
    assert.deepEqual(posted[0]?.files, ['weekly-report.png']);
    assert.match(
      text(posted[0] ?? { content: null, embeds: [] }),
      /Weekly report: Sun 15 Nov – Sat 21 Nov 2026/,
    );
    assert.deepEqual(posted[0]?.allowedMentions, { parse: [] });

    await bot.restart();
    assert.equal(discord.messagesIn(REPORTS.id).length, 1, 'a restart at that moment does not post it again');

    // The bot was down at the next turn; starting within a day of it posts the missed report, once.
    bot.clock.set('2026-11-29T05:00:00Z');
    await bot.restart();
    assert.equal(discord.messagesIn(REPORTS.id).length, 2);
    await bot.restart();
    assert.equal(discord.messagesIn(REPORTS.id).length, 2);
    bot.clock.set('2026-11-18T20:00:00Z');
  });

  test('/audit: the changes made in this test, newest first, with Previous/Next for the admin who asked', async () => {
    for (const enabled of [true, false, true]) await admin('enforcement', 'dry-run', { enabled });
    const first = await admin('audit', undefined);
    assert.equal(first.ephemeral, true);
    const actions = (r: InteractionReply) =>
      [...text(r).matchAll(/`([a-z-]+\.[a-zA-Z-]+)`/g)].map((m) => m[1]);
    assert.deepEqual(actions(first), [
      'enforcement.dryRun',
      'enforcement.dryRun',
      'enforcement.dryRun',
      'enforcement.reports-channel',
      'user.link',
      'user.plan',
      'user.link',
      'plan.create',
    ]);
    assert.match(text(first), /false → true/);
    assert.match(text(first), /none → 300000000000000003/);
    assert.match(text(first), /<t:\d+:f> · <@200000000000000001>/);
    assert.equal(button(first, 'Previous').disabled, true);
    assert.equal(button(first, 'Next').disabled, false);
    assert.ok(first.messageId);

    const second = await discord.click({
      user: ADMIN.id,
      messageId: first.messageId,
      customId: button(first, 'Next').custom_id,
      admin: true,
    });
    assert.deepEqual(actions(second), ['server.add']);
    assert.equal(second.embeds[0]?.footer?.text, 'Page 2 · newest first');
    assert.equal(button(second, 'Next').disabled, true);
    assert.equal(
      first.embeds[0]?.footer?.text,
      second.embeds[0]?.footer?.text,
      'the message itself was updated',
    );
    const raw = second.raw.at(-1) as { type: number };
    assert.equal(raw.type, 7, 'answered with UPDATE_MESSAGE');

    const back = await discord.click({
      user: ADMIN.id,
      messageId: first.messageId,
      customId: button(second, 'Previous').custom_id,
      admin: true,
    });
    assert.deepEqual(actions(back), actions(first));

    // Another admin replaying the button (Discord would not even show them this ephemeral message).
    const stranger = await discord.click({
      user: OTHER_ADMIN.id,
      messageId: first.messageId,
      customId: button(back, 'Next').custom_id,
      admin: true,
      evenIfHidden: true,
    });
    assert.equal(stranger.ephemeral, true);
    assert.match(text(stranger), /Only the person who ran `\/audit` can turn its pages/);
    assert.equal(first.embeds[0]?.footer?.text, 'Page 1 · newest first', 'the pages did not move');

    bot.clock.advance(PAGE_BUTTONS_TTL_MS + MINUTE);
    const late = await discord.click({
      user: ADMIN.id,
      messageId: first.messageId,
      customId: button(back, 'Next').custom_id,
      admin: true,
    });
    assert.match(text(late), /stopped working 15 minutes after the command/);
    assert.equal(first.embeds[0]?.footer?.text, 'Page 1 · newest first');
    bot.clock.set('2026-11-18T20:00:00Z');
  });

  test('/audit filters by member, admin and kind', async () => {
    const alice = await admin('audit', undefined, { member: ALICE.id });
    assert.match(text(alice), /`user\.plan`/);
    assert.doesNotMatch(text(alice), /`plan\.create`|`enforcement|<@200000000000000003>$/m);
    assert.equal(buttons(alice).length, 0, 'one page: no buttons');
    const kind = await admin('audit', undefined, { kind: 'plan' });
    assert.deepEqual(
      [...text(kind).matchAll(/`([a-z.-]+)`/g)].map((m) => m[1]),
      ['plan.create'],
    );
    const nobody = await admin('audit', undefined, { admin: OTHER_ADMIN.id });
    assert.match(text(nobody), /No change made through the bot matches/);
  });

  test('/activity pages with buttons too', async () => {
    const first = await admin('activity', undefined);
    assert.equal(first.embeds[0]?.footer?.text, 'Page 1 · newest first');
    assert.ok(first.messageId);
    const next = await discord.click({
      user: ADMIN.id,
      messageId: first.messageId,
      customId: button(first, 'Next').custom_id,
      admin: true,
    });
    assert.equal(next.embeds[0]?.footer?.text, 'Page 2 · newest first');
    assert.equal(button(next, 'Next').disabled, true);
    // 5 sessions and 6 downloads, 10 a page: the oldest (download a1, Monday 08:00) alone on page 2.
    assert.match(text(next), /Episode a1/);
    assert.doesNotMatch(text(next), /Title/);
  });

  test('a poll that finds a server down opens an outage, and the first poll that finds it up closes it', async () => {
    plex.fault = 'server-error';
    await bot.bot.ctx.runCycleNow();
    const open = await db().select().from(serverOutages).where(isNull(serverOutages.endedAt));
    assert.equal(open.length, 1);
    assert.equal(open[0]?.startedAt.toISOString(), '2026-11-18T20:00:00.000Z');
    bot.clock.advance(45 * MINUTE);
    await bot.bot.ctx.runCycleNow();
    assert.equal((await db().select().from(serverOutages).where(isNull(serverOutages.endedAt))).length, 1);
    plex.fault = null;
    bot.clock.advance(5 * MINUTE);
    await bot.bot.ctx.runCycleNow();
    assert.equal((await db().select().from(serverOutages).where(isNull(serverOutages.endedAt))).length, 0);
    assert.match(text(await admin('report', 'week', { week: 'this' })), /\*\*Main\*\*: 50 min \(1 outage\)/);
  });
});
