// The install base in the table: each integration's current item and versions (change-only), and the connector's
// summary item (digest of the last whole read, versions, open pushes).
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type {
  InstallBaseRead,
  InstallBaseSummary,
  InstallState,
  InstallWrite,
  StoredInstall,
} from '../install-records.ts';
import type { InstallStore, PageRequest } from '../port.ts';
import { batchGetAll, IN_FLIGHT, keyString } from './bulk.ts';
import { idOf, key, PREFIX } from './keys.ts';
import {
  isConditionFailure,
  queryAll,
  queryPage,
  retryConflicts,
  stripKeys,
  type Table,
  transact,
} from './query.ts';
import type { Site } from './site.ts';

/** Installs per transaction: two items each, within DynamoDB's 100 actions per TransactWriteItems. */
const INSTALLS_PER_TRANSACTION = 25;

export async function installBaseSummary(table: Table, cid: string): Promise<InstallBaseSummary | undefined> {
  const res = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key.installBase(cid), ConsistentRead: true }),
  );
  if (!res.Item) return undefined;
  const item = stripKeys<Partial<InstallBaseSummary> & { openPushes?: Set<string> }>(res.Item);
  return {
    connectorId: cid,
    ...(item.digest ? { digest: item.digest } : {}),
    ...(item.newestVersion ? { newestVersion: item.newestVersion } : {}),
    versions: item.versions ?? {},
    installs: item.installs ?? 0,
    ...(item.lastCompleteAt ? { lastCompleteAt: item.lastCompleteAt } : {}),
    // A string set: DynamoDB hands it back as a Set, and drops it when the last id leaves.
    openPushes: [...(item.openPushes ?? [])].sort(),
    pushSeq: item.pushSeq ?? 0,
  };
}

export async function installStates(table: Table, cid: string): Promise<Map<string, InstallState>> {
  const states = new Map<string, InstallState>();
  for await (const item of queryAll<{
    SK: string;
    hash: string;
    rev: number;
    removedAt?: string;
    licenseId?: string;
    firstSeenAt: string;
    rawJson: string;
  }>(table, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
    ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.install },
    ProjectionExpression: 'SK, #h, rev, removedAt, licenseId, firstSeenAt, rawJson',
    ExpressionAttributeNames: { '#h': 'hash' },
    ConsistentRead: true,
  })) {
    states.set(idOf(item.SK, PREFIX.install), {
      hash: item.hash,
      rev: item.rev,
      removed: Boolean(item.removedAt),
      ...(item.licenseId ? { licenseId: item.licenseId } : {}),
      firstSeenAt: item.firstSeenAt,
      rawJson: item.rawJson,
    });
  }
  return states;
}

export async function licensesByIntegration(table: Table, cid: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const item of queryAll<{ licenseId: string; integrationId?: string; deletedAt?: string }>(
    table,
    {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.license },
      ProjectionExpression: 'licenseId, integrationId, deletedAt',
    },
  )) {
    if (item.integrationId && !item.deletedAt) out.set(item.integrationId, item.licenseId);
  }
  return out;
}

function transactItems(table: Table, w: InstallWrite) {
  const iid = w.facts.integrationId;
  const guard =
    w.expectedRev === undefined
      ? { ConditionExpression: 'attribute_not_exists(PK)' }
      : { ConditionExpression: 'rev = :expected', ExpressionAttributeValues: { ':expected': w.expectedRev } };
  const removed = w.change === 'removed';
  return [
    {
      Put: {
        TableName: table.name,
        Item: {
          ...key.install(w.connectorId, iid),
          type: 'install',
          ...w.facts,
          connectorId: w.connectorId,
          account: w.account,
          ...(w.licenseId ? { licenseId: w.licenseId } : {}),
          rawJson: w.rawJson,
          hash: w.hash,
          rev: w.rev,
          firstSeenAt: w.firstSeenAt,
          lastChangedAt: w.observedAt,
          lastSeenAt: w.observedAt,
          ...(removed ? { removedAt: w.observedAt } : {}),
        },
        ...guard,
      },
    },
    {
      Put: {
        TableName: table.name,
        Item: {
          ...key.installVersion(w.connectorId, iid, w.rev),
          type: 'installVersion',
          connectorId: w.connectorId,
          integrationId: iid,
          account: w.account,
          observedAt: w.observedAt,
          rev: w.rev,
          change: w.change,
          changes: w.changes,
          rawJson: w.rawJson,
          hash: w.hash,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
}

/**
 * Writes in transactions of up to 25 installs (two items each), four at once; a cancelled transaction (a guard
 * lost to another walk) is tried one install at a time, so each write gets its own answer.
 */
export async function writeInstalls(
  table: Table,
  writes: InstallWrite[],
): Promise<('written' | 'conflict')[]> {
  const results: ('written' | 'conflict')[] = new Array(writes.length);
  const limit = pLimit(IN_FLIGHT);
  const groups: number[][] = [];
  for (let i = 0; i < writes.length; i += INSTALLS_PER_TRANSACTION)
    groups.push(writes.slice(i, i + INSTALLS_PER_TRANSACTION).map((_, j) => i + j));
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        try {
          await retryConflicts(() =>
            transact(
              table,
              group.flatMap((i) => transactItems(table, writes[i]!)),
            ),
          );
          for (const i of group) results[i] = 'written';
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          for (const i of group) results[i] = await writeOne(table, writes[i]!);
        }
      }),
    ),
  );
  return results;
}

