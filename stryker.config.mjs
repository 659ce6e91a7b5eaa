// Mutation testing (StrykerJS, tap runner over node:test). One area per run, so a run fits a small machine:
//   npm run mutate              # policy (unit tests only, a few minutes)
//   MUTATE=jobs npm run mutate  # jobs (integration tests against the doubles, long)
//   MUTATE=media npm run mutate # media adapters
// Incremental: results are kept in reports/stryker-<area>.json and only changed code or tests are re-run.
const areas = {
  policy: {
    mutate: ['src/policy/**/*.ts'],
    tests: [
      'test/unit/streams-policy.test.ts',
      'test/unit/downloads-policy.test.ts',
      'test/unit/week.test.ts',
      'test/unit/templates.test.ts',
    ],
  },
  jobs: {
    mutate: ['src/jobs/**/*.ts'],
    tests: [
      'test/integration/stream-enforcement.test.ts',
      'test/integration/enforcement-behaviour.test.ts',
      'test/integration/download-quotas.test.ts',
    ],
  },
  media: {
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
const area = areas[name];
if (!area) throw new Error(`MUTATE must be one of ${Object.keys(areas).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: area.mutate,
  tap: {
    testFiles: area.tests,
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30000,
  incremental: true,
  incrementalFile: `reports/stryker-${name}.json`,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation-${name}.json` },
  tempDirName: `.stryker-tmp-${name}`,
  cleanTempDir: 'always',
};
