import { configDefaults, defineConfig } from 'vitest/config';

// One set of tests, two backend pairs (issue 13): each project sets MINFLOW_TEST_BACKEND, which
// test/helpers/backend.ts reads to give every test file a fresh backend of that kind. Run one pair with
// `npx vitest run --project sqlite …` or `--project postgres …`; `npm test` runs both, and the JSON
// report (test-results/vitest.json, which .ci/run sums) holds both.
const GLOBAL_SETUP = ['test/global-setup.ts'];

/**
 * Left out of the postgres project, each because it has nothing backend-specific to run there or is
 * about SQLite's own machinery; everything else in test/api and test/compat runs on both pairs.
 */
const SQLITE_ONLY = [
  // SQLite's read worker threads over the database file (PostgreSQL has its pool instead).
  'test/api/read-workers.test.ts',
  // The official UI's static files, server-info and stubs on an app it builds itself; no store behaviour.
  'test/compat/ui-endpoints.test.ts',
  // Our trainer's models against scikit-learn's on abt.csv: no server, no store.
  'test/compat/trainer-quality.test.ts',
  // The official client loading trainer models (pyfunc, mlflow models serve): about the model format.
  'test/compat/trainer-pyfunc.test.ts',
  // The trainer's runs against real mlflow.sklearn.autolog() runs of the same estimators: about what is logged.
  'test/compat/trainer-autolog.test.ts',
];

// The AWS SDK warns, once per process, that its 2027 releases will need Node 22: in every server the
// tests start and every worker. Off in tests (main process, workers, and the processes they spawn).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          globalSetup: GLOBAL_SETUP,
          env: { MINFLOW_TEST_BACKEND: 'sqlite' },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/api/**/*.test.ts', 'test/compat/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SQLITE_ONLY],
          globalSetup: GLOBAL_SETUP,
          env: { MINFLOW_TEST_BACKEND: 'postgres' },
        },
      },
    ],
  },
});
