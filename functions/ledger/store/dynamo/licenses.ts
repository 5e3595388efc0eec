// License items: current item + version written together under guards, and every read of them (table and indexes).
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { Page } from '../../schemas.ts';
import type { ExpiryRange, PageRequest } from '../port.ts';
import type { LicenseState, LicenseWrite, StoredLicense, StoredVersion } from '../records.ts';
import { expiryMonth, FEED, idOf, key, PREFIX } from './keys.ts';
import { DEFAULT_ACCOUNT, writtenOutsideWalk } from './meta.ts';
import {
  feedPage,
  type Item,
  isConditionFailure,
  queryAll,
  queryPage,
  retryConflicts,
  stripKeys,
  type Table,
  type TransactItem,
  transact,
} from './query.ts';
import { INDEX } from './table.ts';

/** Licenses per transaction: two items each, within DynamoDB's 100 actions per TransactWriteItems. */
const LICENSES_PER_TRANSACTION = 25;
/** Transactions sent at once by one writer: enough to hide round trips, few enough to stay polite to the table. */
const TRANSACTIONS_IN_FLIGHT = 4;

export function toStoredLicense(item: Item): StoredLicense {
  return {
    ...stripKeys<StoredLicense>(item),
    account: (item.account as string | undefined) ?? DEFAULT_ACCOUNT,
  };
}

/** Index attributes of a live license: the expiry index when it has an expiry date, the not-installed feed when not installed. */
function indexAttributes(w: LicenseWrite): Record<string, string> {
  const attrs: Record<string, string> = {};
  const { expires, installed, created } = w.facts;
  if (expires) {
    attrs.exp_pk = expiryMonth(expires);
    attrs.exp_sk = `${expires}#${w.licenseId}`;
  }
  if (!installed) {
    attrs.feed_pk = FEED.notInstalled;
    attrs.feed_sk = `${created ?? '0000'}#${w.licenseId}`;
  }
  return attrs;
}

/** The guard of a current item: its revision is still the one the writer read, and no later write stamped it. */
function guard(w: LicenseWrite) {
  const values: Record<string, unknown> = {};
  let condition: string;
  if (w.expectedRev === undefined) condition = 'attribute_not_exists(PK)';
  else {
    condition = 'rev = :expected';
    values[':expected'] = w.expectedRev;
  }
  if (w.walkEpoch !== undefined) {
    // A walk's record is older than any write outside it that stamped a later epoch: leave that one be.
    condition = `${condition} AND (attribute_not_exists(ep) OR ep <= :walkEpoch)`;
    values[':walkEpoch'] = w.walkEpoch;
  }
  return { condition, values };
}

