import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePageId, encodePageId } from '../../src/discord/pages.ts';
import { describeChange } from '../../src/services/audit-log.ts';

describe('page button ids', () => {
  const state = {
    command: 'audit',
    owner: '200000000000000001',
    issuedAt: new Date('2026-11-18T20:00:00Z'),
    page: 3,
    filters: ['200000000000000002', '200000000000000004', 'enforcement'],
  };
  it('round-trip the whole paging state within Discord’s 100 characters', () => {
    const id = encodePageId(state);
    assert.ok(id.length <= 100, `${id.length}`);
    assert.deepEqual(decodePageId(id), state);
  });
  it('keep empty filters in place', () => {
    const id = encodePageId({ ...state, filters: ['', '', 'plan'] });
    assert.deepEqual(decodePageId(id)?.filters, ['', '', 'plan']);
  });
  it('refuse ids that are not ours or are damaged', () => {
    assert.equal(decodePageId('something-else'), null);
    assert.equal(decodePageId('page|audit|1|zz|-1'), null);
    assert.equal(decodePageId('page|audit|1|zz|x'), null);
  });
  it('refuse a filter holding the separator, and an id too long for Discord', () => {
    assert.throws(() => encodePageId({ ...state, filters: ['a|b'] }), /cannot contain/);
    assert.throws(() => encodePageId({ ...state, filters: ['x'.repeat(80)] }), /too long/);
  });
});

describe('describeChange', () => {
  it('shows a plain value before → after', () => {
    assert.deepEqual(describeChange(false, true), ['false → true']);
    assert.deepEqual(describeChange(null, '300000000000000003'), ['none → 300000000000000003']);
  });
  it('shows only the fields of an object that changed, without ids and timestamps', () => {
    assert.deepEqual(
      describeChange(
        { id: 1, name: 'Standard', streamCap: 2, createdAt: 'x' },
        { id: 1, name: 'Standard', streamCap: 3, createdAt: 'y' },
      ),
      ['streamCap: 2 → 3'],
    );
  });
  it('lists what was created or removed', () => {
    assert.deepEqual(describeChange(null, { name: 'Main', platform: 'plex' }), [
      'name: Main',
      'platform: plex',
    ]);
    assert.deepEqual(describeChange({ name: 'Main' }, null), ['name: was Main']);
    assert.deepEqual(describeChange({ a: 1 }, { a: 1 }), ['no change']);
  });
});
