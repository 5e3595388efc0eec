// Vitest in two tiers: `unit` (test/unit/, pure code: no DynamoDB Local, no emulator, no CLI build, seconds) and
// `integration` (every other test/**/*.test.ts against one shared in-memory DynamoDB Local and a current dist/cli/).
// `npm test` runs both; `npm run test:unit` the first alone. Three workers on two cores: the integration files wait
// on DynamoDB Local, the emulator and child processes more than they compute (measured: 528 s with two, 467 s with
// three on this 2-core machine, same tests).
import { configDefaults, defineConfig } from 'vitest/config';

// The AWS SDK warns once per process that it will need Node 22 from 2027; noise in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const UNIT = 'test/unit/**/*.test.ts';

export default defineConfig({
  test: {
    // Shared by both projects (`extends: true`); include and globalSetup stay per project, as merged arrays would
    // give the unit tier the integration tier's setups.
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: [UNIT] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT],
          globalSetup: ['test/setup/dynamo.ts', 'test/setup/cli-build.ts'],
        },
      },
    ],
  },
});