function transactItems(table: Table, w: LicenseWrite): TransactItem[] {
  const { condition, values } = guard(w);
  const version: TransactItem = {
    Put: {
      TableName: table.name,
      Item: {
        ...key.licenseVersion(w.licenseId, w.rev),
        connectorId: w.connectorId,
        account: w.account,
        observedAt: w.observedAt,
        rev: w.rev,
        change: w.change,
        changes: w.changes,
        rawJson: w.rawJson,
        hash: w.hash,
        firstSeenAt: w.firstSeenAt,
        ...(w.facts.invalid ? { invalid: w.facts.invalid } : {}),
        // Deletions, by time: what the `deleted` rule reads.
        ...(w.change === 'deleted'
          ? { feed_pk: FEED.deleted, feed_sk: `${w.observedAt}#${w.licenseId}` }
          : {}),
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
  if (w.change === 'deleted') {
    // The record is kept as last seen; it leaves the indexes so reports and rules skip it.
    return [
      {
        Update: {
          TableName: table.name,
          Key: key.license(w.connectorId, w.licenseId),
          UpdateExpression: `SET deletedAt = :at, rev = :rev, lastChangedAt = :at${w.stamp !== undefined ? ', ep = :stamp' : ''} REMOVE exp_pk, exp_sk, feed_pk, feed_sk`,
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ...values,
            ':at': w.observedAt,
            ':rev': w.rev,
            ...(w.stamp !== undefined ? { ':stamp': w.stamp } : {}),
          },
        },
      },
      version,
    ];
  }
  const current = {
    ...key.license(w.connectorId, w.licenseId),
    type: 'license',
    ...w.facts,
    ...indexAttributes(w),
    account: w.account,
    rawJson: w.rawJson,
    hash: w.hash,
    rev: w.rev,
    firstSeenAt: w.firstSeenAt,
    lastChangedAt: w.observedAt,
    lastSeenAt: w.observedAt,
    ...(w.stamp !== undefined ? { ep: w.stamp } : {}),
  };
  return [
    {
      Put: {
        TableName: table.name,
        Item: current,
        ConditionExpression: condition,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
    version,
  ];
}

/**
 * Writes in transactions of up to 25 licenses, four at once. When a transaction is cancelled (a guard failed, or it
 * raced another), its licenses are tried one by one, so each write gets its own answer.
 */
export async function writeLicenses(
  table: Table,
  writes: LicenseWrite[],
): Promise<('written' | 'conflict')[]> {
  const results: ('written' | 'conflict')[] = new Array(writes.length);
  const limit = pLimit(TRANSACTIONS_IN_FLIGHT);
  const groups: number[][] = [];
  for (let i = 0; i < writes.length; i += LICENSES_PER_TRANSACTION)
    groups.push(writes.slice(i, i + LICENSES_PER_TRANSACTION).map((_, j) => i + j));
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        try {
          await transact(
            table,
            group.flatMap((i) => transactItems(table, writes[i]!)),
          );
          for (const i of group) results[i] = 'written';
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          for (const i of group) results[i] = await writeOne(table, transactItems(table, writes[i]!));
        }
      }),
    ),
  );
  return results;
}

async function writeOne(table: Table, items: TransactItem[]): Promise<'written' | 'conflict'> {
  try {
    await retryConflicts(() => transact(table, items));
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'conflict';
    throw error;
  }
}

export function writeOutsideWalk(
  table: Table,
  w: LicenseWrite,
  epochSeen: number,
  liveDelta: number,
): Promise<'written' | 'conflict'> {
  return writeOne(table, [
    writtenOutsideWalk(table, w.connectorId, epochSeen, liveDelta),
    ...transactItems(table, w),
  ]);
}

export async function licenseStates(table: Table, cid: string): Promise<Map<string, LicenseState>> {
  const states = new Map<string, LicenseState>();
  for await (const item of queryAll<{
    SK: string;
    hash: string;
    rev: number;
    deletedAt?: string;
    ep?: number;
  }>(table, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.license },
    ProjectionExpression: 'SK, #h, rev, deletedAt, ep',
    ExpressionAttributeNames: { '#h': 'hash' },
    ConsistentRead: true,
  })) {
    states.set(idOf(item.SK, PREFIX.license), {
      hash: item.hash,
      rev: item.rev,
      deleted: Boolean(item.deletedAt),
      ...(item.ep !== undefined ? { epoch: item.ep } : {}),
    });
  }
  return states;
}

export async function currentLicense(
  table: Table,
  cid: string,
  lid: string,
): Promise<StoredLicense | undefined> {
  const res = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key.license(cid, lid), ConsistentRead: true }),
  );
  return res.Item ? toStoredLicense(res.Item) : undefined;
}

export function listLicenses(
  table: Table,
  cid: string,
  options: PageRequest & { includeDeleted?: boolean },
): Promise<Page<StoredLicense>> {
  const pk = key.connector(cid).PK;
  return queryPage(
    table,
    {
      input: {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': PREFIX.license },
        ...(options.includeDeleted ? {} : { FilterExpression: 'attribute_not_exists(deletedAt)' }),
      },
      scope: `licenses|${cid}|${options.includeDeleted ? 'all' : 'live'}`,
      keyFields: ['PK', 'SK'],
      inRange: (start) => start.PK === pk && start.SK!.startsWith(PREFIX.license),
    },
    { limit: options.limit ?? 100, cursor: options.cursor },
    toStoredLicense,
  );
}

