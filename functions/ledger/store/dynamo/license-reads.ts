// License reads: a connector's states and current items, versions, and the expiry index and feeds the rules read.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { cursor } from '../../cursor.ts';
import type { Page } from '../../schemas.ts';
import type { ExpiryRange, LicenseStore, PageRequest } from '../port.ts';
import type { LicenseState, StoredLicense, StoredVersion } from '../records.ts';
import { batchGetAll } from './bulk.ts';
import { conversionMonth, expiryMonth, FEED, idOf, key, PREFIX, trialMonth } from './keys.ts';
import {
  feedPage,
  filterOf,
  type Item,
  queryAll,
  queryPage,
  stripKeys,
  type Table,
  withFilter,
} from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

export function toStoredLicense(item: Item): StoredLicense {
  const { addonLicensesJson, ...rest } = stripKeys<StoredLicense & { addonLicensesJson?: string }>(item);
  // Kept as JSON text, so odd records (numbers past 2^53, deep nesting) are kept exactly.
  return { ...rest, addonLicenses: JSON.parse(addonLicensesJson ?? '[]') } as StoredLicense;
}

export async function licenseStates(table: Table, cid: string): Promise<Map<string, LicenseState>> {
  const states = new Map<string, LicenseState>();
  for await (const item of queryAll<{
    SK: string;
    hash: string;
    rev: number;
    deletedAt?: string;
    ep?: number;
    account: string;
    email?: string;
  }>(table, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.license },
    ProjectionExpression: 'SK, #h, rev, deletedAt, ep, account, email',
    ExpressionAttributeNames: { '#h': 'hash' },
    ConsistentRead: true,
  })) {
    states.set(idOf(item.SK, PREFIX.license), {
      hash: item.hash,
      rev: item.rev,
      deleted: Boolean(item.deletedAt),
      ...(item.ep !== undefined ? { epoch: item.ep } : {}),
      account: item.account,
      ...(item.email !== undefined ? { email: item.email } : {}),
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

export async function currentLicenses(
  table: Table,
  keys: { connectorId: string; licenseId: string }[],
): Promise<StoredLicense[]> {
  const found = await batchGetAll(
    table,
    keys.map((k) => key.license(k.connectorId, k.licenseId)),
    { consistent: true },
  );
  return [...found.values()].map(toStoredLicense);
}

export function listLicenses(
  table: Table,
  cid: string,
  options: PageRequest & { includeDeleted?: boolean; sandbox?: boolean },
): Promise<Page<StoredLicense>> {
  const pk = key.connector(cid).PK;
  const sandbox = options.sandbox === undefined ? '' : `|sandbox=${options.sandbox}`;
  return queryPage(
    table,
    {
      input: withFilter(
        {
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
          ExpressionAttributeValues: { ':pk': pk, ':p': PREFIX.license },
        },
        filterOf({ live: !options.includeDeleted, sandbox: options.sandbox }),
      ),
      scope: `licenses|${cid}|${options.includeDeleted ? 'all' : 'live'}${sandbox}`,
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
    (item) => toStoredVersion(lid, item),
  );
}

function toStoredVersion(lid: string, item: Item): StoredVersion {
  return {
    ...stripKeys<StoredVersion>(item),
    licenseId: lid,
    changes: (item.changes as string[] | undefined) ?? [],
    account: item.account as string,
  };
}

/** Versions read per DynamoDB page while looking back for the one in force at a past moment. */
const AS_OF_PAGE = 10;

/**
 * The version in force at `asOf`: the highest revision observed at or before it. Versions are keyed by revision (so
 * their order is exact whatever the writers' clocks say), not by time, so the key cannot bound the time: the Query
 * walks the license's versions newest first and DynamoDB drops those observed later (they are still read, a page
 * of ten at a time). It costs the versions recorded after `asOf`, plus one; a license changes rarely.
 */
export async function versionAsOf(
  table: Table,
  lid: string,
  asOf: string,
): Promise<StoredVersion | undefined> {
  const pk = key.licenseVersion(lid, 0).PK;
  let start: Item | undefined;
  do {
    const res = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
        FilterExpression: 'observedAt <= :asOf',
        ExpressionAttributeValues: { ':pk': pk, ':v': PREFIX.version, ':asOf': asOf },
        ScanIndexForward: false,
        Limit: AS_OF_PAGE,
        ExclusiveStartKey: start,
      }),
    );
    const [found] = res.Items ?? [];
    if (found) return toStoredVersion(lid, found);
    start = res.LastEvaluatedKey;
  } while (start);
  return undefined;
}

/** Months (`YYYY-MM`) touched by [from, to], so a date range becomes one Query per month partition. */
export function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (at.getTime() <= to.getTime()) {
    months.push(at.toISOString().slice(0, 7));
    at.setUTCMonth(at.getUTCMonth() + 1);
  }
  return months;
}

/** A range index read by month partitions: which index, its key attributes, the partition of a month. */
interface MonthlyIndex {
  name: string;
  pk: string;
  sk: string;
  partition: (iso: string) => string;
  /** A license's sort key before its id: with the id, a cursor's position. */
  keyOf: (license: StoredLicense) => string;
}

