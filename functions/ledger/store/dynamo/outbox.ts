// A sink's outbox, partition `OUTBOX#<sinkId>`: batches of deliveries not accepted yet, each with its alerts, so
// whatever was not accepted is found and sent again later. Batches are opened under a check of the sink's lease, and
// every later write of a delivery is guarded on its batch's owner: an evaluation that lost the sink changes nothing.
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { AlertDelivery } from '../port.ts';
import type { AlertClaim, HeldDelivery } from '../records.ts';
import { type SinkEntry, toStoredAlert, writeEntry } from './alerts.ts';
import { IN_FLIGHT, sendGuarded, TRANSACTION_ITEMS } from './bulk.ts';
import { alertKeyOf, key, PREFIX } from './keys.ts';
import {
  type Item,
  isConditionFailure,
  queryAll,
  retryConflicts,
  type Table,
  type TransactItem,
} from './query.ts';
import { OWNER } from './sink-lease.ts';
import type { Site } from './site.ts';

/** A batch lists at most 99 deliveries (its item and their claims fit one transaction) in at most ~300 KB. */
const BATCH_ALERTS = TRANSACTION_ITEMS - 1;
const BATCH_BYTES = 300_000;
/** A transaction carries at most 4 MB. */
const TRANSACTION_BYTES = 3_500_000;

/** The deliveries a batch item still lists. */
function heldIn(item: Item): HeldDelivery[] {
  const ids = [...((item.ids as Set<string> | undefined) ?? [])];
  const alerts = (item.alerts ?? {}) as Record<string, Item>;
  const batch = (item.SK as string).slice(PREFIX.batch.length);
  return ids.map((alertId) => ({
    alertId,
    key: alertKeyOf(alertId),
    alert: toStoredAlert(alerts[alertId] ?? {}),
    batch,
    batchSize: ids.length,
    attempts: (item.attempts as number | undefined) ?? 0,
  }));
}

