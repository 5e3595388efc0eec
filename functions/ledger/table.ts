// The single DynamoDB table: key layout and indexes, shared by the ledger, the CLI's table creation and the CDK stack.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Global secondary indexes, by purpose. Every read path is a GetItem or a Query on one of these. */
export const INDEX = {
  /** Live licenses by expiry: exp_pk = `EXP#<YYYY-MM>`, exp_sk = `<expires>#<licenseId>`. */
  byExpiry: { name: 'byExpiry', pk: 'exp_pk', sk: 'exp_sk' },
  /** Time-ordered feeds: not-installed licenses, sync runs, alerts sent. */
  feed: { name: 'feed', pk: 'feed_pk', sk: 'feed_sk' },
} as const;

export const DEFAULT_TABLE_NAME = 'licensewatch';

/** CreateTable input for local stores (embedded DynamoDB Local or an endpoint URL). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const gsis = Object.values(INDEX);
  const attrs = new Set<string>(['PK', 'SK']);
  for (const g of gsis) {
    attrs.add(g.pk);
    if (g.sk) attrs.add(g.sk);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: gsis.map((g) => ({
      IndexName: g.name,
      KeySchema: [
        { AttributeName: g.pk, KeyType: 'HASH' as const },
        ...(g.sk ? [{ AttributeName: g.sk, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
