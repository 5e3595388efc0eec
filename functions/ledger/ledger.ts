// The ledger's handle on its table: the DynamoDB document client, the table name and the clock.
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';

export interface Ledger {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Injected so tests and reports can fix "now". */
  now: () => Date;
  /**
   * How long read paths may reuse a connector's META item (its last complete walk moves at most once a sync):
   * 0 in batch jobs and tests, a few seconds behind the HTTP API.
   */
  metaCacheMs: number;
  metaCache: Map<string, { at: number; item: unknown }>;
}

export function createLedger(
  doc: DynamoDBDocumentClient,
  tableName: string,
  now: () => Date = () => new Date(),
  options: { metaCacheMs?: number } = {},
): Ledger {
  return { doc, tableName, now, metaCacheMs: options.metaCacheMs ?? 0, metaCache: new Map() };
}

/** Runs a Query to the end, page by page, yielding items; callers never hold more than one page. */
export async function* queryAll<T>(
  ledger: Ledger,
  input: Omit<QueryCommandInput, 'TableName'>,
): AsyncGenerator<T> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await ledger.doc.send(
      new QueryCommand({ ...input, TableName: ledger.tableName, ExclusiveStartKey }),
    );
    for (const item of res.Items ?? []) yield item as T;
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** One page of a Query (Limit + opaque cursor), each item mapped for the caller. */
export async function queryPage<T>(
  ledger: Ledger,
  input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  options: { limit?: number; cursor?: string; defaultLimit?: number },
  map: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const res = await ledger.doc.send(
    new QueryCommand({
      ...input,
      TableName: ledger.tableName,
      Limit: options.limit ?? options.defaultLimit ?? 100,
      ExclusiveStartKey: cursor.decode(options.cursor),
    }),
  );
  return { items: (res.Items ?? []).map(map), nextCursor: cursor.encode(res.LastEvaluatedKey) };
}

/** A time-ordered feed of the `feed` index (runs, alerts), newest first. */
export function feedPage<T>(
  ledger: Ledger,
  feed: string,
  options: { limit?: number; cursor?: string; defaultLimit?: number },
  map: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  return queryPage(
    ledger,
    {
      IndexName: 'feed',
      KeyConditionExpression: 'feed_pk = :pk',
      ExpressionAttributeValues: { ':pk': feed },
      ScanIndexForward: false,
    },
    options,
    map,
  );
}

/** Opaque cursor for paged lists: the LastEvaluatedKey, base64url JSON. */
export const cursor = {
  encode: (key: Record<string, unknown> | undefined) =>
    key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined,
  decode: (value: string | undefined): Record<string, unknown> | undefined => {
    if (!value) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
    } catch {
      // fall through
    }
    throw new LedgerError('bad_cursor', 'the cursor is not one this API handed out', 'cursor');
  },
};

export class LedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
