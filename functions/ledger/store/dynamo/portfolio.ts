// The portfolio's reads on the `lookup` index: one customer's licenses, and the change feed newest first.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { cursor } from '../../cursor.ts';
import type { ChangeItemKind, Page } from '../../schemas.ts';
import type { ChangeRange, CustomerQuery, ExpiryCount, PortfolioStore } from '../port.ts';
import type { StoredChange, StoredLicense } from '../records.ts';
import { FeedStream, mergeStreams } from './feed-stream.ts';
import { expiryMonth, idOf, lookup, PREFIX } from './keys.ts';
import { monthsBetween, toStoredLicense } from './license-reads.ts';
import { filterOf, type Item, queryPage, type Table, withFilter } from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

const LOOKUP_KEYS = ['PK', 'SK', INDEX.lookup.pk, INDEX.lookup.sk] as const;

/** A customer's licenses, by e-mail then id: one partition (the domain), an e-mail a prefix of it. */
export function customerLicenses(table: Table, q: CustomerQuery): Promise<Page<StoredLicense>> {
  const domain = q.domain ?? q.email!.slice(q.email!.lastIndexOf('@') + 1);
  const pk = lookup.customerPk(domain);
  const prefix = q.email ? lookup.emailPrefix(q.email) : undefined;
  const input = {
    IndexName: INDEX.lookup.name,
    KeyConditionExpression: prefix ? 'lookup_pk = :pk AND begins_with(lookup_sk, :p)' : 'lookup_pk = :pk',
    ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':p': prefix } : {}) },
  };
  const who = q.email ? `email|${q.email.toLowerCase()}` : `domain|${domain.toLowerCase()}`;
  return queryPage(
    table,
    {
      input: withFilter(input, filterOf({ live: !q.includeDeleted, account: q.account, sandbox: q.sandbox })),
      scope: `customer|${who}|${q.includeDeleted ? 'all' : 'live'}|${q.account ?? '*'}|${q.sandbox ?? '*'}`,
      keyFields: LOOKUP_KEYS,
      inRange: (start) =>
        start.lookup_pk === pk &&
        (!prefix || start.lookup_sk!.startsWith(prefix)) &&
        start.PK!.startsWith(PREFIX.connector) &&
        start.SK!.startsWith(PREFIX.license),
    },
    { limit: q.limit ?? 100, cursor: q.cursor },
    toStoredLicense,
  );
}

/** What a change item needs of a version: never its record, which can run to kilobytes. */
export const CHANGE_PROJECTION = {
  ProjectionExpression: 'PK, lookup_sk, connectorId, #account, email, observedAt, kind, #change, changes',
  ExpressionAttributeNames: { '#account': 'account', '#change': 'change' },
};

export function toStoredChange(item: Item): StoredChange {
  return {
    licenseId: idOf(item.PK as string, PREFIX.license),
    connectorId: item.connectorId as string,
    account: item.account as string,
    ...(item.email ? { email: item.email as string } : {}),
    observedAt: item.observedAt as string,
    // Versions written before kinds existed are not in the index; a missing kind would be one of the coarse three.
    kind: ((item.kind ?? item.change) as ChangeItemKind) ?? 'updated',
    changes: (item.changes as string[] | undefined) ?? [],
  };
}

/** `<observedAt>#<licenseId>#<rev>`: the shape of every change feed sort key (and of a cursor's position). */
const CHANGE_SORT_KEY = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[^#]+#\d{8}$/;

/**
 * The change feed newest first: month partitions from the newest down, each a k-way merge of its shards (news, and
 * the baseline's when asked for) and of the unsharded partition versions before sharding were written to, read as
 * one more shard. Sort keys are unique across shards, so the last key handed out is every shard's position at once:
 * the cursor is that one key, as before sharding. A page reads its items, one past them, each shard's item at the
 * cursor again (BETWEEN is inclusive) and at most a share of a page more per shard (each shard's first read asks for
 * its share); a month costs one Query per shard even when empty. A filter (connector, kind, account) makes
 * DynamoDB read items it then drops.
 */
export async function changesPage(table: Table, range: ChangeRange): Promise<Page<StoredChange>> {
  const limit = range.limit ?? 100;
  const scope = [
    'changes',
    range.sinceAsked ?? range.since,
    range.includeBaseline ? 'baseline' : 'news',
    range.connectorId ?? '*',
    range.kind ?? '*',
    range.account ?? '*',
    range.sandbox ?? '*',
  ].join('|');
  // A position is a feed key no later than now. One that a sliding window (`7d`) has passed ends the list.
  const valid = (p: unknown): p is string =>
    typeof p === 'string' && CHANGE_SORT_KEY.test(p) && p.slice(0, 24) <= range.until;
  const after = cursor.decode(range.cursor, scope, valid);
  // `~` sorts after every `#...` suffix: the newest possible key of the instant `until`.
  const bounds = {
    lower: range.since,
    upper: after ?? `${range.until}~`,
    ...(after !== undefined ? { exclusive: 'upper' as const } : {}),
  };
  const filter = filterOf({
    account: range.account,
    sandbox: range.sandbox,
    equals: { connectorId: range.connectorId, kind: range.kind },
  });
  const months =
    bounds.upper < bounds.lower
      ? []
      : monthsBetween(new Date(range.since), new Date(bounds.upper.slice(0, 24))).reverse();
  const items: Item[] = [];
  const query = { forward: false, filter, projection: CHANGE_PROJECTION };
  for (const month of months) {
    const streams = [false, ...(range.includeBaseline ? [true] : [])].flatMap((baseline) =>
      lookup
        .changePartitions(month, baseline)
        .map((pk) => new FeedStream(table, INDEX.lookup, pk, bounds, query)),
    );
    await mergeStreams(streams, INDEX.lookup.sk, limit + 1, false, items);
    if (items.length > limit) break;
  }
  const pageItems = items.slice(0, limit);
  const last = pageItems.at(-1);
  return {
    items: pageItems.map(toStoredChange),
    ...(items.length > limit && last ? { nextCursor: cursor.encode(scope, last.lookup_sk) } : {}),
  };
}

/**
 * How many live licenses expire in [lower, upper] (one month at most: one partition of byExpiry), counted by
 * DynamoDB (Select COUNT: nothing is sent back, though every item in the range is read and paid for).
 */
export async function expiriesCount(table: Table, range: ExpiryCount): Promise<number> {
  const input = withFilter(
    {
      IndexName: INDEX.byExpiry.name,
      KeyConditionExpression: 'exp_pk = :m AND exp_sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: {
        ':m': expiryMonth(range.lower),
        ':lo': range.lower,
        ':hi': `${range.upper}~`,
      },
    },
    filterOf({ account: range.account, equals: { connectorId: range.connectorId } }),
  );
  let count = 0;
  let start: Item | undefined;
  do {
    const res = await table.doc.send(
      new QueryCommand({ ...input, TableName: table.name, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += res.Count ?? 0;
    start = res.LastEvaluatedKey;
  } while (start);
  return count;
}

/** The portfolio's reads of the `lookup` and expiry indexes (the commit feed is commits.ts's). */
export function portfolioReads({ table }: Site): Omit<PortfolioStore, 'commitsPage'> {
  return {
    customerLicenses: (query) => customerLicenses(table, query),
    changesPage: (range) => changesPage(table, range),
    expiriesCount: (range) => expiriesCount(table, range),
  };
}
