// Test helper: a uniquely named, freshly created table on the shared DynamoDB Local.
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTable, localClients } from '#local/store/connect';

export interface FreshTable {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tableName: string;
}

/** Creates `<prefix>-<random>` with the ledger's table definition; tables vanish when the run ends (in memory). */
export async function freshTable(prefix = 'test'): Promise<FreshTable> {
  const { raw, client } = localClients(inject('dynamoEndpoint'));
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await ensureTable(raw, tableName);
  return { client, raw, tableName };
}