async function writeOne(table: Table, w: InstallWrite): Promise<'written' | 'conflict'> {
  try {
    await retryConflicts(() => transact(table, transactItems(table, w)));
    return 'written';
  } catch (error) {
    if (isConditionFailure(error)) return 'conflict';
    throw error;
  }
}

export async function recordInstallBase(table: Table, cid: string, read: InstallBaseRead): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: key.installBase(cid),
      UpdateExpression:
        'SET #type = :type, connectorId = :cid, digest = :digest, versions = :versions, installs = :installs, lastCompleteAt = :at' +
        (read.newestVersion ? ', newestVersion = :newest' : ''),
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':type': 'installBase',
        ':cid': cid,
        ':digest': read.digest,
        ':versions': read.versions,
        ':installs': read.installs,
        ':at': read.at,
        ...(read.newestVersion ? { ':newest': read.newestVersion } : {}),
      },
    }),
  );
}

export const toStoredInstall = (item: Record<string, unknown>) => stripKeys<StoredInstall>(item);

export function listInstalls(table: Table, cid: string, page: PageRequest & { includeRemoved?: boolean }) {
  const pk = key.connector(cid).PK;
  return queryPage(
    table,
    {
      input: {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': PREFIX.install },
        ...(page.includeRemoved ? {} : { FilterExpression: 'attribute_not_exists(removedAt)' }),
      },
      scope: `installs|${cid}|${page.includeRemoved ? 'all' : 'live'}`,
      keyFields: ['PK', 'SK'],
      inRange: (start) => start.PK === pk && start.SK!.startsWith(PREFIX.install),
    },
    { limit: page.limit ?? 100, cursor: page.cursor },
    toStoredInstall,
  );
}

export async function installedVersions(
  table: Table,
  keys: { connectorId: string; integrationId: string }[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const found = await batchGetAll(
    table,
    keys.map((k) => key.install(k.connectorId, k.integrationId)),
    { projection: 'PK, SK, #v, removedAt', names: { '#v': 'version' } },
  );
  const out = new Map<string, string>();
  for (const k of keys) {
    const item = found.get(keyString(key.install(k.connectorId, k.integrationId)));
    if (item && !item.removedAt && typeof item.version === 'string') out.set(k.integrationId, item.version);
  }
  return out;
}

/** What a sync worker's install base walk calls: no reads for views, so no BatchGetItem in its bundle. */
export function installBaseWalk({ table }: Site): Omit<InstallStore, 'listInstalls' | 'installedVersions'> {
  return {
    installBaseSummary: (cid) => installBaseSummary(table, cid),
    installStates: (cid) => installStates(table, cid),
    licensesByIntegration: (cid) => licensesByIntegration(table, cid),
    writeInstalls: (writes) => writeInstalls(table, writes),
    recordInstallBase: (cid, read) => recordInstallBase(table, cid, read),
  };
}

export function installFacet(at: Site): InstallStore {
  return {
    ...installBaseWalk(at),
    listInstalls: (cid, page) => listInstalls(at.table, cid, page),
    installedVersions: (keys) => installedVersions(at.table, keys),
  };
}
