// No input makes the bot fail or exit: the longest value Discord lets a member type goes into every string option
// of every command (iterated from commands/index.ts, so a new command is covered without editing this file). The
// Discord double refuses any answer over Discord's limits with the real 400 / 50035 "Invalid Form Body", so an
// overflow shows up as a missing answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { commands } from '../../commands/index.ts';
import * as schema from '../../src/db/schema.ts';
import { streamBreachAlert, streamBreachDm } from '../../src/notify/notices.ts';
import { TEMPLATE_MAX_LENGTH, TEMPLATE_PLACEHOLDERS } from '../../src/policy/templates.ts';
import { DiscordDouble } from '../doubles/discord/index.ts';
import type { OptionSpec } from '../doubles/discord/options.ts';
import { startPlexDouble } from '../doubles/plex.ts';
import { startPlexTvDouble } from '../doubles/plex-tv.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { text } from '../helpers/discord.ts';

const ADMIN = { id: '200000000000000001', username: 'owner' };
const ALICE = { id: '200000000000000002', username: 'alice' };
const ALERTS = { id: '300000000000000002', name: 'alerts' };
const PLEX_TOKEN = 'plex-owner-token-1234';

/** Discord accepts string option values up to 6,000 characters; the bot accepts up to 5,000. */
const LONG = 5000;
/**
 * Markdown, mentions, an unmatched brace (refused by template validation), spaces (refused in tokens and email
 * addresses) and a character outside names' alphabet: valid nowhere, so every command must refuse it.
 */
const NASTY = '}@everyone **bold** <@&1> [x](https://example.org) `code` ||spoiler|| ';
const longValue = (max: number | undefined) =>
  NASTY.repeat(Math.ceil(LONG / NASTY.length)).slice(0, max ?? LONG);

type Values = Record<string, string | number | boolean>;
interface Invocation {
  label: string;
  command: string;
  subcommand?: string;
  group?: string;
  options: Values;
  /** Name of the option under test. */
  target: string;
  /** Delivered past the option's max_length (the double's `unchecked`). */
  unchecked?: boolean;
}

/**
 * Values Discord can deliver that no command may take: past the registered max_length (a client that loaded an
 * older definition; Discord's own ceiling is 6,000), astral characters (2 UTF-16 units each), control characters,
 * an unpaired surrogate and a text-direction override. Each must be refused before the command runs.
 */
