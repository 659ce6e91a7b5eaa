// Mutation testing (StrykerJS, tap runner over node:test). One area per run, so a run fits a small machine:
//   npm run mutate              # policy (unit tests only, a few minutes)
//   MUTATE=engine npm run mutate  # the enforcement path: engine, sense, act (integration tests, long)
//   MUTATE=media npm run mutate # media adapters
//   MUTATE_FILES=src/act/quotas.ts MUTATE_TESTS=test/integration/download-quotas.test.ts MUTATE=engine npm run mutate
// Incremental: results are kept in reports/stryker-<area>.json and only changed code or tests are re-run.
const areas = {
  policy: {
    timeoutMS: 8000,
    mutate: ['src/policy/**/*.ts', 'src/decide/**/*.ts'],
    tests: [
      'test/unit/decide-streams.test.ts',
      'test/unit/decide-downloads.test.ts',
      'test/unit/streams-policy.test.ts',
      'test/unit/downloads-policy.test.ts',
      'test/unit/week.test.ts',
      'test/unit/templates.test.ts',
    ],
  },
  engine: {
    timeoutMS: 60000,
    mutate: ['src/engine/**/*.ts', 'src/sense/**/*.ts', 'src/act/**/*.ts'],
    tests: [
      'test/integration/stream-enforcement.test.ts',
      'test/integration/enforcement-behaviour.test.ts',
      'test/integration/download-quotas.test.ts',
    ],
  },
  media: {
    timeoutMS: 30000,
    mutate: ['src/media/**/*.ts'],
    tests: [
      'test/unit/plex-mappers.test.ts',
      'test/unit/mediabrowser-mappers.test.ts',
      'test/integration/plex-adapter.test.ts',
      'test/integration/jellyfin-emby-adapter.test.ts',
    ],
  },
};
const name = process.env.MUTATE ?? 'policy';
// MUTATE_FILES narrows the run to some files of the area (a glob, comma-separated).
const only = process.env.MUTATE_FILES?.split(',');
// MUTATE_TESTS narrows the test files (comma-separated), for a quicker focused run.
const tests = process.env.MUTATE_TESTS?.split(',');
const area = areas[name];
if (!area) throw new Error(`MUTATE must be one of ${Object.keys(areas).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: only ?? area.mutate,
  tap: {
    testFiles: tests ?? area.tests,
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: area.timeoutMS,
  timeoutFactor: 1.2,
  incremental: true,
  incrementalFile: `reports/stryker-${name}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation-${name}.json` },
  tempDirName: `.stryker-tmp-${name}`,
  cleanTempDir: 'always',
};
