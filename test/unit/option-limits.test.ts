import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationCommandOptionType as T } from 'discord.js';
import { optionProblem } from '../../src/discord/option-limits.ts';

const name = {
  type: T.String,
  name: 'plan',
  description: 'Plan',
  max_length: 40,
  autocomplete: true,
} as const;

test('string values: length in characters (code points), forbidden characters', () => {
  const cases: Array<[string, RegExp | null]> = [
    ['Family', null],
    ['x'.repeat(40), null],
    ['😀'.repeat(40), null], // 40 characters, 80 UTF-16 units
    ['x'.repeat(41), /too long \(41 characters; at most 40\)\. Pick a value from the list/],
    ['😀'.repeat(2000), /too long \(2,000 characters/],
    ['x'.repeat(5000), /too long \(5,000 characters/],
    ['Fam\u0000ily', /characters that can't be used/],
    ['Fam\nily', /characters that can't be used/],
    ['Fam\u0085ily', /characters that can't be used/],
    ['Fam\uD800ily', /characters that can't be used/],
    ['Fam\u202Eily', /characters that can't be used/],
    ['Fam\u2067ily', /characters that can't be used/],
    ['👩\u200D👩\u200D👧', null], // joiners in emoji are fine
  ];
  for (const [value, expected] of cases) {
    const problem = optionProblem(name, value);
    if (expected === null) assert.equal(problem, null, JSON.stringify(value));
    else assert.match(problem ?? '', expected, JSON.stringify(value).slice(0, 40));
  }
  assert.match(optionProblem({ type: T.String, name: 'text' }, 'x'.repeat(6001)) ?? '', /at most 6,000/);
});

test('numbers, booleans and choices are held to their definition too', () => {
  const streams = {
    type: T.Integer,
    name: 'streams',
    description: 'x',
    min_value: 0,
    max_value: 50,
  } as const;
  assert.equal(optionProblem(streams, 3), null);
  assert.match(optionProblem(streams, 51) ?? '', /at most 50/);
  assert.match(optionProblem(streams, -1) ?? '', /at least 0/);
  assert.match(optionProblem(streams, 1.5) ?? '', /whole number/);
  assert.match(optionProblem(streams, Number.NaN) ?? '', /must be a number/);
  assert.match(optionProblem({ type: T.Boolean, name: 'on' }, 'yes') ?? '', /true or false/);
  const kind = {
    type: T.String,
    name: 'kind',
    description: 'x',
    choices: [{ name: 'A', value: 'a' }],
  } as const;
  assert.equal(optionProblem(kind, 'a'), null);
  assert.match(optionProblem(kind, 'b') ?? '', /one of the choices/);
});
