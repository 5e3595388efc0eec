// A sink's lease, `OUTBOX#<sinkId>` / `LEASE`: one evaluation at a time delivers to a sink. It names its owner (the
// evaluation's id) and runs until leaseUntil; it is renewed while its evaluation runs and handed back at the end.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertDelivery } from '../port.ts';
import type { DeliveryLease } from '../records.ts';
import { key } from './keys.ts';
import { isConditionFailure, retryConflicts, type Table } from './query.ts';
import type { Site } from './site.ts';

export const OWNER = { '#owner': 'owner' } as const;

export async function acquireSink(table: Table, sinkId: string, lease: DeliveryLease, now: number) {
  // The lease item is checked by the transactions that open an evaluation's batches: a write meeting one of them is
  // refused (TransactionConflictException) and tried again.
  try {
    await retryConflicts(() =>
      table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: { ...key.sinkLease(sinkId), owner: lease.owner, leaseUntil: lease.until },
          ConditionExpression: 'attribute_not_exists(PK) OR leaseUntil <= :now OR #owner = :owner',
          ExpressionAttributeNames: OWNER,
          ExpressionAttributeValues: { ':now': now, ':owner': lease.owner },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Sets the lease's end while `owner` still holds it; false when it has passed to another evaluation. */
async function setLeaseEnd(table: Table, sinkId: string, owner: string, until: number): Promise<boolean> {
  try {
    await retryConflicts(() =>
      table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key: key.sinkLease(sinkId),
          UpdateExpression: 'SET leaseUntil = :until',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: OWNER,
          ExpressionAttributeValues: { ':until': until, ':owner': owner },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export const renewSink = (table: Table, sinkId: string, lease: DeliveryLease): Promise<boolean> =>
  setLeaseEnd(table, sinkId, lease.owner, lease.until);

/** Hands the lease back (it ends now), unless another evaluation holds it already. */
export async function releaseSink(table: Table, sinkId: string, owner: string): Promise<void> {
  await setLeaseEnd(table, sinkId, owner, 0);
}

/** A sink's lease: one evaluation at a time delivers to it. */
export function sinkLeases({
  table,
}: Site): Pick<AlertDelivery, 'acquireSink' | 'renewSink' | 'releaseSink'> {
  return {
    acquireSink: (sinkId, lease, now) => acquireSink(table, sinkId, lease, now),
    renewSink: (sinkId, lease) => renewSink(table, sinkId, lease),
    releaseSink: (sinkId, owner) => releaseSink(table, sinkId, owner),
  };
}
