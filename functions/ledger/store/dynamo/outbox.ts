// A sink's outbox (`OUTBOX#<sinkId>`): batches of claimed deliveries not accepted yet. Deliveries are taken over
// when their lease ran out, recorded as accepted or released by their holder only (a guard on the lease's owner),
// and a batch goes once nothing it lists is left.
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLease, HeldDelivery } from '../records.ts';
import { alertOfClaim, ENTRY_NAMES, type SinkEntry } from './alerts.ts';
import { alertKeyOf, key } from './keys.ts';
import {
  batchGetAll,
  type Item,
  isConditionFailure,
  keyString,
  queryAll,
  sendGuarded,
  type Table,
  TRANSACTION_ITEMS,
  type TransactItem,
  transactGuarded,
} from './query.ts';

/** A guard on one sink's entry of a claim: still pending, and held by `owner`. */
const heldBy = 'sinks.#s.#owner = :owner AND sinks.#s.#state = :pending';

export async function takeOverDeliveries(
  table: Table,
  sinkId: string,
  lease: DeliveryLease,
  now: number,
): Promise<HeldDelivery[]> {
  const batches: { batch: string; ids: string[] }[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': key.outboxBatch(sinkId, '').PK },
    ProjectionExpression: 'SK, ids',
    ConsistentRead: true,
  })) {
    batches.push({ batch: item.SK as string, ids: [...((item.ids as Set<string> | undefined) ?? [])] });
  }
  if (batches.length === 0) return [];
  const claims = await batchGetAll(
    table,
    batches.flatMap((b) => b.ids.map((id) => key.alert(alertKeyOf(id)))),
    { consistent: true },
  );
  const candidates: { id: HeldDelivery; item: TransactItem }[] = [];
  for (const { batch, ids } of batches) {
    const stale: string[] = [];
    const expired: { alertId: string; claim: Item }[] = [];
    for (const alertId of ids) {
      const claim = claims.get(keyString(key.alert(alertKeyOf(alertId))));
      const entry = (claim?.sinks as Record<string, SinkEntry> | undefined)?.[sinkId];
      // Accepted (its holder stopped before removing it from the batch), or never claimed: nothing to deliver.
      if (!claim || !entry || entry.state !== 'pending') stale.push(alertId);
      else if (entry.leaseUntil <= now) expired.push({ alertId, claim });
    }
    const batchSize = ids.length - stale.length;
    if (batchSize === 0 || stale.length > 0) await dropFromBatch(table, sinkId, batch, stale);
    for (const { alertId, claim } of expired) {
      const k = alertKeyOf(alertId);
      candidates.push({
        id: { alertId, key: k, alert: alertOfClaim(claim), batch, batchSize },
        item: {
          Update: {
            TableName: table.name,
            Key: key.alert(k),
            UpdateExpression: 'SET sinks.#s.#owner = :owner, sinks.#s.leaseUntil = :until',
            // Expired now: of two evaluations taking it over at once, the second finds the first's lease.
            ConditionExpression: 'sinks.#s.#state = :pending AND sinks.#s.leaseUntil <= :now',
            ExpressionAttributeNames: { '#s': sinkId, ...ENTRY_NAMES },
            ExpressionAttributeValues: {
              ':owner': lease.owner,
              ':until': lease.until,
              ':pending': 'pending',
              ':now': now,
            },
          },
        },
      });
    }
  }
  return transactGuarded(table, candidates);
}

/** Removes ids from a batch; deletes the batch once it lists nothing (a batch with ids left stays). */
async function dropFromBatch(table: Table, sinkId: string, batch: string, ids: string[]) {
  const Key = key.outboxBatch(sinkId, batch);
  if (ids.length > 0) {
    try {
      const res = await table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key,
          UpdateExpression: 'DELETE ids :ids',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':ids': new Set(ids) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      if (res.Attributes?.ids) return;
    } catch (error) {
      if (isConditionFailure(error)) return;
      throw error;
    }
  }
  try {
    await table.doc.send(
      new DeleteCommand({ TableName: table.name, Key, ConditionExpression: 'attribute_not_exists(ids)' }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Marks accepted deliveries of one batch, each while `owner` holds it, and takes them off the batch in the same
 * transaction (the whole batch when `closes`). A delivery another evaluation took over is left to that one.
 */
export async function recordAccepted(
  table: Table,
  sinkId: string,
  owner: string,
  deliveries: HeldDelivery[],
  closes: boolean,
  at: string,
): Promise<string[]> {
  const recorded: string[] = [];
  // The batch item takes one action of the transaction.
  for (let i = 0; i < deliveries.length; i += TRANSACTION_ITEMS - 1) {
    const part = deliveries.slice(i, i + TRANSACTION_ITEMS - 1);
    const last = i + TRANSACTION_ITEMS - 1 >= deliveries.length;
    recorded.push(...(await recordPart(table, sinkId, owner, part, closes && last, at)));
  }
  return recorded;
}

async function recordPart(
  table: Table,
  sinkId: string,
  owner: string,
  deliveries: HeldDelivery[],
  closes: boolean,
  at: string,
): Promise<string[]> {
  let left = deliveries;
  let close = closes;
  let withBatch = true;
  while (left.length > 0) {
    const batchKey = key.outboxBatch(sinkId, left[0]!.batch);
    const items: TransactItem[] = left.map((d) => ({
      Update: {
        TableName: table.name,
        Key: key.alert(d.key),
        UpdateExpression: 'SET sinks.#s.#state = :accepted, sinks.#s.acceptedAt = :at',
        ConditionExpression: heldBy,
        ExpressionAttributeNames: { '#s': sinkId, ...ENTRY_NAMES },
        ExpressionAttributeValues: {
          ':owner': owner,
          ':pending': 'pending',
          ':accepted': 'accepted',
          ':at': at,
        },
      },
    }));
    if (withBatch) {
      items.push(
        close
          ? { Delete: { TableName: table.name, Key: batchKey } }
          : {
              Update: {
                TableName: table.name,
                Key: batchKey,
                UpdateExpression: 'DELETE ids :ids',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':ids': new Set(left.map((d) => d.alertId)) },
              },
            },
      );
    }
    const codes = await sendGuarded(table, items);
    if (!codes) return left.map((d) => d.alertId);
    // Lost leases drop out; the batch then stays for whoever holds them. A batch already gone is left alone.
    if (withBatch && codes[left.length] === 'ConditionalCheckFailed') withBatch = false;
    left = left.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
    close = false;
  }
  return [];
}

/** Releases deliveries the sink did not accept: lease ended at once (the next evaluation retries), attempt counted. */
export async function releaseDeliveries(
  table: Table,
  sinkId: string,
  owner: string,
  deliveries: HeldDelivery[],
  error: string,
): Promise<void> {
  await transactGuarded(
    table,
    deliveries.map((d) => ({
      id: d.alertId,
      item: {
        Update: {
          TableName: table.name,
          Key: key.alert(d.key),
          UpdateExpression:
            'SET sinks.#s.leaseUntil = :zero, sinks.#s.attempts = sinks.#s.attempts + :one, sinks.#s.lastError = :error',
          ConditionExpression: heldBy,
          ExpressionAttributeNames: { '#s': sinkId, ...ENTRY_NAMES },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':pending': 'pending',
            ':zero': 0,
            ':one': 1,
            ':error': error.slice(0, 500),
          },
        },
      },
    })),
  );
}
