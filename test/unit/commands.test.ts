import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationCommandOptionType, PermissionFlagsBits } from 'discord.js';
import { commands } from '../../commands/index.ts';

test('every command definition serializes, and names are unique', () => {
  const names = new Set<string>();
  for (const command of commands) {
    const json = command.data.toJSON();
    assert.match(json.name, /^[a-z-]{1,32}$/);
    assert.ok(!names.has(json.name), `duplicate command ${json.name}`);
    names.add(json.name);
    assert.ok(JSON.stringify(json).length < 8000, `${json.name} is too large for Discord`);
  }
  assert.deepEqual([...names].sort(), [
    'activity',
    'audit',
    'enforcement',
    'history',
    'link',
    'plan',
    'quota',
    'report',
    'server',
    'status',
    'template',
    'user',
  ]);
});

test('admin commands need Manage Server by default; /quota is for everyone', () => {
  for (const command of commands) {
    const json = command.data.toJSON();
    if (command.adminOnly) {
      assert.equal(json.default_member_permissions, PermissionFlagsBits.ManageGuild.toString(), json.name);
    } else {
      assert.equal(json.default_member_permissions ?? null, null, json.name);
    }
  }
});

test('the option names of the command contract are present', () => {
  const contract: Record<string, Record<string, string[]>> = {
    server: {
      add: ['platform', 'name', 'url', 'token'],
      remove: ['name'],
      list: [],
      test: ['name'],
      logging: ['name', 'streams', 'downloads'],
    },
    plan: {
      create: ['name', 'stream-cap', 'downloads', 'download-allotment'],
      edit: ['name', 'stream-cap', 'downloads', 'download-allotment'],
      delete: ['name'],
      list: [],
    },
    user: {
      link: ['member', 'server', 'account'],
      unlink: ['member', 'server'],
      plan: ['member', 'plan'],
      allotment: ['member', 'downloads'],
      info: ['member'],
    },
    enforcement: {
      settings: [],
      'stream-caps': ['enabled'],
      'download-allotments': ['enabled'],
      'switch-off-downloads': ['enabled'],
      'dry-run': ['enabled'],
      'self-link': ['enabled'],
      'alerts-channel': ['channel'],
      'reports-channel': ['channel'],
      'run-now': [],
    },
    template: { list: [], set: ['name', 'text'], reset: ['name'], preview: ['name'] },
  };
  for (const [name, subs] of Object.entries(contract)) {
    const json = commands.find((c) => c.data.name === name)?.data.toJSON();
    assert.ok(json, name);
    for (const [sub, options] of Object.entries(subs)) {
      const s = json.options?.find((o) => o.name === sub);
      assert.ok(s && s.type === ApplicationCommandOptionType.Subcommand, `${name} ${sub}`);
      const present = ('options' in s ? (s.options ?? []) : []).map((o) => o.name);
      for (const option of options) assert.ok(present.includes(option), `${name} ${sub} ${option}`);
    }
  }
  const activity = commands.find((c) => c.data.name === 'activity')?.data.toJSON();
  assert.deepEqual(
    activity?.options?.map((o) => o.name),
    ['member', 'server', 'kind'],
  );
  const link = commands.find((c) => c.data.name === 'link')?.data.toJSON();
  assert.deepEqual(
    link?.options?.map((o) => [o.name, o.required, 'autocomplete' in o && o.autocomplete]),
    [['server', true, true]],
  );
  const quota = commands.find((c) => c.data.name === 'quota')?.data.toJSON();
  assert.deepEqual(
    quota?.options?.map((o) => o.name),
    ['member'],
  );
});

test('names that read alike but did different things are gone (one word per concept, docs/README.md)', () => {
  const sub = (command: string) =>
    commands
      .find((c) => c.data.name === command)
      ?.data.toJSON()
      .options?.map((o) => o.name) ?? [];
  for (const old of ['status', 'streams', 'downloads', 'disable-downloads'])
    assert.ok(!sub('enforcement').includes(old), `/enforcement ${old}`);
  const plan = commands.find((c) => c.data.name === 'plan')?.data.toJSON();
  for (const s of plan?.options ?? []) {
    const names = ('options' in s ? (s.options ?? []) : []).map((o) => o.name);
    for (const old of ['streams', 'weekly-downloads'])
      assert.ok(!names.includes(old), `/plan ${s.name} ${old}`);
  }
  const described = commands
    .flatMap((c) =>
      [...JSON.stringify(c.data.toJSON()).matchAll(/"description":"([^"]*)"/g)].map((m) => m[1]),
    )
    .join('\n');
  assert.doesNotMatch(described, /quota/i, 'descriptions say "download allotment", not "quota"');
  assert.doesNotMatch(described, /\blimits?\b/i, 'descriptions say "stream cap", not "limit"');
});

test('every free-text string option declares its max_length (the bot refuses longer values before a command runs)', () => {
  type Option = { type: number; name: string; max_length?: number; choices?: unknown[]; options?: Option[] };
  const missing: string[] = [];
  const walk = (path: string, options: Option[] = []) => {
    for (const o of options) {
      if (
        o.type === ApplicationCommandOptionType.Subcommand ||
        o.type === ApplicationCommandOptionType.SubcommandGroup
      )
        walk(`${path} ${o.name}`, o.options);
      else if (o.type === ApplicationCommandOptionType.String && !o.choices && o.max_length === undefined)
        missing.push(`${path} ${o.name}`);
    }
  };
  for (const command of commands) {
    const json = command.data.toJSON() as { name: string; options?: Option[] };
    walk(`/${json.name}`, json.options);
  }
  assert.deepEqual(missing, []);
});
