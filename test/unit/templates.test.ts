import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_TEMPLATES,
  isTemplateName,
  renderTemplate,
  TEMPLATE_DESCRIPTIONS,
  TEMPLATE_MAX_LENGTH,
  TEMPLATE_NAMES,
  TEMPLATE_PLACEHOLDERS,
  type TemplateName,
  validateTemplate,
} from '../../src/policy/templates.ts';

const ZWSP = '\u200b';

const sampleValues: Record<TemplateName, Record<string, string | number>> = (() => {
  const stream = {
    member: 'Alice',
    plan: 'Family',
    cap: 2,
    count: 3,
    streams:
      '• Plex Home: Living Room TV, The Expanse S02E03\n• Plex Home: iPhone, Dune\n• Jellyfin Cabin: Chrome, Alien',
  };
  const download = {
    member: 'Alice',
    plan: 'Family',
    allotment: 10,
    count: 12,
    resets: '<t:1773532800:R>',
    disabled: 'Downloads are switched off for your account until then.',
  };
  const server = { server: 'Plex Home', reason: 'connection timed out after 10 s' };
  return {
    'stream-dm': stream,
    'stream-onscreen': stream,
    'stream-alert': stream,
    'stream-email': stream,
    warning: { ...stream, deadline: '<t:1773532800:R>' },
    'download-dm': download,
    'download-alert': download,
    'download-email': download,
    'server-down': server,
    'server-up': server,
  };
})();

describe('template catalogue', () => {
  it('every record covers exactly the template names', () => {
    const names = [...TEMPLATE_NAMES].sort();
    for (const record of [
      TEMPLATE_PLACEHOLDERS,
      DEFAULT_TEMPLATES,
      TEMPLATE_DESCRIPTIONS,
      TEMPLATE_MAX_LENGTH,
    ]) {
      assert.deepEqual(Object.keys(record).sort(), names);
    }
    assert.equal(new Set(TEMPLATE_NAMES).size, TEMPLATE_NAMES.length);
  });

  it('placeholder sets by family', () => {
    assert.deepEqual(TEMPLATE_PLACEHOLDERS['stream-dm'], ['member', 'plan', 'cap', 'count', 'streams']);
    // The alert lists the streams in its own field, so its text does not offer {streams}.
    assert.deepEqual(TEMPLATE_PLACEHOLDERS['stream-alert'], ['member', 'plan', 'cap', 'count']);
    assert.deepEqual(TEMPLATE_PLACEHOLDERS['download-email'], [
      'member',
      'plan',
      'allotment',
      'count',
      'resets',
      'disabled',
    ]);
    assert.deepEqual(TEMPLATE_PLACEHOLDERS['server-up'], ['server', 'reason']);
  });

  it('maximum lengths', () => {
    assert.equal(TEMPLATE_MAX_LENGTH['stream-onscreen'], 300);
    assert.equal(TEMPLATE_MAX_LENGTH['stream-dm'], 1500);
    assert.equal(TEMPLATE_MAX_LENGTH['download-alert'], 1500);
    assert.equal(TEMPLATE_MAX_LENGTH['stream-email'], 4000);
    assert.equal(TEMPLATE_MAX_LENGTH['server-down'], 500);
  });

  for (const name of TEMPLATE_NAMES) {
    it(`default ${name} is valid, renders every placeholder it uses, and has a one-line description`, () => {
      assert.deepEqual(validateTemplate(name, DEFAULT_TEMPLATES[name]), { ok: true });
      const rendered = renderTemplate(DEFAULT_TEMPLATES[name], sampleValues[name]);
      assert.doesNotMatch(rendered, /\{[a-z]+\}/);
      assert.ok(rendered.length <= TEMPLATE_MAX_LENGTH[name]);
      assert.ok(TEMPLATE_DESCRIPTIONS[name].length > 0 && !TEMPLATE_DESCRIPTIONS[name].includes('\n'));
    });
  }

  it('the on-screen default stays short on a TV (≤ 200 chars rendered)', () => {
    const rendered = renderTemplate(DEFAULT_TEMPLATES['stream-onscreen'], sampleValues['stream-onscreen']);
    assert.ok(rendered.length <= 200, `${rendered.length} chars`);
    assert.equal(
      rendered,
      'Too many devices in use: your plan (Family) allows 2 at once. Stop another stream, then try again.',
    );
  });

  it('isTemplateName', () => {
    assert.equal(isTemplateName('stream-dm'), true);
    assert.equal(isTemplateName('server-up'), true);
    assert.equal(isTemplateName('stream'), false);
    assert.equal(isTemplateName('STREAM-DM'), false);
    assert.equal(isTemplateName('constructor'), false);
  });
});

