// `/link`: members link themselves through the real bot, against doubles that follow the real sign-in flows (Plex
// PIN at plex.tv, Jellyfin Quick Connect). The bot polls in the background and edits the private reply; the tests
// wait for that edit with bounded polls on the doubles, never timed assertions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, desc, eq } from 'drizzle-orm';
import { auditLog } from '../../src/db/schema.ts';
import { DiscordDouble, type InteractionReply } from '../doubles/discord/index.ts';
import { type EmbyDouble, startEmbyDouble } from '../doubles/emby.ts';
import { type JellyfinDouble, startJellyfinDouble } from '../doubles/jellyfin.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { type PlexTvDouble, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { MINUTE } from '../helpers/clock.ts';
import { text } from '../helpers/discord.ts';
import { linkOf as linkOfMember } from '../helpers/links.ts';
import { until } from '../helpers/wait.ts';

const ADMIN = { id: '240000000000000001', username: 'owner' };
const ALICE = { id: '240000000000000002', username: 'alice' };
const BOB = { id: '240000000000000003', username: 'bob' };
const CAROL = { id: '240000000000000004', username: 'carol' };
const DAVE = { id: '240000000000000005', username: 'dave' };
const ERIN = { id: '240000000000000006', username: 'erin' };
const FRED = { id: '240000000000000007', username: 'fred' };
const GINA = { id: '240000000000000008', username: 'gina' };
const HANK = { id: '240000000000000009', username: 'hank' };
const ALERTS = { id: '340000000000000009', name: 'alerts' };
const JF_GINA_A = '61a00000000000000000000000000001';
const JF_GINA_B = '61b00000000000000000000000000002';
const PLEX_TOKEN = 'plex-owner-token-self-1';
const JF_TOKEN = 'jf-key-self-link-0001';
const JF_BOB = 'b0b00000000000000000000000000001';
const JF_CAROL = 'ca201000000000000000000000000001';
const OWNER_PLEX = { id: 1_000_001, username: 'owner_plex' };
const ALICE_PLEX = { id: 7001, username: 'alice_plex' };
const STRANGER = { id: 7009, username: 'stranger_plex' };
const ERIN_PLEX = { id: 7010, username: 'erin_plex' };
const FRED_PLEX = { id: 7011, username: 'fred_plex' };

/** The link button of a reply (Discord: a button of style 5 carries a url and no custom_id). */
function linkButton(reply: InteractionReply): { url: string; label: string } | undefined {
  const rows = reply.components as Array<{ components?: Array<Record<string, unknown>> }>;
  const button = rows.flatMap((row) => row.components ?? []).find((c) => c.type === 2 && c.style === 5);
  if (!button) return undefined;
  assert.equal(button.custom_id, undefined, 'a link button has no custom_id');
  return { url: String(button.url), label: String(button.label) };
}

