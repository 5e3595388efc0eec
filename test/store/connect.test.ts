// openStore against an endpoint URL (the shared DynamoDB Local), plus bad and unreachable stores.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { ensureTable, openStore } from '#local/store/connect';
import { freePort } from '#local/store/embedded';
import { freshTable } from '../support/tables.ts';

describe('openStore with an endpoint URL', () => {
  it('creates the table with its indexes when missing, and reuses it when present', async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `url-${Date.now().toString(36)}`;
    const store = await openStore({ store: `${endpoint}/`, dataDir: 'unused', table });
    try {
      expect(store.description).toBe(`DynamoDB at ${endpoint}, table ${table}`);
      const { Table } = await store.raw.send(new DescribeTableCommand({ TableName: table }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.IndexStatus]).sort()).toEqual([
        ['byExpiry', 'ACTIVE'],
        ['byTrialEnd', 'ACTIVE'],
        ['feed', 'ACTIVE'],
        ['lookup', 'ACTIVE'],
      ]);
      await expect(ensureTable(store.raw, table)).resolves.toBe('exists');
    } finally {
      await store.close();
    }
  });

  it('gives tests a fresh table whose document client drops undefined values', async () => {
    const { client, tableName } = await freshTable('fresh');
    expect(tableName).toMatch(/^fresh-[0-9a-f]{12}$/);
    await client.send(new PutCommand({ TableName: tableName, Item: { PK: 'a', SK: 'b', gone: undefined } }));
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { PK: 'a', SK: 'b' } }));
    expect(Item).toEqual({ PK: 'a', SK: 'b' });
  });
});

describe('openStore errors', () => {
  it.each(['dynamo', 'ftp://example.com', ''])('rejects store %j with bad_store', async (store) => {
    await expect(openStore({ store, dataDir: 'unused', table: 't' })).rejects.toMatchObject({
      code: 'bad_store',
      message: expect.stringMatching(
        /^(unknown store|unsupported store URL) '.*': expected 'embedded', 'aws'/,
      ),
    });
  });

  it('reports an unreachable endpoint as store_unreachable', async () => {
    const port = await freePort();
    const store = `http://127.0.0.1:${port}`;
    await expect(openStore({ store, dataDir: 'unused', table: 't' })).rejects.toMatchObject({
      code: 'store_unreachable',
      message: `cannot reach DynamoDB at ${store}: connection refused`,
    });
  });
});
