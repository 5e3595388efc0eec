// Claim items as stored and as listed: one item per alert (`LICENSE#<lid>` / `ALERT#<rule>#<cycle>#<threshold>`,
// in the ALERTS feed), holding each sink's delivery state in a `sinks` map.
import type { PageRequest } from '../port.ts';
import type { AlertClaim, DeliveryLease, SinkDeliveryState } from '../records.ts';
import { FEED, key } from './keys.ts';
import { type Item, stripKeys, type Table, type TransactItem } from './query.ts';
import { feedPage } from './runs.ts';

/** One sink's delivery of a claim, as kept in the claim item's `sinks` map. */
export interface SinkEntry {
  state: 'pending' | 'accepted';
  owner: string;
  leaseUntil: number;
  attempts: number;
  claimedAt: string;
  acceptedAt?: string;
  lastError?: string;
}

/** Entry field names go through placeholders: `state` and `owner` are not safe as bare names in expressions. */
export const ENTRY_NAMES = { '#state': 'state', '#owner': 'owner' } as const;

export function pendingEntry(lease: DeliveryLease, claimedAt: string, attempts = 0): SinkEntry {
  return { state: 'pending', owner: lease.owner, leaseUntil: lease.until, attempts, claimedAt };
}

/**
 * Whether a claim item already stands for a sink. Items written before deliveries were kept per sink carry
 * `status` (`pending` / `sent`): those were claimed for every sink then, and count as delivered to every sink
 * their `sinks` map (added when a legacy outbox entry is migrated) does not list.
 */
export function claimedFor(item: Item, sinkId: string): boolean {
  if (item.status !== undefined) return true;
  return Boolean((item.sinks as Record<string, unknown> | undefined)?.[sinkId]);
}

/** A new claim item for the given sinks, guarded on its absence. */
export function newClaim(table: Table, claim: AlertClaim, sinks: Record<string, SinkEntry>): TransactItem {
  return {
    Put: {
      TableName: table.name,
      Item: {
        ...key.alert(claim.key),
        type: 'alert',
        feed_pk: FEED.alerts,
        feed_sk: `${claim.raisedAt}#${claim.alertId}`,
        ...claim.alert,
        sinks,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** Adds sinks to an existing claim item, guarded on none of them being there and the item not being a legacy one. */
export function addSinks(table: Table, claim: AlertClaim, sinks: Record<string, SinkEntry>): TransactItem {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const guards = ['attribute_exists(sinks)', 'attribute_not_exists(#status)'];
  Object.entries(sinks).forEach(([sinkId, entry], i) => {
    names[`#s${i}`] = sinkId;
    values[`:e${i}`] = entry;
    sets.push(`sinks.#s${i} = :e${i}`);
    guards.push(`attribute_not_exists(sinks.#s${i})`);
  });
  return {
    Update: {
      TableName: table.name,
      Key: key.alert(claim.key),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: guards.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The alert a claim item holds: the item without its keys, index attributes and delivery state. */
export function alertOfClaim(item: Item): Record<string, unknown> {
  const { sinks: _sinks, status: _status, sentAt: _sentAt, ...alert } = stripKeys<Item>(item);
  return alert;
}

/**
 * An alert as listed: `pending` while any sink that claimed it has not accepted it, then `sent` at the last
 * acceptance. Legacy items without a `sinks` map keep the status and time written then.
 */
export function toAlertRecord(item: Item): Record<string, unknown> {
  const sinks = item.sinks as Record<string, SinkEntry> | undefined;
  const alert = alertOfClaim(item);
  if (!sinks) {
    return { ...alert, status: item.status ?? 'sent', ...(item.sentAt ? { sentAt: item.sentAt } : {}) };
  }
  const deliveries: SinkDeliveryState[] = Object.entries(sinks)
    .map(([sink, e]) => ({
      sink,
      state: e.state,
      attempts: e.attempts ?? 0,
      ...(e.acceptedAt ? { acceptedAt: e.acceptedAt } : {}),
      ...(e.lastError && e.state === 'pending' ? { lastError: e.lastError } : {}),
    }))
    .sort((a, b) => a.sink.localeCompare(b.sink));
  const pending = deliveries.some((d) => d.state === 'pending');
  const lastAccepted = deliveries
    .map((d) => d.acceptedAt ?? '')
    .sort()
    .at(-1);
  const sentAt = pending ? undefined : lastAccepted || (item.sentAt as string | undefined);
  return { ...alert, status: pending ? 'pending' : 'sent', ...(sentAt ? { sentAt } : {}), deliveries };
}

export const listAlerts = (table: Table, page: PageRequest) =>
  feedPage(table, FEED.alerts, page, 100, toAlertRecord);
