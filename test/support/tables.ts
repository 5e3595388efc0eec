// Test helper: a uniquely named, freshly created table on the shared DynamoDB Local, its clients under the DynamoDB
// behaviour layer when a profile is active (LICENSEWATCH_DYNAMO_PROFILE) or behaviours are asked for.
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTable, localClients } from '#local/store/connect';
import { activeProfile, type BehaviourLayer, type Behaviours, behavingClients } from './aws-dynamo.ts';

export interface FreshTable {
  client: DynamoDBDocumentClient;
  raw: DynamoDBClient;
  tableName: string;
  /** The behaviour layer on these clients, when one is on. */
  layer?: BehaviourLayer;
}

/** Creates `<prefix>-<random>` with the ledger's table definition; tables vanish when the run ends (in memory). */
export async function freshTable(prefix = 'test', behaviours?: Behaviours): Promise<FreshTable> {
  const plain = localClients(inject('dynamoEndpoint'));
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await ensureTable(plain.raw, tableName);
  const chosen = behaviours ?? activeProfile()?.behaviours;
  if (!chosen) return { client: plain.client, raw: plain.raw, tableName };
  const { raw, client, layer } = behavingClients(inject('dynamoEndpoint'), chosen);
  return { client, raw, tableName, layer };
}
