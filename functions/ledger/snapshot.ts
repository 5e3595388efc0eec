// Records license changes: the current item and a version item in one transaction, guarded so no change is written twice.
import {
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { changedPaths, contentHash } from './hash.ts';
import { FEED, key } from './keys.ts';
import type { Ledger } from './ledger.ts';
import { indexAttributes, type LicenseItem, licenseFacts } from './view.ts';

/** What the ledger holds of a license, enough to decide whether a record changed. */
export interface StoredState {
  hash: string;
  rev: number;
  deleted: boolean;
}

export type ChangeKind = 'created' | 'updated' | 'deleted';

export interface LicenseChange {
  connectorId: string;
  licenseId: string;
  /** The record as sent; undefined for a deletion. */
  raw?: Record<string, unknown>;
  hash?: string;
  /** What the writer believed was stored; the write only lands if that still holds. */
  prev?: StoredState;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Licenses per transaction: two items each, within DynamoDB's 100 actions per TransactWriteItems. */
const LICENSES_PER_TRANSACTION = 25;
/** Transactions sent at once by one walk: enough to hide round trips, few enough to stay polite to the table. */
const TRANSACTIONS_IN_FLIGHT = 4;

export interface WriteOutcome {
  created: number;
  updated: number;
  deleted: number;
  /** Already recorded by a concurrent writer: nothing written. */
  unchanged: number;
}

/** Reads the current item with a strongly consistent read. */
export async function readCurrent(
  ledger: Ledger,
  cid: string,
  lid: string,
): Promise<LicenseItem | undefined> {
  const res = await ledger.doc.send(
    new GetCommand({ TableName: ledger.tableName, Key: key.license(cid, lid), ConsistentRead: true }),
  );
  return res.Item as LicenseItem | undefined;
}

/**
 * Writes each change as its current item plus a version item. Changes go in transactions of up to 25 licenses;
 * when one's guard fails (a concurrent writer got there first), that group is replayed one license at a time
 * against a fresh read, so nothing is lost and no version is written twice.
 */
export async function recordChanges(
  ledger: Ledger,
  changes: LicenseChange[],
  observedAt: string,
  parallel = TRANSACTIONS_IN_FLIGHT,
): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const groups: LicenseChange[][] = [];
  for (let i = 0; i < changes.length; i += LICENSES_PER_TRANSACTION)
    groups.push(changes.slice(i, i + LICENSES_PER_TRANSACTION));
  const limit = pLimit(parallel);
  await Promise.all(
    groups.map((group) =>
      limit(async () => {
        const planned = await Promise.all(group.map((c) => planWrite(ledger, c, observedAt)));
        try {
          await ledger.doc.send(new TransactWriteCommand({ TransactItems: planned.flatMap((p) => p.items) }));
          for (const p of planned) outcome[p.kind]++;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          for (const change of group) outcome[await recordOneWithRetry(ledger, change, observedAt)]++;
        }
      }),
    ),
  );
  return outcome;
}

async function recordOneWithRetry(
  ledger: Ledger,
  change: LicenseChange,
  observedAt: string,
): Promise<ChangeKind | 'unchanged'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await readCurrent(ledger, change.connectorId, change.licenseId);
    const prev = current
      ? { hash: current.hash, rev: current.rev, deleted: Boolean(current.deletedAt) }
      : undefined;
    const fresh = { ...change, prev };
    if (isNoop(fresh)) return 'unchanged';
    const plan = await planWrite(ledger, fresh, observedAt, current);
    try {
      await ledger.doc.send(new TransactWriteCommand({ TransactItems: plan.items }));
      return plan.kind;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new Error(`could not record license ${change.licenseId}: it kept changing under concurrent writers`);
}

/** A change that the store already reflects: same content and liveness, or a deletion of what is already gone. */
function isNoop(change: LicenseChange): boolean {
  if (!change.raw) return !change.prev || change.prev.deleted;
  return Boolean(
    change.prev && !change.prev.deleted && change.prev.hash === (change.hash ?? contentHash(change.raw)),
  );
}

async function planWrite(
  ledger: Ledger,
  change: LicenseChange,
  observedAt: string,
  current?: LicenseItem,
): Promise<{ kind: ChangeKind; items: TransactItem[] }> {
  const { connectorId: cid, licenseId: lid, prev } = change;
  const guard = prev
    ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': prev.rev } }
    : { ConditionExpression: 'attribute_not_exists(PK)' };
  const rev = (prev?.rev ?? 0) + 1;
  const versionKey = key.licenseVersion(lid, rev);
  const newVersion = (item: Record<string, unknown>): TransactItem => ({
    Put: {
      TableName: ledger.tableName,
      Item: { ...versionKey, ...item, connectorId: cid, observedAt, rev },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  });

  if (!change.raw) {
    const last = current ?? (await readCurrent(ledger, cid, lid));
    // Deletion: the record is kept as last seen; it leaves the indexes so reports and rules skip it.
    return {
      kind: 'deleted',
      items: [
        {
          Update: {
            TableName: ledger.tableName,
            Key: key.license(cid, lid),
            UpdateExpression:
              'SET deletedAt = :at, rev = :next, lastChangedAt = :at REMOVE exp_pk, exp_sk, feed_pk, feed_sk',
            ConditionExpression: 'rev = :rev',
            ExpressionAttributeValues: { ':at': observedAt, ':next': rev, ':rev': prev?.rev ?? 0 },
          },
        },
        newVersion({
          change: 'deleted',
          changes: [],
          rawJson: last?.rawJson ?? 'null',
          firstSeenAt: last?.firstSeenAt ?? observedAt,
          feed_pk: FEED.deleted,
          feed_sk: `${observedAt}#${lid}`,
        }),
      ],
    };
  }

  const rawJson = JSON.stringify(change.raw);
  const hash = change.hash ?? contentHash(change.raw);
  const existing = prev ? (current ?? (await readCurrent(ledger, cid, lid))) : undefined;
  // A license that reappears after a deletion starts over as `created`; its first sighting is kept.
  const kind: ChangeKind = prev && !prev.deleted ? 'updated' : 'created';
  const changes =
    kind === 'updated' && existing ? changedPaths(JSON.parse(existing.rawJson), change.raw) : [];
  const facts = licenseFacts(cid, change.raw);
  const item: LicenseItem = {
    ...key.license(cid, lid),
    ...facts,
    ...indexAttributes(facts),
    rawJson,
    hash,
    rev,
    firstSeenAt: existing?.firstSeenAt ?? observedAt,
    lastChangedAt: observedAt,
    lastSeenAt: observedAt,
  };
  return {
    kind,
    items: [
      { Put: { TableName: ledger.tableName, Item: item, ...guard } },
      newVersion({
        change: kind,
        changes,
        rawJson,
        hash,
        firstSeenAt: item.firstSeenAt,
        ...(facts.invalid ? { invalid: facts.invalid } : {}),
      }),
    ],
  };
}

export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  if (name === 'ConditionalCheckFailedException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict');
}

/**
 * Records one license as the Partner API just returned it (after a create or update through the API):
 * a new version at once if it differs from what is stored, nothing otherwise.
 */
export async function recordObservedLicense(
  ledger: Ledger,
  connectorId: string,
  raw: Record<string, unknown>,
): Promise<ChangeKind | 'unchanged'> {
  const licenseId = String(raw._id);
  const kind = await recordOneWithRetry(
    ledger,
    { connectorId, licenseId, raw, hash: contentHash(raw) },
    ledger.now().toISOString(),
  );
  if (kind === 'created') {
    // Keeps the connector's live count right until the next complete walk sets it outright.
    await ledger.doc
      .send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key.connector(connectorId),
          UpdateExpression: 'ADD liveCount :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      )
      .catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
  return kind;
}
