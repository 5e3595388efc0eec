// Shared DynamoDB plumbing of the adapter: the table handle, queries paged or drained, guards' failures, retries.
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { badCursor, cursor } from '../../cursor.ts';
import type { Page } from '../../schemas.ts';
import { INDEX } from './table.ts';

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
  let fromCursor = start !== undefined;
  const items: T[] = [];
  do {
    const input = {
      ...q.input,
      TableName: table.name,
      Limit: page.limit - items.length,
      ExclusiveStartKey: start,
    };
    const res = await table.doc.send(new QueryCommand(input)).catch((error: unknown) => {
      // DynamoDB refuses a start key that is not from this query: a forged cursor, or one from another list.
      if (fromCursor && (error as { name?: string })?.name === 'ValidationException') throw badCursor();
      throw error;
    });
    fromCursor = false;
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
export async function retryConflicts<T>(send: () => Promise<T>, attempts = CONFLICT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isTransactionConflict(error) || attempt >= attempts) throw error;
      await backoff(attempt);
    }
  }
}

/**
 * Tries at a write that keeps losing races. Writers that meet on the same items (two sinks recording acceptances on
 * the same claims, batch after batch) meet again if they wait alike: waits are random up to a doubling cap (at most
 * 2 s), and enough tries (about 30 s in all) that sustained contention is outlasted, not failed.
 */
const CONFLICT_ATTEMPTS = 20;

/** "Full jitter" backoff before try `attempt` (1-based count of tries made): 0 to min(2 s, 20 ms * 2^attempt). */
export function backoff(attempt: number): Promise<void> {
  const cap = Math.min(2_000, 20 * 2 ** attempt);
  return new Promise((r) => setTimeout(r, Math.random() * cap));
}

export function transact(table: Table, items: TransactItem[]) {
  return table.doc.send(new TransactWriteCommand({ TransactItems: items }));
}

/** Key and index attributes: the table's, never the domain's. */
const KEY_ATTRIBUTES = new Set([
  'PK',
  'SK',
  'feed_pk',
  'feed_sk',
  'exp_pk',
  'exp_sk',
  'lookup_pk',
  'lookup_sk',
  'trial_pk',
  'trial_sk',
  'sv',
  'type',
]);

/**
 * An item without its keys and index attributes: what the domain reads. A plain loop: every list page passes each
 * of its items through here, and a rest pattern over ten names costs several times as much.
 */
export function stripKeys<T>(item: Item): T {
  const out: Item = {};
  for (const name in item) if (!KEY_ATTRIBUTES.has(name)) out[name] = item[name];
  return out as T;
}

/**
 * Conditions that keep only some items of a Query (ANDed): each costs reads, as DynamoDB evaluates them after
 * reading. `account` also matches items without one when it is `default`.
 */
export function filterOf(parts: {
  live?: boolean;
  account?: string;
  /** Sandbox licenses only, or production ones only (items without `sandbox` count as production). */
  sandbox?: boolean;
  equals?: Record<string, string | undefined>;
}): Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const terms: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (parts.live) terms.push('attribute_not_exists(deletedAt)');
  if (parts.sandbox !== undefined) {
    names['#sandbox'] = 'sandbox';
    values[':sandbox'] = true;
    terms.push(
      parts.sandbox ? '#sandbox = :sandbox' : '(attribute_not_exists(#sandbox) OR #sandbox <> :sandbox)',
    );
  }
  if (parts.account !== undefined) {
    names['#account'] = 'account';
    values[':account'] = parts.account;
    terms.push('#account = :account');
  }
  Object.entries(parts.equals ?? {}).forEach(([attribute, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = attribute;
    values[`:f${i}`] = value;
    terms.push(`#f${i} = :f${i}`);
  });
  if (terms.length === 0) return {};
  return {
    FilterExpression: terms.join(' AND '),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

/** Two partial Query inputs as one: expression names and values merged. */
export function withFilter<T extends Omit<QueryCommandInput, 'TableName'>>(
  input: T,
  filter: ReturnType<typeof filterOf>,
): T {
  return {
    ...input,
    ...(filter.FilterExpression ? { FilterExpression: filter.FilterExpression } : {}),
    ...(input.ExpressionAttributeNames || filter.ExpressionAttributeNames
      ? {
          ExpressionAttributeNames: { ...input.ExpressionAttributeNames, ...filter.ExpressionAttributeNames },
        }
      : {}),
    ...(input.ExpressionAttributeValues || filter.ExpressionAttributeValues
      ? {
          ExpressionAttributeValues: {
            ...input.ExpressionAttributeValues,
            ...filter.ExpressionAttributeValues,
          },
        }
      : {}),
  };
}

/**
 * One page of a partition of the `feed` index (runs, alerts, not-installed licenses): in sort-key order or newest
 * first, optionally only sort keys before `before`, of one partner account if named (a filter). A cursor must
 * stay in the same partition and bound.
 */
export function feedPage<T>(
  table: Table,
  feed: {
    feed: string;
    newestFirst: boolean;
    before?: string;
    scope?: string;
    account?: string;
    sandbox?: boolean;
  },
  page: { limit: number; cursor?: string },
  map: (item: Item) => T,
): Promise<Page<T>> {
  const bounded = feed.before !== undefined;
  return queryPage(
    table,
    {
      input: withFilter(
        {
          IndexName: INDEX.feed.name,
          KeyConditionExpression: bounded ? 'feed_pk = :pk AND feed_sk < :before' : 'feed_pk = :pk',
          ExpressionAttributeValues: { ':pk': feed.feed, ...(bounded ? { ':before': feed.before } : {}) },
          ScanIndexForward: !feed.newestFirst,
        },
        filterOf({ account: feed.account, sandbox: feed.sandbox }),
      ),
      scope: `${feed.scope ?? `feed|${feed.feed}`}${feed.account === undefined ? '' : `|${feed.account}`}${
        feed.sandbox === undefined ? '' : `|sandbox=${feed.sandbox}`
      }`,
      keyFields: ['PK', 'SK', 'feed_pk', 'feed_sk'],
      inRange: (start) => start.feed_pk === feed.feed && (!bounded || start.feed_sk! < feed.before!),
    },
    page,
    map,
  );
}
