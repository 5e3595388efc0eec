// The ledger's model test again, its store under the `model` DynamoDB behaviour profile (test/support/aws-dynamo.ts):
// transactions that overlap conflict as on DynamoDB, indexes lag the table, size limits hold.
import { useProfile } from '../support/aws-dynamo.ts';

useProfile('model');
// Fewer cases than the plain model test by default (each is slower under the profile); `npm run test:aws` runs 200.
const asked = process.env.MODEL_RUNS;
process.env.MODEL_RUNS ??= '12';
await import('../ledger/model.test.ts');
if (asked === undefined) delete process.env.MODEL_RUNS;
