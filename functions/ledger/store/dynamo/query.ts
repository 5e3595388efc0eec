// Shared DynamoDB plumbing of the adapter: the table handle, queries paged or drained, batched reads, guards'
// failures, retries, and guarded writes sent many to a transaction.
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { cursor } from '../../cursor.ts';
import type { Page } from '../../schemas.ts';

export interface Table {
  doc: DynamoDBDocumentClient;
  name: string;
}

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Runs a Query to the end, page by page, yielding items; callers never hold more than one page. */
export async function* queryAll<T = Item>(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName'>,
): AsyncGenerator<T> {
  let ExclusiveStartKey: Item | undefined;
  do {
    const res = await table.doc.send(
      new QueryCommand({ ...input, TableName: table.name, ExclusiveStartKey }),
    );
    for (const item of res.Items ?? []) yield item as T;
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

export interface PagedQuery {
  input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;
  /** The list and its parameters, for the cursor codec. */
  scope: string;
  /** The attributes of this query's LastEvaluatedKey (table keys, plus the index's). */
  keyFields: readonly string[];
  /** Whether a decoded start key lies in this query's own range (its partition, its prefix). */
  inRange: (start: Record<string, string>) => boolean;
}

/**
 * One page of a Query: items after the cursor, filled up to `limit` even when a filter thins DynamoDB's pages,
 * and a cursor when more follow. A cursor from another list, or pointing outside this one, is `bad_cursor`.
 */
export async function queryPage<T>(
  table: Table,
  q: PagedQuery,
  page: { limit: number; cursor?: string },
  map: (item: Item) => T,
): Promise<Page<T>> {
  const fields = q.keyFields;
  const valid = (p: unknown): p is Record<string, string> =>
    typeof p === 'object' &&
    p !== null &&
    Object.keys(p).length === fields.length &&
    fields.every((f) => typeof (p as Item)[f] === 'string') &&
    q.inRange(p as Record<string, string>);
  let start: Item | undefined = cursor.decode(page.cursor, q.scope, valid);
  const items: T[] = [];
  do {
    const res = await table.doc.send(
      new QueryCommand({
        ...q.input,
        TableName: table.name,
        Limit: page.limit - items.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) items.push(map(item));
    start = res.LastEvaluatedKey;
  } while (start && items.length < page.limit && q.input.FilterExpression);
  return { items, ...(start ? { nextCursor: cursor.encode(q.scope, start) } : {}) };
}

/** A guard failed: a conditional check, or a transaction cancelled by one (or by a concurrent transaction). */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  if (name === 'ConditionalCheckFailedException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}

/** Codes of a cancelled transaction, one per item ('None' where that item was fine). */
export function cancellationCodes(error: unknown): string[] | undefined {
  if ((error as { name?: string })?.name !== 'TransactionCanceledException') return undefined;
  return ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (r) => r.Code ?? 'None',
  );
}

const isTransactionConflict = (error: unknown) => {
  const name = (error as { name?: string })?.name;
  if (name === 'TransactionConflictException') return true;
  const codes = cancellationCodes(error);
  return Boolean(codes?.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed'));
};

/**
 * Sends a write, again when it lost a race with a transaction on the same item (no guard failed: nothing was
 * decided yet). A connector's META item is touched by walks and API writes alike, so such races are expected.
 */
export async function retryConflicts<T>(send: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

export function transact(table: Table, items: TransactItem[]) {
  return table.doc.send(new TransactWriteCommand({ TransactItems: items }));
}

/** An item without its keys and index attributes: what the domain reads. */
export function stripKeys<T>(item: Item): T {
  const { PK: _pk, SK: _sk, feed_pk: _fp, feed_sk: _fs, exp_pk: _ep, exp_sk: _es, type: _t, ...rest } = item;
  return rest as T;
}

/** DynamoDB's limits: keys per BatchGetItem, actions per TransactWriteItems. */
export const BATCH_GET_KEYS = 100;
export const TRANSACTION_ITEMS = 100;
/** Calls sent at once by one reader or writer: enough to hide round trips, few enough to stay polite to the table. */
export const IN_FLIGHT = 4;

export type ItemKey = { PK: string; SK: string };
export const keyString = (k: ItemKey) => `${k.PK}\u0000${k.SK}`;

/**
 * Reads items by key with BatchGetItem, 100 keys a call and a few calls at once, asking again for what DynamoDB
 * left unprocessed. Items found, by keyString; the projection must include PK and SK.
 */
export async function batchGetAll(
  table: Table,
  keys: ItemKey[],
  options: { projection?: string; names?: Record<string, string>; consistent?: boolean } = {},
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [keyString(k), { PK: k.PK, SK: k.SK }])).values()];
  const limit = pLimit(IN_FLIGHT * 2);
  const groups: ItemKey[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) groups.push(unique.slice(i, i + BATCH_GET_KEYS));
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        let pending: Item[] = group;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
          const res = await table.doc.send(
            new BatchGetCommand({
              RequestItems: {
                [table.name]: {
                  Keys: pending,
                  ConsistentRead: options.consistent,
                  ...(options.projection ? { ProjectionExpression: options.projection } : {}),
                  ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
                },
              },
            }),
          );
          for (const item of res.Responses?.[table.name] ?? []) found.set(keyString(item as ItemKey), item);
          pending = res.UnprocessedKeys?.[table.name]?.Keys ?? [];
          if (attempt > 8 && pending.length)
            throw new Error('BatchGetItem left keys unprocessed after 9 tries');
        }
      }),
    ),
  );
  return found;
}

/**
 * Sends independent guarded writes, up to 100 to a transaction and a few transactions at once. A transaction
 * cancelled by some writes' guards goes again without them (they lost to another writer: that is their answer).
 * Resolves with the ids of the writes that landed.
 */
export async function transactGuarded<Id>(
  table: Table,
  writes: { id: Id; item: TransactItem }[],
): Promise<Id[]> {
  const landed: Id[] = [];
  const limit = pLimit(IN_FLIGHT);
  const groups: (typeof writes)[] = [];
  for (let i = 0; i < writes.length; i += TRANSACTION_ITEMS)
    groups.push(writes.slice(i, i + TRANSACTION_ITEMS));
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        let left = group;
        while (left.length > 0) {
          const codes = await sendGuarded(
            table,
            left.map((w) => w.item),
          );
          if (!codes) {
            landed.push(...left.map((w) => w.id));
            return;
          }
          left = left.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
        }
      }),
    ),
  );
  return landed;
}

/**
 * Sends one transaction, again while it only lost races; undefined when it landed, else the cancellation codes
 * (one per item) when guards failed. Any other failure throws.
 */
export async function sendGuarded(table: Table, items: TransactItem[]): Promise<string[] | undefined> {
  try {
    await retryConflicts(() => transact(table, items));
    return undefined;
  } catch (error) {
    const codes = cancellationCodes(error);
    if (!codes?.includes('ConditionalCheckFailed')) throw error;
    if (codes.some((c) => !['None', 'ConditionalCheckFailed', 'TransactionConflict'].includes(c)))
      throw error;
    return codes;
  }
}
