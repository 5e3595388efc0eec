// 0.1 -> accounts: connectors, licenses and versions written before partner accounts existed name none; they are
// the `default` account's (the one account 0.1 knew), now said on each item.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT } from '#functions/config';
import type { StepRun } from './index.ts';
import { scanEach } from './scan.ts';

export const accountsOnEveryItem: StepRun = (ctx) =>
  scanEach(
    ctx,
    {
      FilterExpression:
        'attribute_not_exists(account) AND (SK = :meta OR begins_with(SK, :license) OR (begins_with(PK, :license) AND begins_with(SK, :version)))',
      ExpressionAttributeValues: { ':meta': 'META', ':license': 'LICENSE#', ':version': 'V#' },
    },
    (item) =>
      ctx.table.doc.send(
        new UpdateCommand({
          TableName: ctx.table.name,
          Key: { PK: item.PK, SK: item.SK },
          UpdateExpression: 'SET account = :account',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(account)',
          ExpressionAttributeValues: { ':account': DEFAULT_ACCOUNT },
        }),
      ),
  );