export async function takeOverOutbox(table: Table, sinkId: string, owner: string): Promise<HeldDelivery[]> {
  const batches: Item[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :batch)',
    ExpressionAttributeValues: { ':pk': key.sinkLease(sinkId).PK, ':batch': PREFIX.batch },
    ConsistentRead: true,
  })) {
    batches.push(item);
  }
  // A batch emptied by its last acceptances but not removed (its evaluation stopped in between): removed now.
  for (const empty of batches.filter((b) => !b.ids)) {
    try {
      await retryConflicts(() =>
        table.doc.send(
          new DeleteCommand({
            TableName: table.name,
            Key: { PK: empty.PK, SK: empty.SK },
            ConditionExpression: 'attribute_not_exists(ids)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  // One conditional update per batch, a few at once, not a transaction: batches are independent, a transaction of
  // 100 batches of ~70 KB each would pass DynamoDB's 4 MB, and each update answers the batch as taken (what it lists
  // now, not what the read above saw before another evaluation's last acceptances).
  const limit = pLimit(IN_FLIGHT);
  const taken = await Promise.all(
    batches
      .filter((b) => b.ids)
      .map((b) =>
        limit(async () => {
          try {
            // A batch an acceptance's transaction holds refuses the update (TransactionConflictException): again.
            const res = await retryConflicts(() =>
              table.doc.send(
                new UpdateCommand({
                  TableName: table.name,
                  Key: { PK: b.PK, SK: b.SK },
                  UpdateExpression: 'SET #owner = :owner',
                  ConditionExpression: '#owner = :seen AND attribute_exists(ids)',
                  ExpressionAttributeNames: OWNER,
                  ExpressionAttributeValues: { ':owner': owner, ':seen': b.owner },
                  ReturnValues: 'ALL_NEW',
                }),
              ),
            );
            return res.Attributes ? heldIn(res.Attributes) : [];
          } catch (error) {
            // Another evaluation took it, or its last delivery was accepted meanwhile: not ours to send.
            if (isConditionFailure(error)) return [];
            throw error;
          }
        }),
      ),
  );
  return taken.flat();
}

/** About what an alert takes in a batch item: the alert, and its id twice (in `ids` and as its key in `alerts`). */
const sizeOf = (c: AlertClaim) => JSON.stringify(c.alert).length + 2 * c.alertId.length + 16;

/** Alerts in batches of at most 99 and ~300 KB; batches in transactions under 4 MB. */
function pack<T>(things: T[], size: (t: T) => number, maxCount: number, maxBytes: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const t of things) {
    const b = size(t);
    if (group.length > 0 && (group.length >= maxCount || bytes + b > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(t);
    bytes += b;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

let batchSerial = 0;

export async function openDeliveries(
  table: Table,
  sinkId: string,
  owner: string,
  claims: AlertClaim[],
  at: string,
  now: number,
): Promise<HeldDelivery[]> {
  // Numbered across calls: an evaluation running against a deadline opens its deliveries a slice at a time, and
  // a batch numbered again would replace one opened before it.
  const batches = pack(claims, sizeOf, BATCH_ALERTS, BATCH_BYTES).map((members) => ({
    batch: `${at}#${owner}#${batchSerial++}`,
    members,
    bytes: members.reduce((sum, c) => sum + sizeOf(c), 0),
  }));
  const held: HeldDelivery[] = [];
  // One transaction after another: each checks the sink's lease, and transactions on one item never run at once.
  for (const group of pack(batches, (b) => b.bytes, TRANSACTION_ITEMS - 1, TRANSACTION_BYTES)) {
    const items: TransactItem[] = [
      {
        ConditionCheck: {
          TableName: table.name,
          Key: key.sinkLease(sinkId),
          ConditionExpression: '#owner = :owner AND leaseUntil > :now',
          ExpressionAttributeNames: OWNER,
          ExpressionAttributeValues: { ':owner': owner, ':now': now },
        },
      },
      ...group.map(({ batch, members }) => ({
        Put: {
          TableName: table.name,
          Item: {
            ...key.outboxBatch(sinkId, batch),
            ids: new Set(members.map((c) => c.alertId)),
            alerts: Object.fromEntries(members.map((c) => [c.alertId, c.alert])),
            owner,
            openedAt: at,
            attempts: 0,
          },
        },
      })),
    ];
    // The lease ran out and another evaluation took the sink: what it finds new, it delivers.
    if (await sendGuarded(table, items)) return held;
    for (const { batch, members } of group)
      for (const c of members)
        held.push({
          alertId: c.alertId,
          key: c.key,
          alert: c.alert,
          batch,
          batchSize: members.length,
          attempts: 0,
        });
  }
  return held;
}

/** The batch's own write in a delivery's transaction, guarded on its owner. */
function batchWrite(
  table: Table,
  sinkId: string,
  batch: string,
  owner: string,
  update?: string,
  values = {},
) {
  const guard = {
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: OWNER,
    ExpressionAttributeValues: { ':owner': owner, ...values },
  };
  const Key = key.outboxBatch(sinkId, batch);
  return update
    ? { Update: { TableName: table.name, Key, UpdateExpression: update, ...guard } }
    : { Delete: { TableName: table.name, Key, ...guard } };
}

export async function recordAccepted(
  table: Table,
  sinkId: string,
  owner: string,
  deliveries: HeldDelivery[],
  closes: boolean,
  at: string,
): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const recorded: string[] = [];
  for (let i = 0; i < deliveries.length; i += BATCH_ALERTS) {
    const part = deliveries.slice(i, i + BATCH_ALERTS);
    const last = i + BATCH_ALERTS >= deliveries.length;
    const ids = new Set(part.map((d) => d.alertId));
    const items: TransactItem[] = [
      ...part.map((d) => {
        const entry: SinkEntry = { state: 'accepted', attempts: d.attempts, acceptedAt: at };
        return writeEntry(table, d.key, d.alert, sinkId, entry);
      }),
      closes && last
        ? batchWrite(table, sinkId, part[0]!.batch, owner)
        : batchWrite(table, sinkId, part[0]!.batch, owner, 'DELETE ids :ids', { ':ids': ids }),
    ];
    // Another evaluation took the batch over: its record stands.
    if (await sendGuarded(table, items)) return recorded;
    recorded.push(...ids);
  }
  return recorded;
}

export async function releaseDeliveries(
  table: Table,
  sinkId: string,
  owner: string,
  deliveries: HeldDelivery[],
  error: string,
  at: string,
): Promise<void> {
  const lastError = error.slice(0, 500);
  const byBatch = new Map<string, HeldDelivery[]>();
  for (const d of deliveries) byBatch.set(d.batch, [...(byBatch.get(d.batch) ?? []), d]);
  for (const [batch, list] of byBatch) {
    for (let i = 0; i < list.length; i += BATCH_ALERTS) {
      const part = list.slice(i, i + BATCH_ALERTS);
      const items: TransactItem[] = [
        batchWrite(table, sinkId, batch, owner, 'SET attempts = attempts + :one, lastError = :error', {
          ':one': 1,
          ':error': lastError,
        }),
        // The claim says pending, so the alert is listed as not delivered yet.
        ...part.map((d) => {
          const entry: SinkEntry = { state: 'pending', attempts: d.attempts + 1, failedAt: at, lastError };
          return writeEntry(table, d.key, d.alert, sinkId, entry);
        }),
      ];
      if (await sendGuarded(table, items)) break;
    }
  }
}

/** A sink's outbox: deliveries opened, taken over, accepted or released. */
export function outboxFacet({
  table,
}: Site): Pick<AlertDelivery, 'takeOverOutbox' | 'openDeliveries' | 'recordAccepted' | 'releaseDeliveries'> {
  return {
    takeOverOutbox: (sinkId, owner) => takeOverOutbox(table, sinkId, owner),
    openDeliveries: (sinkId, owner, claims, at, now) => openDeliveries(table, sinkId, owner, claims, at, now),
    recordAccepted: (sinkId, owner, held, closes, at) =>
      recordAccepted(table, sinkId, owner, held, closes, at),
    releaseDeliveries: (sinkId, owner, held, error, at) =>
      releaseDeliveries(table, sinkId, owner, held, error, at),
  };
}
