// The postgres.js patch (patches/): written for one exact version, pinned in package.json, and present in the
// installed files. A bump of postgres without a new patch, or an install that skipped the patch, fails here.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyPatches, parsePatch, patchTarget } from '../../scripts/apply-patches.mjs';

const ROOT = join(import.meta.dirname, '../..');
const PATCHES = join(ROOT, 'patches');
const patchFiles = readdirSync(PATCHES).filter((f) => f.endsWith('.patch'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

test('there is a postgres patch', () => {
  assert.ok(patchFiles.some((f) => patchTarget(f).name === 'postgres'));
});

for (const fileName of patchFiles) {
  const { name, version } = patchTarget(fileName);
  const files = parsePatch(readFileSync(join(PATCHES, fileName), 'utf8'));

  test(`${fileName}: package.json pins ${name} to exactly ${version}`, () => {
    assert.equal(pkg.dependencies[name], version);
  });

  test(`${fileName}: the installed ${name} is ${version}`, () => {
    const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    assert.equal(installed.version, version);
  });

  test(`${fileName}: every added line is in the installed files`, () => {
    assert.ok(files.length > 0);
    for (const file of files) {
      const content = readFileSync(join(ROOT, file.path), 'utf8');
      assert.ok(file.hunks.length > 0, file.path);
      for (const hunk of file.hunks) {
        const added = hunk.new.filter((l) => !hunk.old.includes(l));
        assert.ok(added.length > 0, `${file.path}: a hunk adds nothing`);
        assert.ok(content.includes(hunk.new.join('\n')), `${file.path} does not hold the patched code`);
      }
    }
  });

  test(`${fileName}: applies to the unpatched package and then changes nothing`, () => {
    const tmp = mkdtempSync(join(tmpdir(), 'sw-patch-'));
    try {
      for (const file of files) {
        const original = readFileSync(join(ROOT, file.path), 'utf8');
        let unpatched = original;
        for (const hunk of file.hunks)
          unpatched = unpatched.replace(hunk.new.join('\n'), hunk.old.join('\n'));
        assert.notEqual(unpatched, original);
        cpSync(
          join(ROOT, 'node_modules', name, 'package.json'),
          join(tmp, 'node_modules', name, 'package.json'),
        );
        cpSync(join(ROOT, file.path), join(tmp, file.path));
        writeFileSync(join(tmp, file.path), unpatched);
      }
      cpSync(join(PATCHES, fileName), join(tmp, 'patches', fileName));
      assert.deepEqual(
        applyPatches(tmp),
        files.map((f) => `${f.path}: patched`),
      );
      for (const file of files) {
        assert.equal(readFileSync(join(tmp, file.path), 'utf8'), readFileSync(join(ROOT, file.path), 'utf8'));
      }
      assert.deepEqual(
        applyPatches(tmp),
        files.map((f) => `${f.path}: already patched`),
      );
      // Another installed version is refused.
      const other = join(tmp, 'node_modules', name, 'package.json');
      writeFileSync(other, JSON.stringify({ name, version: '0.0.0-other' }));
      assert.throws(() => applyPatches(tmp), /pin/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test('patch tooling and test-only packages are dev dependencies; installs apply the patch without them', () => {
  for (const dev of ['patch-package', '@discordjs/rest']) {
    assert.equal(pkg.dependencies[dev], undefined, `${dev} is not needed by the running bot`);
    assert.ok(pkg.devDependencies[dev], dev);
  }
  assert.equal(pkg.scripts.postinstall, 'node scripts/apply-patches.mjs');
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /node scripts\/apply-patches\.mjs/);
  assert.doesNotMatch(dockerfile, /patch-package/);
});
