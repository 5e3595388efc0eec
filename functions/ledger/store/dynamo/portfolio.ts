// The portfolio's reads on the `lookup` index: one customer's licenses, and the change feed newest first.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { cursor } from '../../cursor.ts';
import type { ChangeItemKind, Page } from '../../schemas.ts';
import type { ChangeRange, CustomerQuery, ExpiryCount } from '../port.ts';
import type { StoredChange, StoredLicense } from '../records.ts';
import { expiryMonth, idOf, lookup, PREFIX } from './keys.ts';
import { monthsBetween, toStoredLicense } from './license-reads.ts';
import { filterOf, type Item, queryPage, type Table, withFilter } from './query.ts';
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
const CHANGE_PROJECTION = {
  ProjectionExpression: 'PK, lookup_sk, connectorId, #account, email, observedAt, kind, #change, changes',
  ExpressionAttributeNames: { '#account': 'account', '#change': 'change' },
};

function toStoredChange(item: Item): StoredChange {
  return {
    licenseId: idOf(item.PK as string, PREFIX.license),
    connectorId: item.connectorId as string,
    account: (item.account as string | undefined) ?? DEFAULT_ACCOUNT,
    ...(item.email ? { email: item.email as string } : {}),
    observedAt: item.observedAt as string,
    // Versions written before kinds existed are not in the index; a missing kind would be one of the coarse three.
    kind: ((item.kind ?? item.change) as ChangeItemKind) ?? 'updated',
    changes: (item.changes as string[] | undefined) ?? [],
  };
}

/** `<observedAt>#<licenseId>#<rev>`: the shape of every change feed sort key (and of a cursor's position). */
const CHANGE_SORT_KEY = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[^#]+#\d{8}$/;

/** One partition of the feed, newest first within [lower, upper], read a DynamoDB page at a time as needed. */
class FeedStream {
  private buffer: Item[] = [];
  private start: Item | undefined;
  private done = false;
  /** Whether a page was read yet: the first read of a merged stream asks for its share only. */
  started = false;

  constructor(
    private readonly table: Table,
    private readonly pk: string,
    private readonly bounds: { lower: string; upper: string; exclusiveUpper: boolean },
    private readonly filter: ReturnType<typeof filterOf>,
  ) {}

  /** The newest item not taken yet; reads one more DynamoDB page (of `want` items) when the buffer is empty. */
  async peek(want: number): Promise<Item | undefined> {
    while (this.buffer.length === 0 && !this.done) {
      const input = withFilter(
        {
          IndexName: INDEX.lookup.name,
          KeyConditionExpression: 'lookup_pk = :pk AND lookup_sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': this.pk, ':lo': this.bounds.lower, ':hi': this.bounds.upper },
          ScanIndexForward: false,
          ...CHANGE_PROJECTION,
        },
        this.filter,
      );
      const res = await this.table.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.table.name,
          Limit: Math.min(Math.max(want, 1), 1000),
          ExclusiveStartKey: this.start,
        }),
      );
      // BETWEEN is inclusive; an exclusive upper bound is the last key already handed out.
      const fresh = (res.Items ?? []).filter(
        (i) => !this.bounds.exclusiveUpper || i.lookup_sk !== this.bounds.upper,
      );
      this.buffer.push(...fresh);
      this.start = res.LastEvaluatedKey;
      this.done = !this.start;
      this.started = true;
    }
    return this.buffer[0];
  }

  take(): Item {
    return this.buffer.shift()!;
  }
}

/**
 * The change feed newest first: month partitions from the newest down, each merging the news partition with the
 * baseline one when asked for. A page reads its items, one past them and the cursor's own item again (BETWEEN is
 * inclusive); merged with the baseline, at most half a page more (each partition's first read asks for its share).
 * A filter (connector, kind, account) makes DynamoDB read items it then drops.
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
    exclusiveUpper: after !== undefined,
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
  for (const month of months) {
    const streams = [false, ...(range.includeBaseline ? [true] : [])].map(
      (baseline) => new FeedStream(table, lookup.changeMonth(month, baseline), bounds, filter),
    );
    while (items.length <= limit) {
      const want = limit + 1 - items.length;
      const share = Math.ceil(want / streams.length);
      const heads = await Promise.all(streams.map((s) => s.peek(s.started ? want : share)));
      let newest = -1;
      heads.forEach((head, i) => {
        if (head && (newest < 0 || (head.lookup_sk as string) > (heads[newest]!.lookup_sk as string)))
          newest = i;
      });
      if (newest < 0) break;
      items.push(streams[newest]!.take());
    }
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
