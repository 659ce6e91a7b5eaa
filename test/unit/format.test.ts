// The one place where Discord's size limits are enforced (fitMessage / fitEmbed), and the escaping of member text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { APIEmbed } from 'discord.js';
import { clip, embedSize, fitEmbed, fitMessage, LIMITS, quoted, safe } from '../../src/notify/format.ts';

const long = (n: number, ch = 'x') => ch.repeat(n);

/** Discord's limits, checked independently of the code under test. */
function assertWithinLimits(message: { content?: string; embeds?: APIEmbed[] }) {
  assert.ok((message.content ?? '').length <= 2000, 'content ≤ 2000');
  const embeds = message.embeds ?? [];
  assert.ok(embeds.length <= 10, '≤ 10 embeds');
  let total = 0;
  for (const e of embeds) {
    assert.ok((e.title ?? '').length <= 256, 'title ≤ 256');
    assert.ok((e.description ?? '').length <= 4096, 'description ≤ 4096');
    assert.ok((e.footer?.text ?? '').length <= 2048, 'footer ≤ 2048');
    assert.ok((e.author?.name ?? '').length <= 256, 'author ≤ 256');
    assert.ok((e.fields ?? []).length <= 25, '≤ 25 fields');
    for (const f of e.fields ?? []) {
      assert.ok(f.name.length >= 1 && f.name.length <= 256, 'field name 1–256');
      assert.ok(f.value.length >= 1 && f.value.length <= 1024, 'field value 1–1024');
      total += f.name.length + f.value.length;
    }
    total += (e.title ?? '').length + (e.description ?? '').length;
    total += (e.footer?.text ?? '').length + (e.author?.name ?? '').length;
  }
  assert.ok(total <= 6000, `total ${total} ≤ 6000`);
}

describe('clip', () => {
  const cases: [string, number, string][] = [
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven char', 10, 'eleven ch…'],
    ['ab😀cd', 4, 'ab…'], // never leaves half of a surrogate pair
  ];
  for (const [input, max, expected] of cases)
    test(`${JSON.stringify(input)} to ${max}`, () => assert.equal(clip(input, max), expected));
});

describe('fitMessage', () => {
  const cases: [string, { content?: string; embeds?: APIEmbed[] }][] = [
    ['long content', { content: long(5000) }],
    ['long title and description', { embeds: [{ title: long(5000), description: long(5000) }] }],
    [
      'long footer, author and field texts',
      {
        embeds: [
          {
            title: 't',
            footer: { text: long(5000) },
            author: { name: long(5000) },
            fields: [{ name: long(5000), value: long(5000) }],
          },
        ],
      },
    ],
    [
      '30 full fields (over 25 and over 6000 in total)',
      {
        embeds: [
          {
            title: 'many',
            fields: Array.from({ length: 30 }, () => ({ name: long(256), value: long(1024) })),
          },
        ],
      },
    ],
    [
      'description and fields that only together pass 6000',
      {
        embeds: [
          {
            title: 'together',
            description: long(4096),
            fields: [
              { name: 'a', value: long(1024) },
              { name: 'b', value: long(1024) },
            ],
          },
        ],
      },
    ],
    [
      '12 embeds sharing the total',
      { embeds: Array.from({ length: 12 }, () => ({ description: long(4000) })) },
    ],
    [
      'empty field texts (Discord refuses them)',
      { embeds: [{ title: 'x', fields: [{ name: '', value: '' }] }] },
    ],
  ];
  for (const [label, message] of cases) {
    test(label, () => {
      const fitted = fitMessage(message);
      assertWithinLimits(fitted);
      if (message.content) assert.ok(fitted.content?.endsWith('…'), 'shortened text ends with an ellipsis');
    });
  }

  test('a message within limits is unchanged', () => {
    const message = {
      content: 'hello',
      embeds: [{ title: 'T', description: 'D', fields: [{ name: 'n', value: 'v', inline: true }], color: 1 }],
    };
    assert.deepEqual(fitMessage(message), message);
  });

  test('the description shrinks before fields are dropped', () => {
    const fitted = fitEmbed({
      title: 't',
      description: long(4096),
      fields: [
        { name: 'a', value: long(1024) },
        { name: 'b', value: long(1024) },
      ],
    });
    assert.equal(fitted.fields?.length, 2);
    assert.equal(embedSize(fitted), LIMITS.total);
    assert.ok(fitted.description?.endsWith('…'));
  });
});

describe('safe and quoted', () => {
  const cases: [string, RegExp][] = [
    [
      '**bold** _it_ ~~s~~ ||sp|| `code`',
      /^\\\*\\\*bold\\\*\\\* \\_it\\_ \\~\\~s\\~\\~ \\\|\\\|sp\\\|\\\| \\`code\\`$/,
    ],
    ['@everyone', /^@\u200beveryone$/],
    ['<@&123> <@456>', /^<@\u200b&123> <@\u200b456>$/],
    ['[click](https://evil.example)', /^\\\[click\]\(https:\/\/evil\.example\)$/],
    ['# Heading', /^\\# Heading$/],
    ['> quote', /^\\> quote$/],
  ];
  for (const [input, expected] of cases)
    test(JSON.stringify(input), () => assert.match(safe(input), expected));

  test('quoted shortens before escaping, so an escape is never cut in half', () => {
    const q = quoted(`${long(99)}*tail`, 100);
    assert.equal(q, `“${long(99)}…”`);
    assert.equal(quoted('a*b'), '“a\\*b”');
  });
});
