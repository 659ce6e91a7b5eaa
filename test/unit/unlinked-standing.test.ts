// What `/quota` tells a member who is not linked yet: `/link` when a server lets them link themselves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unlinkedMemberText } from '../../src/services/standing.ts';

test('with no server that allows self-linking (or self-linking off), the member is sent to an admin', () => {
  const text = unlinkedMemberText([]);
  assert.match(text, /Ask a server admin .* `\/user link`\.$/);
  assert.doesNotMatch(text, /`\/link`/);
});

test('with self-linking on and a server that supports it, the member is told to run /link first', () => {
  const text = unlinkedMemberText(['Main', 'Kids']);
  assert.match(text, /Link yourself with `\/link` \(it works on \*\*Main\*\* and \*\*Kids\*\*\)/);
  assert.match(text, /or ask a server admin/);
});

test('a long list of servers is cut to five, and server names cannot ping or format', () => {
  const text = unlinkedMemberText(['@everyone', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.match(text, /\*\*e\*\*, and 2 more\)/);
  assert.doesNotMatch(text, /@everyone/);
});

test('in German, the list and the command name are German', () => {
  const text = unlinkedMemberText(['Main', 'Kids', 'Attic'], 'de');
  assert.match(text, /`\/verknüpfen` \(das geht auf \*\*Main\*\*, \*\*Kids\*\* und \*\*Attic\*\*\)/);
});