export function licenseVersions(table: Table, lid: string, page: PageRequest): Promise<Page<StoredVersion>> {
  const pk = key.licenseVersion(lid, 0).PK;
  return queryPage(
    table,
    {
      input: {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
        ExpressionAttributeValues: { ':pk': pk, ':v': PREFIX.version },
        ScanIndexForward: false,
        // Read-your-writes: an update through the API answers the view it just recorded, never the one before.
        ConsistentRead: true,
      },
      scope: `history|${lid}`,
      keyFields: ['PK', 'SK'],
      inRange: (start) => start.PK === pk && start.SK!.startsWith(PREFIX.version),
    },
    { limit: page.limit ?? 100, cursor: page.cursor },
    (item) => ({
      ...stripKeys<StoredVersion>(item),
      licenseId: lid,
      changes: (item.changes as string[] | undefined) ?? [],
      account: (item.account as string | undefined) ?? DEFAULT_ACCOUNT,
    }),
  );
}

/** Months (`EXP#YYYY-MM`) touched by [from, to], so a date range becomes one Query per month partition. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (at.getTime() <= to.getTime()) {
    months.push(expiryMonth(at.toISOString()));
    at.setUTCMonth(at.getUTCMonth() + 1);
  }
  return months;
}

/**
 * Live licenses with lower < exp_sk <= upper, soonest first, reading only about `limit` items: month partitions in
 * order, each from just after the lower bound.
 */
export async function expiryPage(
  table: Table,
  range: ExpiryRange,
): Promise<{ items: StoredLicense[]; more: boolean }> {
  const items: StoredLicense[] = [];
  const months = monthsBetween(new Date(range.lower.slice(0, 24)), new Date(range.upper.slice(0, 24)));
  for (const month of months) {
    let start: Item | undefined;
    do {
      const res = await table.doc.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: INDEX.byExpiry.name,
          KeyConditionExpression: 'exp_pk = :m AND exp_sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':m': month, ':lo': range.lower, ':hi': range.upper },
          Limit: range.limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        // BETWEEN is inclusive; the lower bound is the last key already handed out.
        if ((item.exp_sk as string) > range.lower) items.push(toStoredLicense(item));
      }
      start = res.LastEvaluatedKey;
    } while (start && items.length <= range.limit);
    if (items.length > range.limit) break;
  }
  return { items: items.slice(0, range.limit), more: items.length > range.limit };
}

export async function* notInstalledBefore(
  table: Table,
  createdBefore: string,
): AsyncGenerator<StoredLicense> {
  for await (const item of queryAll(table, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk < :cutoff',
    ExpressionAttributeValues: { ':pk': FEED.notInstalled, ':cutoff': createdBefore },
  })) {
    yield toStoredLicense(item);
  }
}

export function notInstalledPage(
  table: Table,
  createdBefore: string,
  page: PageRequest & { scope: string },
): Promise<Page<StoredLicense>> {
  const feed = { feed: FEED.notInstalled, newestFirst: false, before: createdBefore, scope: page.scope };
  return feedPage(table, feed, { limit: page.limit ?? 100, cursor: page.cursor }, toStoredLicense);
}

export async function* deletionsSince(table: Table, since: string) {
  for await (const version of queryAll<{ PK: string; connectorId: string }>(table, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk >= :since',
    ExpressionAttributeValues: { ':pk': FEED.deleted, ':since': since },
    ProjectionExpression: 'PK, connectorId',
  })) {
    yield { licenseId: idOf(version.PK, PREFIX.license), connectorId: version.connectorId };
  }
}
