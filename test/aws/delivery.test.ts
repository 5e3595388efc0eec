// The alert delivery and lease tests again, under the `delivery` DynamoDB behaviour profile (test/support/aws-dynamo.ts):
// conflicting transactions on claims and outboxes, throttles and 500s the SDK retries, BatchGet answers cut short.
import { describe } from 'vitest';
import { useProfile } from '../support/aws-dynamo.ts';

useProfile('delivery');
describe('delivery under AWS behaviours', async () => {
  await import('../watch/delivery.test.ts');
});
describe('leases under AWS behaviours', async () => {
  await import('../watch/leases.test.ts');
});