describe('members link themselves with /link', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: PlexTvDouble;
  let jellyfin: JellyfinDouble;
  let emby: EmbyDouble;
  const db = () => bot.bot.ctx.db;

  const selfLink = (user: string, server: string) =>
    discord.invoke({ user, command: 'link', options: { server } });
  const linkOf = (discordUserId: string, server: string) => linkOfMember(db(), discordUserId, server);
  const selfLinkAudits = (actor: string) =>
    db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorDiscordId, actor), eq(auditLog.action, 'user.self-link')))
      .orderBy(desc(auditLog.id));
  const newestPin = () => {
    const pin = plexTv.pins.at(-1);
    assert.ok(pin, 'a PIN was created');
    return pin;
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, BOB, CAROL, DAVE, ERIN, FRED, GINA, HANK],
      channels: [ALERTS],
    });
    plex = await startPlexDouble({ token: PLEX_TOKEN, friendlyName: 'Basement PMS' });
    plex.setAccounts([
      { id: 1, name: 'owner_plex' },
      { id: 7001, name: 'alice_plex' },
    ]);
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      owner: OWNER_PLEX,
      friends: [
        { id: 7001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
        // A friend of the owner, but with a share of another server only.
        { id: 7009, username: 'stranger_plex', servers: [{ machineIdentifier: 'f'.repeat(40) }] },
        { id: 7011, username: 'fred_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
      // Invited to this server, not accepted yet: only in plex.tv's v2 owned/pending list.
      invites: [
        { id: 7010, username: 'erin_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    jellyfin = await startJellyfinDouble({
      token: JF_TOKEN,
      users: [
        { id: JF_BOB, name: 'bob' },
        { id: JF_CAROL, name: 'carol' },
        { id: JF_GINA_A, name: 'gina_a' },
        { id: JF_GINA_B, name: 'gina_b' },
      ],
    });
    emby = await startEmbyDouble({ token: 'emby-key-self-link-01', users: [{ name: 'dave' }] });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url }, selfLinkPollMs: 20 });
    const admin = (options: Record<string, string>) =>
      discord.invoke({ user: ADMIN.id, command: 'server', subcommand: 'add', options, admin: true });
    await admin({ platform: 'plex', name: 'Main', url: plex.url, token: PLEX_TOKEN });
    await admin({ platform: 'jellyfin', name: 'Jelly', url: jellyfin.url, token: JF_TOKEN });
    await admin({ platform: 'emby', name: 'Embyhall', url: emby.url, token: 'emby-key-self-link-01' });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
    await jellyfin?.stop();
    await emby?.stop();
  });

  test('server autocompletes for members', async () => {
    const choices = await discord.autocomplete({
      user: ALICE.id,
      command: 'link',
      options: { server: 'j' },
      focused: 'server',
    });
    assert.deepEqual(
      choices.map((c) => c.value),
      ['Jelly'],
    );
  });

  test('Plex: the member signs in with a PIN and is linked; their token only ever reads the account', async () => {
    const reply = await selfLink(ALICE.id, 'Main');
    assert.equal(reply.ephemeral, true);
    const pin = newestPin();
    assert.equal(pin.strong, true, 'a strong PIN (the auth-app flow), not a plex.tv/link code');
    assert.match(pin.clientIdentifier, /^streamwarden-[0-9a-f]{24}$/, 'a client id of this install');
    const button = linkButton(reply);
    assert.equal(button?.label, 'Sign in with Plex');
    assert.equal(
      button?.url,
      `https://app.plex.tv/auth#?clientID=${pin.clientIdentifier}&code=${pin.code}&context%5Bdevice%5D%5Bproduct%5D=Streamwarden+%28link+for+alice%29`,
    );
    // The sign-in page and the account's authorized devices name whose link it is: a code forwarded to someone
    // else shows them it links Alice.
    assert.equal(pin.product, 'Streamwarden (link for alice)');
    assert.match(text(reply), new RegExp(pin.code));
    assert.doesNotMatch(text(reply), /linked to/);
    assert.equal(await linkOf(ALICE.id, 'Main'), undefined, 'nothing is linked before the sign-in');

    const memberToken = plexTv.approvePin(pin.code, ALICE_PLEX);
    await until('the reply shows the link', () => /You are linked/.test(text(reply)));
    assert.match(text(reply), /linked to \*\*alice\\_plex\*\* on \*\*Main\*\*/);
    assert.deepEqual(reply.components, [], 'the sign-in button is gone');
    assert.deepEqual(await linkOf(ALICE.id, 'Main'), { accountName: 'alice_plex', accountId: '7001' });

    // The member's token: never in anything the bot sent to Discord, presented to plex.tv only to read the account
    // and then to sign it out, so no device of the bot stays authorized on the member's account.
    assert.ok(!JSON.stringify(reply.raw).includes(memberToken));
    assert.ok(!JSON.stringify(discord.requests).includes(memberToken));
    assert.deepEqual(
      plexTv.requests.filter((r) => r.token === memberToken).map((r) => `${r.method} ${r.path}`),
      ['GET /api/v2/user', 'DELETE /api/v2/users/signout'],
    );
    assert.equal(plexTv.tokenValid(memberToken), false, 'plex.tv no longer accepts the token');
    assert.equal(plexTv.tokenValid(PLEX_TOKEN), true, "the owner's token is never signed out");
    assert.doesNotMatch(text(reply), /Authorized Devices/);
    // plex.tv retired the v1 invite routes (410): none was asked.
    assert.ok(!plexTv.requests.some((r) => r.path.startsWith('/api/invites')));
    // Every PIN call is made as the same client, with no token at all.
    const pinCalls = plexTv.requests.filter((r) => r.path.startsWith('/api/v2/pins'));
    assert.ok(pinCalls.length >= 2);
    for (const call of pinCalls) {
      assert.equal(call.clientIdentifier, pin.clientIdentifier);
      assert.equal(call.token, null);
    }

    const [audit] = await selfLinkAudits(ALICE.id);
    assert.equal(audit?.target, `member:${ALICE.id}`);
    assert.deepEqual(audit?.after, { server: 'Main', account: 'alice_plex', via: 'plex-pin' });
    assert.equal(audit?.before, null);
  });

  test('linking the same account again is a friendly no-op', async () => {
    const before = (await selfLinkAudits(ALICE.id)).length;
    const reply = await selfLink(ALICE.id, 'Main');
    plexTv.approvePin(newestPin().code, ALICE_PLEX);
    await until('the reply shows the result', () => /already linked/.test(text(reply)));
    assert.match(text(reply), /Nothing changed/);
    assert.doesNotMatch(text(reply), /Not done/);
    assert.equal((await selfLinkAudits(ALICE.id)).length, before, 'no change, no audit entry');
  });

  test('an expired PIN: the member is told to run /link again and nothing is linked', async () => {
    const reply = await selfLink(BOB.id, 'Main');
    plexTv.expirePin(newestPin().code);
    await until('the reply says it expired', () => /expired/.test(text(reply)));
    assert.match(text(reply), /Run `\/link` again/);
    assert.equal(await linkOf(BOB.id, 'Main'), undefined);
    assert.equal((await selfLinkAudits(BOB.id)).length, 0);
  });

  test('an account that is not a user of this server is refused, and its token is not kept', async () => {
    const reply = await selfLink(BOB.id, 'Main');
    const memberToken = plexTv.approvePin(newestPin().code, STRANGER);
    await until('the reply shows the refusal', () => /not a user of/.test(text(reply)));
    assert.match(text(reply), /signed in as \*\*stranger\\_plex\*\*, which is not a user of \*\*Main\*\*/);
    assert.equal(await linkOf(BOB.id, 'Main'), undefined);
    assert.ok(!JSON.stringify(reply.raw).includes(memberToken));
    assert.deepEqual(
      plexTv.requests.filter((r) => r.token === memberToken).map((r) => r.path),
      ['/api/v2/user', '/api/v2/users/signout'],
    );
    assert.equal(plexTv.tokenValid(memberToken), false);
  });

  test('Plex: an invitee who has not accepted yet links, and is told to accept the invite', async () => {
    const reply = await selfLink(ERIN.id, 'Main');
    plexTv.approvePin(newestPin().code, ERIN_PLEX);
    await until('the reply shows the link', () => /You are linked/.test(text(reply)));
    assert.match(text(reply), /linked to \*\*erin\\_plex\*\* on \*\*Main\*\*/);
    assert.match(text(reply), /You have not accepted the invite to this server yet/);
    assert.deepEqual(await linkOf(ERIN.id, 'Main'), { accountName: 'erin_plex', accountId: '7010' });
  });

  test('Plex: pending invites unreadable, a user of the server still links', async () => {
    plexTv.brokenRoutes.add('/api/v2/shared_servers/owned/pending');
    try {
      const reply = await selfLink(FRED.id, 'Main');
      plexTv.approvePin(newestPin().code, FRED_PLEX);
      await until('the reply shows the link', () => /You are linked/.test(text(reply)));
      assert.deepEqual(await linkOf(FRED.id, 'Main'), { accountName: 'fred_plex', accountId: '7011' });
    } finally {
      plexTv.brokenRoutes.clear();
    }
  });

  test('Plex: a sign-out plex.tv does not confirm is explained; the link is kept', async () => {
    await discord.invoke({
      user: ADMIN.id,
      command: 'user',
      subcommand: 'unlink',
      options: { member: FRED.id, server: 'Main' },
      admin: true,
    });
    plexTv.brokenRoutes.add('/api/v2/users/signout');
    try {
      const reply = await selfLink(FRED.id, 'Main');
      const memberToken = plexTv.approvePin(newestPin().code, FRED_PLEX);
      await until('the reply shows the link', () => /You are linked/.test(text(reply)));
      assert.match(
        text(reply),
        /plex\.tv did not confirm that this sign-in was signed out: remove the device “Streamwarden” at plex\.tv → Settings → Authorized Devices/,
      );
      assert.equal(plexTv.tokenValid(memberToken), true);
      assert.ok(!JSON.stringify(reply.raw).includes(memberToken));
      assert.deepEqual(await linkOf(FRED.id, 'Main'), { accountName: 'fred_plex', accountId: '7011' });
    } finally {
      plexTv.brokenRoutes.clear();
    }
  });

  test('an account already linked to another member is refused with the reason', async () => {
    const reply = await selfLink(DAVE.id, 'Main');
    plexTv.approvePin(newestPin().code, ALICE_PLEX);
    await until('the reply shows the refusal', () => /already linked to/.test(text(reply)));
    assert.match(text(reply), /\*\*alice\\_plex\*\* on \*\*Main\*\* is already linked to alice/);
    assert.equal(await linkOf(DAVE.id, 'Main'), undefined);
    assert.deepEqual(await linkOf(ALICE.id, 'Main'), { accountName: 'alice_plex', accountId: '7001' });
  });

  test("the owner's own plex.tv account links as the server's account 1", async () => {
    const reply = await selfLink(ADMIN.id, 'Main');
    plexTv.approvePin(newestPin().code, OWNER_PLEX);
    await until('the reply shows the link', () => /You are linked/.test(text(reply)));
    assert.deepEqual(await linkOf(ADMIN.id, 'Main'), { accountName: 'owner_plex', accountId: '1' });
  });

  test('Jellyfin: Quick Connect approved in an app links the user id, and that session is logged out', async () => {
    const reply = await selfLink(BOB.id, 'Jelly');
    assert.equal(reply.ephemeral, true);
    const request = jellyfin.quickConnect.requests.at(-1);
    assert.ok(request, 'a Quick Connect request was started');
    assert.match(text(reply), new RegExp(`\\*\\*${request.code}\\*\\*`));
    assert.match(text(reply), /Quick Connect/);
    assert.equal(linkButton(reply), undefined);
    // What the member approves names whose link it is (Quick Connect shows the device name).
    assert.match(request.deviceName, /^Discord \/link for bob [0-9a-f]{6}$/);

    const memberToken = jellyfin.quickConnect.approve(request.code, JF_BOB);
    await until('the reply shows the link', () => /You are linked/.test(text(reply)));
    assert.match(text(reply), /linked to \*\*bob\*\* on \*\*Jelly\*\*/);
    assert.deepEqual(await linkOf(BOB.id, 'Jelly'), { accountName: 'bob', accountId: JF_BOB });
    assert.equal(jellyfin.quickConnect.tokens.find((t) => t.token === memberToken)?.loggedOut, true);

    // The member's token went out once, to log its own session out; the admin's key never went with Quick Connect.
    const carrying = jellyfin.requests.filter((r) => JSON.stringify(r.headers).includes(memberToken));
    assert.deepEqual(
      carrying.map((r) => `${r.method} ${r.path}`),
      ['POST /Sessions/Logout'],
    );
    const quick = jellyfin.requests.filter((r) => /QuickConnect/i.test(r.path));
    assert.ok(quick.length >= 3);
    for (const r of quick) assert.ok(!JSON.stringify(r.headers).includes(JF_TOKEN));
    assert.match(String(quick[0]?.headers.authorization), /DeviceId="streamwarden-[0-9a-f]+-[0-9a-f]{12}"/);
    assert.ok(!JSON.stringify(reply.raw).includes(memberToken));
    const [audit] = await selfLinkAudits(BOB.id);
    assert.deepEqual(audit?.after, { server: 'Jelly', account: 'bob', via: 'quick-connect' });
  });

  test('Jellyfin: a code nobody approves expires on the bot’s clock', async () => {
    const reply = await selfLink(CAROL.id, 'Jelly');
    const polls = () => jellyfin.requests.filter((r) => /QuickConnect\/Connect/i.test(r.path)).length;
    const seen = polls();
    await until('the bot polls', () => polls() > seen);
    bot.clock.advance(11 * MINUTE);
    await until('the reply says it expired', () => /expired/.test(text(reply)));
    assert.equal(await linkOf(CAROL.id, 'Jelly'), undefined);
  });

  test('Jellyfin with Quick Connect off: /link explains how to ask an admin', async () => {
    jellyfin.quickConnect.enabled = false;
    try {
      const reply = await selfLink(CAROL.id, 'Jelly');
      assert.match(text(reply), /Quick Connect is switched off/);
      assert.match(text(reply), /\/user link/);
      assert.equal(await linkOf(CAROL.id, 'Jelly'), undefined);
    } finally {
      jellyfin.quickConnect.enabled = true;
    }
  });

  test('Emby: /link explains how to ask an admin and changes nothing', async () => {
    const requests = emby.requests.length;
    const reply = await selfLink(DAVE.id, 'Embyhall');
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /Ask an admin/);
    assert.match(text(reply), /`\/user link`/);
    assert.equal(emby.requests.length, requests, 'the Emby server is not asked anything');
    assert.equal(await linkOf(DAVE.id, 'Embyhall'), undefined);
  });

  test('an unknown server is refused with the names to pick from', async () => {
    const reply = await selfLink(DAVE.id, 'Nope');
    assert.match(text(reply), /Not done/);
    assert.match(text(reply), /no server named “Nope”.*Embyhall, Jelly, Main/s);
  });

  test('self-link off: /link explains how to ask an admin; the switch is audited', async () => {
    const off = await discord.invoke({
      user: ADMIN.id,
      command: 'enforcement',
      subcommand: 'self-link',
      options: { enabled: false },
      admin: true,
    });
    assert.match(text(off), /Members link themselves.*off/);
    const pins = plexTv.pins.length;
    const reply = await selfLink(DAVE.id, 'Main');
    assert.match(text(reply), /switched self-linking off/);
    assert.match(text(reply), /`\/user link`/);
    assert.equal(plexTv.pins.length, pins, 'no PIN is asked for');
    const [audit] = await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'enforcement.selfLink'))
      .orderBy(desc(auditLog.id));
    assert.equal(audit?.actorDiscordId, ADMIN.id);
    assert.equal(audit?.after, false);
    await discord.invoke({
      user: ADMIN.id,
      command: 'enforcement',
      subcommand: 'self-link',
      options: { enabled: true },
      admin: true,
    });
  });

  test('rate limits: one sign-in at a time, five an hour; the member is told when to try again', async () => {
    // A member who has not signed in yet in this file: earlier tests' sign-ins would count.
    const first = await selfLink(HANK.id, 'Main');
    const pins = plexTv.pins.length;
    const second = await selfLink(HANK.id, 'Jelly');
    assert.match(text(second), /already have a sign-in waiting/);
    const deadline = Math.floor((bot.clock.now().getTime() + 14 * MINUTE) / 1000);
    assert.match(
      text(second),
      new RegExp(`<t:${deadline}:R>`),
      'when the waiting code expires at the latest',
    );
    assert.equal(plexTv.pins.length, pins, 'no second PIN');
    plexTv.expirePin(newestPin().code);
    await until('the first sign-in ends', () => /expired/.test(text(first)));

    const startedAt = bot.clock.now().getTime();
    for (let n = 2; n <= 5; n++) {
      bot.clock.advance(MINUTE);
      const reply = await selfLink(HANK.id, 'Main');
      plexTv.expirePin(newestPin().code);
      await until(`sign-in ${n} ends`, () => /expired/.test(text(reply)));
    }
    const sixth = await selfLink(HANK.id, 'Main');
    assert.match(text(sixth), /5 sign-ins in the last hour/);
    assert.match(text(sixth), new RegExp(`<t:${Math.floor((startedAt + 60 * MINUTE) / 1000)}:R>`));
    assert.equal(plexTv.pins.length, pins + 4, 'no PIN for the refused one');
    assert.equal(await linkOf(HANK.id, 'Main'), undefined);

    bot.clock.advance(60 * MINUTE);
    const later = await selfLink(HANK.id, 'Main');
    assert.match(text(later), /Sign in with Plex|code/);
    plexTv.expirePin(newestPin().code);
    await until('it ends', () => /expired/.test(text(later)));
  });

  test('a link an admin made is never replaced by /link alone: the change is put to the admins', async () => {
    const admin = (command: string, subcommand: string, options: Record<string, string>) =>
      discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
    await admin('user', 'link', { member: GINA.id, server: 'Jelly', account: 'gina_a' });
    const signIn = async (userId: string) => {
      const reply = await selfLink(GINA.id, 'Jelly');
      const request = jellyfin.quickConnect.requests.at(-1);
      assert.ok(request);
      jellyfin.quickConnect.approve(request.code, userId);
      await until('the reply shows the result', () => !/Quick Connect/.test(text(reply)));
      return reply;
    };

    // No alerts channel: nobody to ask, so the member is told to ask an admin and nothing changes.
    const refused = await signIn(JF_GINA_B);
    assert.match(text(refused), /An admin linked you to \*\*gina\\_a\*\*.*only an admin can change that/s);
    assert.deepEqual(await linkOf(GINA.id, 'Jelly'), { accountName: 'gina_a', accountId: JF_GINA_A });

    await admin('enforcement', 'alerts-channel', { channel: ALERTS.id });
    const asked = await signIn(JF_GINA_B);
    assert.match(text(asked), /put to the admins/);
    assert.match(text(asked), /you stay linked to \*\*gina\\_a\*\*/);
    assert.deepEqual(
      await linkOf(GINA.id, 'Jelly'),
      { accountName: 'gina_a', accountId: JF_GINA_A },
      'the admin-made link stays (and is enforced) until approved',
    );
    const alert = discord.messagesIn(ALERTS.id).at(-1);
    assert.ok(alert, 'an alert in the alerts channel');
    assert.match(text(alert), /asks to replace \*\*gina\\_a\*\*/);
    assert.match(text(alert), /as \*\*gina\\_b\*\*/);
    assert.match(text(alert), new RegExp(`<@${GINA.id}>`));
    const buttons = (
      alert.components as Array<{ components: Array<{ label: string; custom_id: string }> }>
    ).flatMap((r) => r.components);
    assert.deepEqual(
      buttons.map((b) => b.label),
      ['Approve', 'Refuse'],
    );
    const [approve, refuse] = buttons;
    assert.ok(approve && refuse);

    // The member (no Manage Server) clicks Approve on their own request: refused privately, nothing changes.
    const selfApproval = await discord.click({
      user: GINA.id,
      messageId: alert.id,
      customId: approve.custom_id,
    });
    assert.equal(selfApproval.ephemeral, true);
    assert.match(text(selfApproval), /Approving or refusing a link change is for the server’s admins/);
    assert.deepEqual(await linkOf(GINA.id, 'Jelly'), { accountName: 'gina_a', accountId: JF_GINA_A });

    const refusedByAdmin = await discord.click({
      user: ADMIN.id,
      messageId: alert.id,
      customId: refuse.custom_id,
      admin: true,
    });
    assert.match(text(refusedByAdmin), new RegExp(`Refused by <@${ADMIN.id}>`));
    assert.deepEqual(refusedByAdmin.components, [], 'the buttons are gone');
    assert.deepEqual(await linkOf(GINA.id, 'Jelly'), { accountName: 'gina_a', accountId: JF_GINA_A });
    await until('the member is told', () => discord.dmsTo(GINA.id).length === 1);
    assert.match(text(discord.dmsTo(GINA.id)[0]!), /refused/);

    // Asked again, and approved: the link moves, and counts as the admins' own.
    await signIn(JF_GINA_B);
    const second = discord.messagesIn(ALERTS.id).at(-1);
    assert.ok(second && second.id !== alert.id);
    const approveAgain = (second.components as Array<{ components: Array<{ custom_id: string }> }>)[0]!
      .components[0]!;
    const approved = await discord.click({
      user: ADMIN.id,
      messageId: second.id,
      customId: approveAgain.custom_id,
      admin: true,
    });
    assert.match(text(approved), new RegExp(`Approved by <@${ADMIN.id}>`));
    assert.deepEqual(await linkOf(GINA.id, 'Jelly'), { accountName: 'gina_b', accountId: JF_GINA_B });
    await until('the member is told', () => discord.dmsTo(GINA.id).length === 2);
    assert.match(text(discord.dmsTo(GINA.id)[1]!), /approved/);
    const [audit] = await db()
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'user.self-link-approved'))
      .orderBy(desc(auditLog.id));
    assert.equal(audit?.actorDiscordId, ADMIN.id);
    assert.equal(audit?.target, `member:${GINA.id}`);
  });

  test('the bot stopping mid sign-in tells the member to start over', async () => {
    const reply = await selfLink(DAVE.id, 'Main');
    await bot.restart();
    assert.match(text(reply), /restarted before you finished/);
    assert.equal(await linkOf(DAVE.id, 'Main'), undefined);
  });
});
