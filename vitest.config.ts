// Vitest: test/**/*.test.ts against one shared in-memory DynamoDB Local and a current dist/cli/, at most 2 workers.
import { defineConfig } from 'vitest/config';

// The AWS SDK warns once per process that it will need Node 22 from 2027; noise in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/dynamo.ts', 'test/setup/cli-build.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
