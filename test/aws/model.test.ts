// The ledger's model test again, its store under the `model` DynamoDB behaviour profile (test/support/aws-dynamo.ts):
// transactions that overlap conflict as on DynamoDB, indexes lag the table, size limits hold.
import { useProfile } from '../support/aws-dynamo.ts';

useProfile('model');
await import('../ledger/model.test.ts');