describe('validateTemplate', () => {
  const rejected: Array<{ name: TemplateName; text: string; problem: RegExp }> = [
    { name: 'stream-dm', text: '', problem: /empty/ },
    { name: 'stream-dm', text: '  \n\t ', problem: /empty/ },
    {
      name: 'stream-dm',
      text: 'Hi {membr}, slow down',
      problem: /Unknown placeholder \{membr\}.*\{member\}, \{plan\}, \{cap\}, \{count\}, \{streams\}/,
    },
    {
      name: 'server-down',
      text: '{server} is down for {member}',
      problem: /\{member\}.*Use only: \{server\}, \{reason\}/,
    },
    { name: 'download-dm', text: 'You have {count} of {limit} {streams}', problem: /\{streams\}/ },
    { name: 'download-dm', text: 'You have {count} of {cap}', problem: /Unknown placeholder \{cap\}/ },
    { name: 'stream-dm', text: '{count} of {allotment}', problem: /Unknown placeholder \{allotment\}/ },
    { name: 'stream-alert', text: '{member}:\n{streams}', problem: /Unknown placeholder \{streams\}/ },
    { name: 'server-down', text: '{server} {limit}', problem: /Unknown placeholder \{limit\}/ },
    { name: 'stream-dm', text: 'Hi {member, too many', problem: /Unmatched "\{" at character 4/ },
    { name: 'stream-dm', text: 'Hi member}, too many', problem: /Unmatched "\}" at character 10/ },
    { name: 'stream-dm', text: 'Hi {{member}}', problem: /Unmatched "\{" at character 4/ },
    { name: 'stream-dm', text: 'Hi {member', problem: /Unmatched "\{"/ },
    { name: 'stream-dm', text: 'Empty {} braces', problem: /Unknown placeholder \{\}/ },
    { name: 'stream-dm', text: 'Hi { member }', problem: /Unknown placeholder \{ member \}/ },
    {
      name: 'stream-onscreen',
      text: 'x'.repeat(301),
      problem: /301 characters; the limit is 300\. Shorten it by 1/,
    },
    { name: 'server-up', text: `{server} ${'y'.repeat(500)}`, problem: /limit is 500/ },
  ];
  for (const c of rejected) {
    it(`rejects ${c.name}: ${JSON.stringify(c.text.slice(0, 30))}`, () => {
      const result = validateTemplate(c.name, c.text);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.match(result.problem, c.problem);
    });
  }

  const accepted: Array<{ name: TemplateName; text: string }> = [
    { name: 'stream-onscreen', text: 'x'.repeat(300) },
    { name: 'stream-dm', text: 'No placeholders at all.' },
    { name: 'stream-alert', text: '{member} {member} {count}/{cap}' },
    { name: 'download-alert', text: '{member}: {count}/{allotment}, resets {resets}. {disabled}' },
    // Saved before {limit} was renamed: still accepted in every template that has a cap or an allotment.
    { name: 'stream-alert', text: '{member} {count}/{limit}' },
    { name: 'warning', text: '{member}: {limit} at once, stop one {deadline}' },
    { name: 'download-alert', text: '{member}: {count}/{limit}, resets {resets}. {disabled}' },
    { name: 'server-down', text: '{server}: {reason}' },
  ];
  for (const c of accepted) {
    it(`accepts ${c.name}: ${JSON.stringify(c.text.slice(0, 30))}`, () => {
      assert.deepEqual(validateTemplate(c.name, c.text), { ok: true });
    });
  }
});

describe('renderTemplate', () => {
  it('fills a saved template’s {limit} with the stream cap or the download allotment, and {cap} from an older caller', () => {
    const saved = 'Hi {member}, {count} of {limit}';
    assert.equal(renderTemplate(saved, sampleValues['stream-dm']), 'Hi Alice, 3 of 2');
    assert.equal(renderTemplate(saved, sampleValues['download-dm']), 'Hi Alice, 12 of 10');
    assert.equal(renderTemplate('{cap} / {allotment}', { limit: 4 }), '4 / 4');
    assert.equal(renderTemplate('{limit}', { cap: 1, limit: 9 }), '9', 'a value of its own name wins');
  });

  const cases: Array<{
    name: string;
    text: string;
    values: Record<string, string | number>;
    expected: string;
  }> = [
    {
      name: 'replaces placeholders',
      text: 'Hi {member}, {count}/{limit}',
      values: { member: 'Bob', count: 3, limit: 2 },
      expected: 'Hi Bob, 3/2',
    },
    {
      name: 'replaces every occurrence',
      text: '{member} {member}',
      values: { member: 'Bob' },
      expected: 'Bob Bob',
    },
    {
      name: 'leaves unknown placeholders as they are',
      text: 'Hi {member} {other}',
      values: { member: 'Bob' },
      expected: 'Hi Bob {other}',
    },
    {
      name: 'leaves prototype names alone',
      text: '{constructor} {toString}',
      values: {},
      expected: '{constructor} {toString}',
    },
    {
      name: 'inserts values literally ($ patterns)',
      text: 'Plan {plan}',
      values: { plan: "$& $1 $' $$" },
      expected: "Plan $& $1 $' $$",
    },
    {
      name: 'does not expand braces inside values',
      text: '{member}',
      values: { member: '{plan}', plan: 'X' },
      expected: '{plan}',
    },
    { name: 'numbers and zero', text: '{count}', values: { count: 0 }, expected: '0' },
    { name: 'empty value', text: 'A{disabled}B', values: { disabled: '' }, expected: 'AB' },
    {
      name: 'neutralises @everyone in a value',
      text: 'Hi {member}',
      values: { member: '@everyone' },
      expected: `Hi @${ZWSP}everyone`,
    },
    {
      name: 'neutralises @here in a value',
      text: '{member}',
      values: { member: 'x@here' },
      expected: `x@${ZWSP}here`,
    },
    {
      name: 'neutralises a role mention in a value',
      text: '{member}',
      values: { member: '<@&123>' },
      expected: `<@${ZWSP}&123>`,
    },
    {
      name: 'neutralises a user mention in a value',
      text: '{member}',
      values: { member: '<@456>' },
      expected: `<@${ZWSP}456>`,
    },
    {
      name: 'leaves the template text itself untouched',
      text: '@here {member}',
      values: { member: 'Bob' },
      expected: '@here Bob',
    },
    { name: 'unicode names', text: '{member}!', values: { member: 'Zoë 🎬' }, expected: 'Zoë 🎬!' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(renderTemplate(c.text, c.values), c.expected));
  }
});
