// Tables exactly as earlier versions left them, for the upgrade tests: test/fixtures/ledger-v0.1.json (written by
// scripts/fixtures/ledger-v0.1.mjs at that commit) in a table created as 0.1 created it.
import { readFileSync } from 'node:fs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#ledger/store/dynamo/index';
import type { DataSet } from '#local/emulator/index';
import { localClients } from '#local/store/connect';

export type FixtureItem = Record<string, unknown> & { PK: string; SK: string };

export interface V01Fixture {
  now: string;
  token: string;
  upstream: Pick<DataSet, 'connectors' | 'licenses'>;
  items: FixtureItem[];
}

export const v01 = JSON.parse(
  readFileSync(new URL('../fixtures/ledger-v0.1.json', import.meta.url), 'utf8'),
) as V01Fixture;

/** The table definition 0.1 created: the same keys, two indexes. */
export const V01_TABLE = (TableName: string) => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST' as const,
  AttributeDefinitions: ['PK', 'SK', 'exp_pk', 'exp_sk', 'feed_pk', 'feed_sk'].map((AttributeName) => ({
    AttributeName,
    AttributeType: 'S' as const,
  })),
  KeySchema: [
    { AttributeName: 'PK', KeyType: 'HASH' as const },
    { AttributeName: 'SK', KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [
    ['byExpiry', 'exp_pk', 'exp_sk'],
    ['feed', 'feed_pk', 'feed_sk'],
  ].map(([IndexName, pk, sk]) => ({
    IndexName,
    KeySchema: [
      { AttributeName: pk, KeyType: 'HASH' as const },
      { AttributeName: sk, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  })),
});

/** A 0.1 table holding the fixture's items, with this version's indexes added (as opening it locally does). */
export async function v01Table(endpoint: string, tableName: string) {
  const { raw, client } = localClients(endpoint);
  await raw.send(new CreateTableCommand(V01_TABLE(tableName)));
  await ensureTable(raw, tableName); // waits for ACTIVE and adds any index this version defines
  for (let i = 0; i < v01.items.length; i += 25) {
    const batch = v01.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
  }
  return { raw, client, tableName };
}
