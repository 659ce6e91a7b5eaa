// Discord markdown as the screenshot pages render it (scripts/screenshots/markdown.ts): what a reader sees for
// timestamps, mentions, emphasis, code and lists. And the pictures themselves: present, small, and shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import {
  inline,
  type MarkdownContext,
  markdown,
  relativeTime,
  timestampText,
} from '../../scripts/screenshots/markdown.ts';

const NOW = new Date('2026-11-18T20:08:00Z');
const ctx: MarkdownContext = {
  users: { '240000000000000002': 'Sam' },
  channels: { '340000000000000002': 'alerts' },
  now: NOW,
  emoji: (s) => (s.startsWith('✅') ? '/emoji/2705.svg' : null),
};
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('screenshot markdown', () => {
  test('relative times take the steps Discord shows', () => {
    const cases: Array<[number, string]> = [
      [0, 'a few seconds ago'],
      [30, 'in a few seconds'],
      [60, 'in a minute'],
      [120, 'in 2 minutes'],
      [-240, '4 minutes ago'],
      [-3600, 'an hour ago'],
      [5 * 3600, 'in 5 hours'],
      [24 * 3600, 'in a day'],
      [3 * 86400 + 4 * 3600, 'in 3 days'],
      [-40 * 86400, 'a month ago'],
    ];
    for (const [seconds, shown] of cases)
      assert.equal(relativeTime(at(seconds), NOW), shown, String(seconds));
  });

  test('absolute styles in English, in UTC', () => {
    const s = Date.parse('2026-11-18T20:10:00Z') / 1000;
    assert.equal(timestampText(s, 't', NOW), '8:10 PM');
    assert.equal(timestampText(s, 'd', NOW), '11/18/2026');
    assert.equal(timestampText(s, 'D', NOW), 'November 18, 2026');
    assert.match(timestampText(s, 'f', NOW), /^November 18, 2026,? (at )?8:10 PM$/);
    assert.match(timestampText(s, 'F', NOW), /^Wednesday, November 18, 2026/);
    assert.equal(timestampText(s, 'R', NOW), 'in 2 minutes');
  });

  test('inline constructs, nested, with HTML escaped and escapes honoured', () => {
    const s = Date.parse('2026-11-18T20:10:00Z') / 1000;
    assert.equal(
      inline(`**Home Plex** · started <t:${s}:R> <@240000000000000002> in <#340000000000000002>`, ctx),
      '<discord-bold>Home Plex</discord-bold> · started <discord-time>in 2 minutes</discord-time> ' +
        '<discord-mention type="user">Sam</discord-mention> in <discord-mention type="channel">alerts</discord-mention>',
    );
    assert.equal(inline('`/plan role` <b>', ctx), '<discord-code>/plan role</discord-code> &lt;b&gt;');
    assert.equal(inline('\\*not bold\\*', ctx), '*not bold*');
    assert.equal(
      inline('**a *b* c** __u__ ~~s~~', ctx),
      '<discord-bold>a <discord-italic>b</discord-italic> c</discord-bold> <discord-underlined>u</discord-underlined> <s>s</s>',
    );
    assert.equal(inline('sam_plex_account', ctx), 'sam_plex_account', 'underscores inside a word are text');
    assert.equal(inline('✅ done ❔', ctx), '<img class="emoji" alt="✅" src="/emoji/2705.svg"> done ❔');
  });

  test('numbered and bulleted lines become lists; other lines stay lines', () => {
    assert.equal(
      markdown('Playing:\n1. **A**\n2. B\nThen', ctx),
      '<span class="line">Playing:</span><discord-ordered-list start="1"><discord-list-item><discord-bold>A</discord-bold>' +
        '</discord-list-item><discord-list-item>B</discord-list-item></discord-ordered-list><span class="line">Then</span>',
    );
    assert.equal(
      markdown('- x\n> quoted\n## Title\n\nend', ctx),
      '<discord-unordered-list><discord-list-item>x</discord-list-item></discord-unordered-list>' +
        '<discord-quote>quoted</discord-quote><discord-header level="2">Title</discord-header>' +
        '<span class="line"></span><span class="line">end</span>',
    );
    assert.equal(markdown('• **Plex** · TV\n  → stopped', ctx).includes('<discord-unordered-list>'), false);
  });
});

describe('docs/images', () => {
  const root = resolve(import.meta.dirname, '../..');
  const pictures = ['warning-dm.png', 'alert.png', 'quota.png', 'status.png'];

  test('each picture is a PNG about 700 px wide and under 150 kB', () => {
    for (const name of pictures) {
      const bytes = readFileSync(join(root, 'docs/images', name));
      assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${name}: a PNG`);
      assert.ok(bytes.length < 150_000, `${name}: ${bytes.length} bytes`);
      const width = bytes.readUInt32BE(16);
      assert.ok(width >= 600 && width <= 800, `${name}: ${width} px wide`);
    }
  });

  test('the README and the docs show them', () => {
    const read = (path: string) => readFileSync(join(root, path), 'utf8');
    const shown = [read('README.md'), ...['fairness', 'plans', 'servers'].map((d) => read(`docs/${d}.md`))];
    for (const name of pictures)
      assert.ok(
        shown.some((text) => text.includes(`images/${name})`)),
        `${name} is shown somewhere`,
      );
  });
});
