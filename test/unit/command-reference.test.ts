// docs/commands.md is generated from the command definitions; this fails when it no longer matches them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMAND_REFERENCE_PATH, renderCommandReference } from '../../scripts/command-reference.ts';

test('docs/commands.md is what scripts/command-reference.ts generates (run `npm run docs:commands`)', () => {
  const onDisk = readFileSync(COMMAND_REFERENCE_PATH, 'utf8');
  assert.equal(onDisk, renderCommandReference());
});

test('the reference names every command, its admin-only status and option limits', () => {
  const text = renderCommandReference();
  assert.match(text, /\| \[`\/quota`\]\(#quota\) \| everyone \|/);
  assert.match(text, /\| \[`\/server`\]\(#server\) \| admins \(Manage Server\) \|/);
  assert.match(text, /### `\/server add`/);
  assert.match(text, /\| `name` \| text \| yes \| A short name, e\.g\. "4K" \| up to 40 characters \|/);
  assert.match(text, /one of: `Plex`, `Jellyfin`, `Emby`/);
});
