// What every facet of the adapter is built from: the table, the clock, the options.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../port.ts';
import type { Table } from './query.ts';

export interface DynamoStoreOptions {
  /** The clock; tests pass one they can move. */
  now?: () => Date;
  /**
   * How long reads may reuse a connector's META item (its last complete walk moves at most once a sync):
   * 0 in batch jobs and tests, a few seconds behind the HTTP API.
   */
  metaCacheMs?: number;
}

export interface Site extends Clock {
  table: Table;
  options: DynamoStoreOptions;
}

export function site(doc: DynamoDBDocumentClient, tableName: string, options: DynamoStoreOptions = {}): Site {
  const now = options.now ?? (() => new Date());
  return { table: { doc, name: tableName }, options, now };
}
