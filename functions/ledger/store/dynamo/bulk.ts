// Many items at a time: reads by key in batches (BatchGetItem), and guarded writes sent many to a transaction, a few
// transactions at once, each write getting its own answer when some guards fail.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import {
  cancellationCodes,
  type Item,
  retryConflicts,
  type Table,
  type TransactItem,
  transact,
} from './query.ts';

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