const BY_EXPIRY: MonthlyIndex = { ...INDEX.byExpiry, partition: expiryMonth, keyOf: (l) => l.expires! };
const BY_TRIAL_END: MonthlyIndex = {
  ...INDEX.byTrialEnd,
  partition: trialMonth,
  keyOf: (l) => l.trialEndDate!,
};
const BY_CONVERSION: MonthlyIndex = {
  ...INDEX.byTrialEnd,
  partition: conversionMonth,
  keyOf: (l) => l.trialConvertedAt!,
};

/**
 * Items with lower < sort key <= upper, soonest first, reading only about `limit` items: month partitions in order,
 * each from just after the lower bound (the cursor's position, which must lie inside the range).
 */
async function monthlyPage(
  table: Table,
  index: MonthlyIndex,
  range: ExpiryRange,
): Promise<Page<StoredLicense>> {
  const inRange = (p: unknown): p is [string, string] =>
    stringTuple(p) && `${p[0]}#${p[1]}` > range.lower && `${p[0]}#${p[1]}` <= range.upper;
  const after = cursor.decode(range.cursor, range.scope, inRange);
  const lower = after ? `${after[0]}#${after[1]}` : range.lower;
  const items: StoredLicense[] = [];
  // An empty range (a window starting after it ends): DynamoDB refuses a BETWEEN whose bounds are reversed.
  if (lower >= range.upper) return { items };
  const months = monthsBetween(new Date(lower.slice(0, 24)), new Date(range.upper.slice(0, 24)));
  for (const month of months.map((m) => index.partition(m))) {
    let start: Item | undefined;
    do {
      const res = await table.doc.send(
        new QueryCommand({
          ...withFilter(
            {
              IndexName: index.name,
              KeyConditionExpression: '#ipk = :m AND #isk BETWEEN :lo AND :hi',
              ExpressionAttributeNames: { '#ipk': index.pk, '#isk': index.sk },
              ExpressionAttributeValues: { ':m': month, ':lo': lower, ':hi': range.upper },
            },
            filterOf({ account: range.account, sandbox: range.sandbox }),
          ),
          TableName: table.name,
          Limit: range.limit + 1 - items.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of res.Items ?? []) {
        // BETWEEN is inclusive; the lower bound is the last key already handed out.
        if ((item[index.sk] as string) > lower) items.push(toStoredLicense(item));
      }
      start = res.LastEvaluatedKey;
    } while (start && items.length <= range.limit);
    if (items.length > range.limit) break;
  }
  const page = items.slice(0, range.limit);
  const last = page.at(-1);
  if (items.length <= range.limit || !last) return { items: page };
  return { items: page, nextCursor: cursor.encode(range.scope, [index.keyOf(last), last.licenseId]) };
}

const stringTuple = (p: unknown): p is [string, string] =>
  Array.isArray(p) && p.length === 2 && p.every((k) => typeof k === 'string');

/** Live licenses with lower < exp_sk <= upper, soonest expiry first. */
export const expiryPage = (table: Table, range: ExpiryRange) => monthlyPage(table, BY_EXPIRY, range);

/** Live licenses on trial with lower < trial_sk (`<trialEndDate>#<id>`) <= upper, soonest end first. */
export const trialPage = (table: Table, range: ExpiryRange) => monthlyPage(table, BY_TRIAL_END, range);

/** Live licenses whose trial converted, lower < `<trialConvertedAt>#<id>` <= upper, in the order seen. */
export const conversionPage = (table: Table, range: ExpiryRange) => monthlyPage(table, BY_CONVERSION, range);

export async function* notInstalledBefore(
  table: Table,
  createdBefore: string,
  account?: string,
  sandbox?: boolean,
): AsyncGenerator<StoredLicense> {
  const input = {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk < :cutoff',
    ExpressionAttributeValues: { ':pk': FEED.notInstalled, ':cutoff': createdBefore },
  };
  for await (const item of queryAll(table, withFilter(input, filterOf({ account, sandbox })))) {
    yield toStoredLicense(item);
  }
}

/** Live licenses not installed, created before `createdBefore`, longest waiting first: one page of the feed. */
export function notInstalledPage(
  table: Table,
  createdBefore: string,
  page: PageRequest & { scope: string; account?: string; sandbox?: boolean },
): Promise<Page<StoredLicense>> {
  const feed = {
    feed: FEED.notInstalled,
    newestFirst: false,
    before: createdBefore,
    scope: page.scope,
    account: page.account,
    sandbox: page.sandbox,
  };
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

/** The license reads: every method of the license facet but its writes (licenses.ts). */
export function licenseReads({ table }: Site): Omit<LicenseStore, 'writeLicenses' | 'writeOutsideWalk'> {
  return {
    licenseStates: (cid) => licenseStates(table, cid),
    currentLicense: (cid, lid) => currentLicense(table, cid, lid),
    currentLicenses: (keys) => currentLicenses(table, keys),
    listLicenses: (cid, page) => listLicenses(table, cid, page),
    licenseVersions: (lid, page) => licenseVersions(table, lid, page),
    versionAsOf: (lid, asOf) => versionAsOf(table, lid, asOf),
    expiryPage: (range) => expiryPage(table, range),
    trialPage: (range) => trialPage(table, range),
    conversionPage: (range) => conversionPage(table, range),
    notInstalledBefore: (cutoff, account, sandbox) => notInstalledBefore(table, cutoff, account, sandbox),
    notInstalledPage: (cutoff, page) => notInstalledPage(table, cutoff, page),
    deletionsSince: (since) => deletionsSince(table, since),
  };
}