const HOSTILE: Array<{
  kind: string;
  value: string | ((spec: OptionSpec) => string);
  unchecked?: boolean;
  answer: RegExp;
}> = [
  {
    kind: '5,000 characters',
    value: longValue(LONG),
    unchecked: true,
    answer: /too long \(5,000 characters/,
  },
  {
    // 2,000, or one past max_length where that is longer (the template text takes 4,000).
    kind: '2,000 astral characters',
    value: (spec) => '\u{1D54F}'.repeat(Math.max(2000, (spec.max_length ?? 0) + 1)),
    unchecked: true,
    answer: /too long \((2,000|[\d,]+) characters/,
  },
  { kind: 'a NUL and a bell', value: 'Family\u0000\u0007', answer: /characters that can't be used/ },
  { kind: 'a new line', value: 'Fam\nily', answer: /characters that can't be used/ },
  { kind: 'an unpaired surrogate', value: 'Fam\uD800ily', answer: /characters that can't be used/ },
  { kind: 'a right-to-left override', value: 'Fam\u202Eily', answer: /characters that can't be used/ },
];

describe('over-long input in every string option', () => {
  let discord: DiscordDouble;
  let bot: TestBot;
  let plex: Awaited<ReturnType<typeof startPlexDouble>>;
  let plexTv: Awaited<ReturnType<typeof startPlexTvDouble>>;
  const db = () => bot.bot.ctx.db;
  let role: { id: string };

  /** A valid value for an option that is not under test, so the long value reaches as deep as it can. */
  const validValue = (spec: OptionSpec): string | number | boolean => {
    if (spec.choices?.[0]) return spec.choices[0].value;
    switch (spec.type) {
      case 3:
        return (
          {
            name: 'Family',
            plan: 'Family',
            server: 'Basement',
            account: 'alice_plex',
            url: plex.url,
            token: PLEX_TOKEN,
          }[spec.name] ?? 'x'
        );
      case 4:
      case 10:
        return spec.min_value ?? 1;
      case 5:
        return true;
      case 6:
        return ALICE.id;
      case 7:
        return ALERTS.id;
      case 8:
        return role.id;
      default:
        throw new Error(`no valid value for option type ${spec.type}`);
    }
  };

  /**
   * One invocation per free-text string option (choices are fixed by Discord, so they are not free text), with
   * `value` in it (by default the longest value Discord's client lets a member type there).
   */
  function invocations(value?: (spec: OptionSpec) => string, unchecked?: boolean): Invocation[] {
    const out: Invocation[] = [];
    const leaf = (command: string, path: { group?: string; subcommand?: string }, opts: OptionSpec[]) => {
      for (const target of opts.filter((o) => o.type === 3 && !o.choices)) {
        const options: Values = {};
        for (const o of opts) if (o.required && o !== target) options[o.name] = validValue(o);
        // Discord's client stops at max_length and its API refuses longer values, as the double does.
        options[target.name] = value ? value(target) : longValue(target.max_length);
        const where = [command, path.group, path.subcommand].filter(Boolean).join(' ');
        out.push({
          label: `/${where} ${target.name}`,
          command,
          ...path,
          options,
          target: target.name,
          unchecked,
        });
      }
    };
    for (const c of commands) {
      const def = c.data.toJSON() as { name: string; options?: OptionSpec[] };
      const opts = def.options ?? [];
      if (!opts.some((o) => o.type === 1 || o.type === 2)) leaf(def.name, {}, opts);
      for (const o of opts) {
        if (o.type === 1) leaf(def.name, { subcommand: o.name }, [...(o.options ?? [])]);
        if (o.type === 2)
          for (const s of o.options ?? [])
            leaf(def.name, { group: o.name, subcommand: s.name }, [...(s.options ?? [])]);
      }
    }
    return out;
  }

  /** Every row of every table, so "nothing changed" covers tables added later too. */
  async function everything() {
    // Leases are renewed by the cluster on its own schedule (PostgreSQL), whatever the commands do.
    const tables = Object.entries(schema).filter(([name, t]) => is(t, PgTable) && name !== 'leases') as [
      string,
      PgTable,
    ][];
    const rows: Record<string, unknown[]> = {};
    for (const [name, table] of tables) rows[name] = await db().select().from(table);
    return rows;
  }

  before(async () => {
    discord = await DiscordDouble.start({ ownerId: ADMIN.id, members: [ADMIN, ALICE], channels: [ALERTS] });
    role = discord.createRole({ name: 'Supporter' });
    plex = await startPlexDouble({ token: PLEX_TOKEN, premium: true, friendlyName: 'Basement' });
    plex.setAccounts([{ id: 5001, name: 'alice_plex' }]);
    // plex.tv answers, so a long account name is checked against the server's users and refused (not linked by
    // name, as it would be while plex.tv is unreachable).
    plexTv = await startPlexTvDouble({
      token: PLEX_TOKEN,
      friends: [
        { id: 5001, username: 'alice_plex', servers: [{ machineIdentifier: plex.machineIdentifier }] },
      ],
    });
    bot = await startTestBot({ discord, config: { plexTvUrl: plexTv.url } });
    const admin = (command: string, subcommand: string, options: Values) =>
      discord.invoke({ user: ADMIN.id, command, subcommand, options, admin: true });
    await admin('plan', 'create', {
      name: 'Family',
      'stream-cap': 2,
      downloads: true,
      'download-allotment': 5,
    });
    await admin('server', 'add', { platform: 'plex', name: 'Basement', url: plex.url, token: PLEX_TOKEN });
    await admin('user', 'plan', { member: ALICE.id, plan: 'Family' });
    await admin('user', 'link', { member: ALICE.id, server: 'Basement', account: 'alice_plex' });
  });

  after(async () => {
    await bot?.stop();
    await discord?.stop();
    await plex?.stop();
    await plexTv?.stop();
  });

  test('the set-up worked, so the long values reach past "no such plan/server"', async () => {
    assert.equal((await db().select().from(schema.plans)).length, 1);
    assert.equal((await db().select().from(schema.mediaServers)).length, 1);
    assert.equal((await db().select().from(schema.mediaAccounts)).length, 1);
  });

  test('every command answers within Discord limits, changes nothing, and the bot stays up', async () => {
    const all = invocations();
    assert.ok(all.length >= 15, `found only ${all.length} string options: is commands/index.ts read?`);
    const beforeState = await everything();
    const problems: string[] = [];
    for (const inv of all) {
      try {
        const { label: _label, target: _target, ...request } = inv;
        const reply = await discord.invoke({ user: ADMIN.id, admin: true, ...request });
        const shown = text(reply);
        if (!reply.ephemeral) problems.push(`${inv.label}: not private`);
        if (shown.trim() === '') problems.push(`${inv.label}: empty answer`);
        if (/@everyone|<@&1>|\*\*bold\*\*/.test(shown))
          problems.push(`${inv.label}: member text inserted without escaping`);
        if (JSON.stringify(reply.allowedMentions) !== '{"parse":[]}')
          problems.push(`${inv.label}: mentions on`);
      } catch (err) {
        // An answer over Discord's limits is refused by the double (50035), so the interaction gets no answer.
        problems.push(`${inv.label}: ${(err as Error).message.slice(0, 300)}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(await everything(), beforeState, 'nothing changed in the database');
    const list = await discord.invoke({ user: ADMIN.id, command: 'plan', subcommand: 'list', admin: true });
    assert.match(text(list), /Family/, 'the bot still answers afterwards');
  });

  test('values past the definition, astral, control and direction characters: refused with a clear answer', async () => {
    const beforeState = await everything();
    const problems: string[] = [];
    let sent = 0;
    for (const hostile of HOSTILE) {
      const { value } = hostile;
      for (const inv of invocations(typeof value === 'string' ? () => value : value, hostile.unchecked)) {
        const { label, target: _target, ...request } = inv;
        sent += 1;
        try {
          const reply = await discord.invoke({ user: ADMIN.id, admin: true, ...request });
          const shown = text(reply);
          if (!reply.ephemeral) problems.push(`${label} (${hostile.kind}): not private`);
          if (!/Not done/.test(shown) || !hostile.answer.test(shown))
            problems.push(`${label} (${hostile.kind}): ${shown.slice(0, 160)}`);
          if (!shown.includes(`\`${inv.target}\``))
            problems.push(`${label} (${hostile.kind}): option not named`);
        } catch (err) {
          problems.push(`${label} (${hostile.kind}): ${(err as Error).message.slice(0, 300)}`);
        }
      }
    }
    assert.ok(sent >= HOSTILE.length * 15, `sent only ${sent}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(await everything(), beforeState, 'nothing changed in the database');
  });

  test('/plan role and /plan unrole with a 5,000-character or 2,000-astral-character plan name say what is wrong', async () => {
    for (const subcommand of ['role', 'unrole'])
      for (const plan of [longValue(LONG), '\u{1F600}'.repeat(2000)]) {
        const reply = await discord.invoke({
          user: ADMIN.id,
          admin: true,
          command: 'plan',
          subcommand,
          options: { plan, role: role.id },
          unchecked: true,
        });
        assert.match(text(reply), /`plan` is too long .*at most 40.*Pick a value from the list/s);
        assert.doesNotMatch(text(reply), /Something went wrong/);
      }
  });

  test('an interaction from another guild gets nothing: no suggestions, no command run', async () => {
    const other = '999999999999999999';
    const here = await discord.autocomplete({
      user: ADMIN.id,
      admin: true,
      command: 'plan',
      subcommand: 'edit',
      focused: 'name',
    });
    assert.deepEqual(
      here.map((c) => c.value),
      ['Family'],
    );
    const there = await discord.autocomplete({
      user: ADMIN.id,
      admin: true,
      command: 'plan',
      subcommand: 'edit',
      focused: 'name',
      fromGuild: other,
    });
    assert.deepEqual(there, []);
    const list = await discord.invoke({
      user: ADMIN.id,
      admin: true,
      command: 'plan',
      subcommand: 'list',
      fromGuild: other,
    });
    assert.match(text(list), /only answers in its community server/);
    assert.doesNotMatch(text(list), /Family/);
  });

  test('notices built from long server-controlled text are delivered (DM and alert)', async () => {
    // Member- and server-controlled text (names, devices, titles) is hostile; the bot's own phrases are just long.
    const huge = longValue(LONG);
    const ownPhrase = 'stopped after the confirm delay; '.repeat(200);
    const notice = {
      memberName: huge,
      planName: 'Family',
      limit: 1,
      count: 30,
      dryRun: false,
      streams: Array.from({ length: 30 }, (_, i) => ({
        server: 'Basement',
        device: huge,
        ipAddress: '10.0.0.2',
        title: `${i} ${huge}`,
        state: 'playing',
        startedAt: null,
        action: { code: null, text: ownPhrase },
      })),
    };
    const template = '{member} is over the limit of {plan}:\n{streams}';
    const notifier = bot.bot.ctx.notifier;
    assert.equal((await notifier.dm(ALICE.id, streamBreachDm(template, notice))).ok, true);
    const alert = streamBreachAlert(template, {
      ...notice,
      discordUserId: ALICE.id,
      dmDelivery: ownPhrase,
      stopNote: ownPhrase,
    });
    // After the test messages `/enforcement alerts-channel` and `reports-channel` posted there.
    const postsBefore = discord.messagesIn(ALERTS.id).length;
    assert.equal((await notifier.alert(ALERTS.id, alert)).ok, true);
    const [posted] = discord.messagesIn(ALERTS.id).slice(postsBefore);
    assert.ok(posted, 'the alert was posted');
    assert.doesNotMatch(text({ content: posted.content, embeds: posted.embeds }), /@everyone|<@&1>/);
  });

  test('long input that is accepted is answered within limits too (a template that grows when filled in)', async () => {
    // The longest template there is, made of the placeholder whose sample value is longest: it grows past 4,096.
    const name = 'stream-email';
    assert.equal(TEMPLATE_MAX_LENGTH[name], 4000);
    assert.ok(TEMPLATE_PLACEHOLDERS[name].includes('streams'));
    const templateText = '{streams} '.repeat(400);
    const problems: string[] = [];
    for (const [subcommand, options] of [
      ['set', { name, text: templateText }],
      ['preview', { name }],
      ['reset', { name }],
    ] as const) {
      try {
        const reply = await discord.invoke({
          user: ADMIN.id,
          admin: true,
          command: 'template',
          subcommand,
          options,
        });
        if (/Not done/.test(text(reply)))
          problems.push(`/template ${subcommand}: not done: ${text(reply).slice(0, 200)}`);
      } catch (err) {
        problems.push(`/template ${subcommand}: ${(err as Error).message.slice(0, 300)}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
