// Alert claims (one item per alert, conditional on its absence) and the outbox of deliveries not yet accepted.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PageRequest } from '../port.ts';
import type { AlertClaim, DeliveryLease } from '../records.ts';
import { FEED, key } from './keys.ts';
import { feedPage, isConditionFailure, queryAll, stripKeys, type Table, transact } from './query.ts';

/** Claims an alert and opens its outbox entry, in one transaction; false when it was claimed before. */
export async function claimAlert(table: Table, claim: AlertClaim, lease: DeliveryLease): Promise<boolean> {
  try {
    await transact(table, [
      {
        Put: {
          TableName: table.name,
          Item: {
            ...key.alert(claim.key),
            type: 'alert',
            feed_pk: FEED.alerts,
            feed_sk: `${claim.raisedAt}#${claim.alertId}`,
            ...claim.alert,
            status: 'pending',
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: table.name,
          Item: {
            ...key.outbox(claim.alertId),
            alertKey: claim.key,
            alert: claim.alert,
            pending: claim.pending,
            ...lease,
          },
        },
      },
    ]);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function* pendingDeliveries(
  table: Table,
): AsyncGenerator<AlertClaim & { lease: DeliveryLease }> {
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': key.outbox('').PK },
    ConsistentRead: true,
  })) {
    const alert = item.alert as Record<string, unknown>;
    yield {
      key: (item.alertKey as AlertClaim['key'] | undefined) ?? legacyKey(item.SK as string, alert),
      alertId: item.SK as string,
      raisedAt: alert.raisedAt as string,
      alert,
      pending: item.pending as string[],
      lease: {
        leaseUntil: item.leaseUntil as number,
        attempts: item.attempts as number,
        ...(item.lastError ? { lastError: item.lastError as string } : {}),
      },
    };
  }
}

/** Takes over a delivery whose lease the caller saw run out; false when another evaluation took it first. */
export async function takeDelivery(table: Table, alertId: string, seen: DeliveryLease, lease: DeliveryLease) {
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: key.outbox(alertId),
        UpdateExpression: 'SET leaseUntil = :lease',
        ConditionExpression: 'leaseUntil = :seen',
        ExpressionAttributeValues: { ':lease': lease.leaseUntil, ':seen': seen.leaseUntil },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function deliveryDone(table: Table, claim: AlertClaim, at: string): Promise<void> {
  await transact(table, [
    {
      Update: {
        TableName: table.name,
        Key: key.alert(claim.key),
        UpdateExpression: 'SET #status = :sent, sentAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': at },
      },
    },
    { Delete: { TableName: table.name, Key: key.outbox(claim.alertId) } },
  ]);
}

export async function deliveryLeft(
  table: Table,
  alertId: string,
  left: string[],
  error: string,
): Promise<void> {
  await table.doc.send(
    new UpdateCommand({
      TableName: table.name,
      Key: key.outbox(alertId),
      // The lease is released at once so the next evaluation retries without waiting.
      UpdateExpression:
        'SET pending = :left, leaseUntil = :zero, attempts = attempts + :one, lastError = :err',
      ExpressionAttributeValues: { ':left': left, ':zero': 0, ':one': 1, ':err': error },
    }),
  );
}

export const listAlerts = (table: Table, page: PageRequest & { account?: string }) =>
  feedPage(
    table,
    { feed: FEED.alerts, newestFirst: true, account: page.account },
    { limit: page.limit ?? 100, cursor: page.cursor },
    (item) => stripKeys<Record<string, unknown>>(item),
  );

/**
 * Outbox entries written before keys were stored beside them: the key from the alert's own fields. The id is
 * `<licenseId>#<rule>#<cycle>#<threshold>`; cycle and threshold contain no `#`, so they are the last two parts.
 */
function legacyKey(alertId: string, alert: Record<string, unknown>): AlertClaim['key'] {
  const licenseId = String(alert.licenseId);
  const rule = String(alert.rule);
  const tail = alertId.slice(`${licenseId}#${rule}#`.length);
  const cut = tail.lastIndexOf('#');
  return { licenseId, rule, cycle: tail.slice(0, cut), threshold: tail.slice(cut + 1) };
}
