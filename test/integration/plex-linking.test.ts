// `/user link` on Plex through the real bot: the account is looked up on plex.tv (the server's users and pending
// invites), not only in the server's /accounts, and every outcome gets an answer. The plex.tv double answers 410 on
// the invite routes plex.tv retired, as plex.tv does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mediaAccounts } from '../../src/db/schema.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { RETIRED_ROUTES, startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '230000000000000001', username: 'owner' };
const ALICE = { id: '230000000000000002', username: 'alice' };
const COSETTE = { id: '230000000000000003', username: 'cosette' };
const EPONINE = { id: '230000000000000004', username: 'eponine' };
const MARIUS = { id: '230000000000000005', username: 'marius' };
const JAVERT = { id: '230000000000000006', username: 'javert' };
const GENERAL = { id: '330000000000000001', name: 'general' };
const TOKEN = 'plex-owner-token-link-1';

describe('linking Plex members', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: Awaited<ReturnType<typeof startPlexTvDouble>>;
  const link = (member: string, account: string) =>
    discord.invoke({
      user: ADMIN.id,
      command: 'user',
      subcommand: 'link',
      options: { member, server: 'Main', account },
      admin: true,
    });
  const linkOf = async (memberDiscordId: string) => {
    const rows = await bot.bot.ctx.db.select().from(mediaAccounts);
    const members = await bot.bot.ctx.db.query.members.findMany();
    const member = members.find((m) => m.discordUserId === memberDiscordId);
    return rows.find((r) => r.memberId === member?.id);
  };

  before(async () => {
    discord = await DiscordDouble.start({
      ownerId: ADMIN.id,
      members: [ADMIN, ALICE, COSETTE, EPONINE, MARIUS, JAVERT],
      channels: [GENERAL],
    });
    plex = await startPlexDouble({ token: TOKEN, friendlyName: 'Basement PMS' });
    // The server has only seen the owner and alice: cosette accepted but never played anything.
    plex.setAccounts([
      { id: 1, name: 'owner' },
      { id: 7001, name: 'alice_plex' },
    ]);
    plexTv = await startPlexTvDouble({
      token: TOKEN,
      friends: [
        { id: 7001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
        { id: 7002, username: 'cosette_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
        {
          id: 7003,
          username: 'marius_plex',
          servers: [{ machineIdentifier: plex.machineIdentifier, pending: true }],
        },
        { id: 7004, username: 'stranger', servers: [{ machineIdentifier: 'f'.repeat(40) }] },
        { id: 7006, username: 'javert_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
      invites: [
        { id: 7005, username: 'eponine_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url } });
    await discord.invoke({
      user: ADMIN.id,
      command: 'server',
      subcommand: 'add',
      options: { platform: 'plex', name: 'Main', url: plex.url, token: TOKEN },
      admin: true,
    });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
  });

  test('a member who accepted the invite but never played anything is linked by plex.tv account id', async () => {
    const reply = await link(COSETTE.id, 'Cosette_Plex');
    assert.match(text(reply), /linked to \*\*cosette\\_plex\*\* on \*\*Main\*\*/);
    assert.doesNotMatch(text(reply), /pending|Could not reach/);
    assert.equal((await linkOf(COSETTE.id))?.accountId, '7002');
  });

  test('a pending invite (plex.tv v2 owned/pending) is linked and the admin is told it is not accepted yet', async () => {
    const reply = await link(EPONINE.id, 'eponine_plex');
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /linked to \*\*eponine\\_plex\*\*/);
    assert.match(text(reply), /\*\*eponine\\_plex\*\* has not accepted the invite to Main yet/);
    assert.equal((await linkOf(EPONINE.id))?.accountId, '7005');
    // Nothing is asked of the retired routes; the pending invites come from the v2 list.
    assert.ok(!plexTv.requests.some((r) => RETIRED_ROUTES.some((route) => r.path.startsWith(route))));
    assert.ok(plexTv.requests.some((r) => r.path === '/api/v2/shared_servers/owned/pending'));
  });

  test('a share of this server that is not accepted yet is explained the same way', async () => {
    const reply = await link(MARIUS.id, 'marius_plex');
    assert.match(text(reply), /has not accepted the invite to Main yet/);
    assert.equal((await linkOf(MARIUS.id))?.accountId, '7003');
  });

  test('the plex.tv email of an invite finds it too; the link keeps the user name', async () => {
    const reply = await link(EPONINE.id, 'EPONINE_PLEX@example.com');
    assert.match(text(reply), /linked to \*\*eponine\\_plex\*\*/);
    assert.match(text(reply), /has not accepted the invite to Main yet/);
    assert.equal((await linkOf(EPONINE.id))?.accountName, 'eponine_plex');
    assert.equal((await linkOf(EPONINE.id))?.accountId, '7005');
  });

  test('a typo is refused, with the close names suggested', async () => {
    const reply = await link(ALICE.id, 'alice_plx');
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /Not done/);
    assert.match(text(reply), /no account named “alice\\_plx”\. Did you mean \*\*alice\\_plex\*\*\?/);
    assert.equal(await linkOf(ALICE.id), undefined);
  });

  test('pending invites unreadable: a user on plex.tv is still linked and checked', async () => {
    plexTv.brokenRoutes.add('/api/v2/shared_servers/owned/pending');
    try {
      const reply = await link(JAVERT.id, 'javert_plex');
      assert.match(text(reply), /linked to \*\*javert\\_plex\*\* on \*\*Main\*\*\.$/);
      assert.equal((await linkOf(JAVERT.id))?.accountId, '7006');
      // A name not among what was read may be an invite: kept as typed, and the admin is told what was not read.
      const unsure = await link(JAVERT.id, 'someone_invited');
      assert.match(text(unsure), /linked to \*\*someone\\_invited\*\*/);
      assert.match(text(unsure), /the pending invites on plex\.tv could not be read now/);
      assert.equal((await linkOf(JAVERT.id))?.accountId, null);
    } finally {
      plexTv.brokenRoutes.clear();
    }
    // Read again in full, the name that does not exist is refused (and the link made before stays).
    assert.match(text(await link(JAVERT.id, 'someone_invited')), /Not done/);
    assert.equal((await linkOf(JAVERT.id))?.accountName, 'someone_invited');
  });

  test('a friend of the owner without access to this server is refused, with the names that exist', async () => {
    const reply = await link(ALICE.id, 'stranger');
    assert.equal(reply.ephemeral, true);
    assert.match(text(reply), /Not done/);
    assert.match(text(reply), /no account named “stranger”/);
    // Names the server reports are member-controlled: escaped for Discord (alice\_plex renders as alice_plex).
    assert.match(text(reply), /alice\\_plex/);
    assert.equal(await linkOf(ALICE.id), undefined);
  });

  test('plex.tv down: an account the server has seen is still checked; another is kept by name', async () => {
    plexTv.fault = 'server-error';
    try {
      const seen = await link(ALICE.id, 'alice_plex');
      assert.match(text(seen), /linked to \*\*alice\\_plex\*\* on \*\*Main\*\*\.$/);
      assert.equal((await linkOf(ALICE.id))?.accountId, '7001');
      const unseen = await link(COSETTE.id, 'cosette_plex');
      assert.match(text(unseen), /linked to \*\*cosette\\_plex\*\*/);
      assert.match(
        text(unseen),
        /the users on plex\.tv and the pending invites on plex\.tv could not be read now/,
      );
      assert.equal((await linkOf(COSETTE.id))?.accountId, null);
    } finally {
      plexTv.fault = null;
    }
  });

  test('plex.tv and the server both down: the link is saved by name, the admin told it was not checked', async () => {
    plexTv.fault = 'server-error';
    plex.fault = 'server-error';
    try {
      const reply = await link(COSETTE.id, 'cosette_plex');
      assert.match(text(reply), /linked to \*\*cosette\\_plex\*\*/);
      assert.match(text(reply), /Could not reach Main to check the name/);
    } finally {
      plexTv.fault = null;
      plex.fault = null;
    }
  });

  test('plex.tv hanging past the timeout still gets an answer', async () => {
    plexTv.fault = 'hang';
    const reply = await link(COSETTE.id, 'cosette_plex');
    plexTv.fault = null;
    assert.match(text(reply), /linked to \*\*cosette\\_plex\*\*/);
  });

  test('linking again once plex.tv answers learns the id', async () => {
    const reply = await link(COSETTE.id, 'cosette_plex');
    assert.match(text(reply), /linked to/);
    assert.equal((await linkOf(COSETTE.id))?.accountId, '7002');
  });
});
