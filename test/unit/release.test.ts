// The version lives in package.json; everything else that states it must say the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VERSION } from '../../src/version.ts';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const { version } = JSON.parse(read('package.json'));

test('the version is one semver, the same in package.json, its lock, the image label default and the bot', () => {
  assert.match(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  const lock = JSON.parse(read('package-lock.json'));
  assert.equal(lock.version, version);
  assert.equal(lock.packages[''].version, version);
  assert.match(read('Dockerfile'), new RegExp(`^ARG VERSION=${version.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(read('Dockerfile'), /org\.opencontainers\.image\.version="\$\{VERSION\}"/);
  assert.equal(VERSION, version);
});

test('the changelog has a section for the version, below Unreleased', () => {
  const changelog = read('CHANGELOG.md');
  const unreleased = changelog.indexOf('## [Unreleased]');
  const current = changelog.indexOf(`## [${version}] - `);
  assert.ok(unreleased >= 0 && current > unreleased, 'Unreleased first, then the current version');
});
