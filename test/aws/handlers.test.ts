// The Lambda handlers' tests again, under the `handlers` DynamoDB behaviour profile (test/support/aws-dynamo.ts):
// conflicts on run summaries, throttles and 500s the SDK retries, lagging indexes, size limits.
import { describe } from 'vitest';
import { useProfile } from '../support/aws-dynamo.ts';

useProfile('handlers');
for (const suite of ['accounts', 'alerts', 'api', 'sync-worker'] as const) {
  describe(`handler ${suite} under AWS behaviours`, async () => {
    await import(`../handlers/${suite}.test.ts`);
  });
}
