// The Discord double builds a component interaction only for what a Discord client can send (components.ts): a
// button that is on the message and enabled, or a pick among a string select's options, as many as it allows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentData } from '../doubles/discord/components.ts';
import type { StoredMessage } from '../doubles/discord/state.ts';

const message = (components: unknown[]): StoredMessage => ({
  id: '900000000000000001',
  channelId: '300000000000000001',
  content: null,
  embeds: [],
  components,
  allowedMentions: null,
  flags: 64,
  files: [],
  timestamp: '2026-12-06T12:00:00.000Z',
  editedTimestamp: null,
});
const options = [
  { label: 'Attic', value: 'a' },
  { label: 'Cellar', value: 'c' },
];
const msg = message([
  {
    type: 1,
    components: [
      { type: 3, custom_id: 'pick', options },
      { type: 3, custom_id: 'many', options, min_values: 1, max_values: 2 },
      { type: 3, custom_id: 'off', options, disabled: true },
    ],
  },
  { type: 1, components: [{ type: 2, style: 1, custom_id: 'go', label: 'Go' }] },
]);

test('a pick in a string select carries component_type 3 and the values', () => {
  assert.deepEqual(componentData(msg, 'pick', ['c']), {
    custom_id: 'pick',
    component_type: 3,
    values: ['c'],
  });
  assert.deepEqual(componentData(msg, 'many', ['a', 'c']).component_type, 3);
  assert.deepEqual(componentData(msg, 'go'), { custom_id: 'go', component_type: 2 });
});

test('picks a client cannot make are refused', () => {
  assert.throws(() => componentData(msg, 'pick', ['z']), /has no option z/);
  assert.throws(() => componentData(msg, 'pick', ['a', 'c']), /takes 1–1 values, not 2/);
  assert.throws(() => componentData(msg, 'pick', []), /takes 1–1 values, not 0/);
  assert.throws(() => componentData(msg, 'many', ['a', 'a']), /picked twice/);
  assert.throws(() => componentData(msg, 'off', ['a']), /disabled/);
  assert.throws(
    () => componentData(msg, 'pick'),
    /no button "pick"/,
    'a select is not clicked like a button',
  );
  assert.throws(() => componentData(msg, 'go', ['a']), /no string select "go"/);
});
