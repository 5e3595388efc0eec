// Claim items as stored and as listed: one item per alert (`LICENSE#<lid>` / `ALERT#<rule>#<cycle>#<threshold>`, in
// the ALERTS feed), holding each sink's delivery in an attribute of its own, `sink:<sinkId>`.
import type { AlertLog, PageRequest } from '../port.ts';
import type { AlertKey, AlertRecord, SinkDeliveryState, StoredAlert } from '../records.ts';
import { FEED, key } from './keys.ts';
import { feedPage, type Item, type Table, type TransactItem } from './query.ts';
import type { Site } from './site.ts';

/**
 * One sink's delivery of an alert, in the attribute `sink:<sinkId>` of its claim item: written when the sink
 * accepted it, or when a delivery failed (so the alert is listed as pending). An attribute per sink, not a map, so
 * any sink's write creates the item or adds to it alike, and two sinks never race over one map.
 */
export interface SinkEntry {
  state: 'pending' | 'accepted';
  attempts: number;
  acceptedAt?: string;
  failedAt?: string;
  lastError?: string;
}

const SINK_ATTR = 'sink:';
export const sinkAttr = (sinkId: string) => `${SINK_ATTR}${sinkId}`;

/**
 * Whether a claim item already stands for a sink. Items written before deliveries were kept per sink carry `status`
 * (`pending` / `sent`): those were claimed for every sink then, and count as delivered to every sink (a delivery
 * still pending from then is in the old outbox, and is moved to the sink's own).
 */
export function claimedFor(item: Item, sinkId: string): boolean {
  return item.status !== undefined || item[sinkAttr(sinkId)] !== undefined;
}

/**
 * Writes one sink's entry on an alert's claim item, creating the item when it is the first: the alert's fields
 * and feed position are set only if absent. Unguarded: the caller's transaction is guarded on the batch's owner.
 */
export function writeEntry(
  table: Table,
  alertKey: AlertKey,
  alert: StoredAlert,
  sinkId: string,
  entry: SinkEntry,
): TransactItem {
  const names: Record<string, string> = { '#sink': sinkAttr(sinkId), '#type': 'type' };
  const values: Record<string, unknown> = {
    ':entry': entry,
    ':type': 'alert',
    ':feed': FEED.alerts,
    ':at': `${alert.raisedAt}#${alert.alertId}`,
  };
  const sets = [
    '#sink = :entry',
    '#type = if_not_exists(#type, :type)',
    'feed_pk = if_not_exists(feed_pk, :feed)',
    'feed_sk = if_not_exists(feed_sk, :at)',
  ];
  Object.entries(alert).forEach(([field, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
    sets.push(`#f${i} = if_not_exists(#f${i}, :f${i})`);
  });
  return {
    Update: {
      TableName: table.name,
      Key: key.alert(alertKey),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The fields of an alert, in the order the API lists them. */
const ALERT_FIELDS = [
  'alertId',
  'rule',
  'licenseId',
  'connectorId',
  'account',
  'threshold',
  'sandbox',
  'expires',
  'daysToExpiry',
  'trialEndDate',
  'daysToTrialEnd',
  'email',
  'edition',
  'deletedAt',
  'raisedAt',
  'message',
] as const satisfies readonly (keyof StoredAlert)[];
// Every field of StoredAlert is listed: one added there and not here fails to compile.
const _everyField: [Exclude<keyof StoredAlert, (typeof ALERT_FIELDS)[number]>] extends [never]
  ? true
  : false = true;

/**
 * The alert an item holds (a claim item, an outbox batch's entry): its fields only, without keys, index attributes,
 * delivery state, or any field another version wrote.
 */
export function toStoredAlert(item: Item): StoredAlert {
  const alert: Item = {};
  for (const field of ALERT_FIELDS) if (item[field] !== undefined) alert[field] = item[field];
  return alert as unknown as StoredAlert;
}

/**
 * An alert as listed: `pending` while a sink's delivery failed and was not accepted since, else `sent` at the last
 * acceptance. Items written before deliveries were kept per sink keep the status and time written then until a
 * sink records anything on them.
 */
export function toAlertRecord(item: Item): AlertRecord {
  const alert = toStoredAlert(item);
  const deliveries: SinkDeliveryState[] = Object.entries(item)
    .filter(([name]) => name.startsWith(SINK_ATTR))
    .map(([name, value]) => {
      const e = value as SinkEntry;
      return {
        sink: name.slice(SINK_ATTR.length),
        state: e.state,
        attempts: e.attempts ?? 0,
        ...(e.acceptedAt ? { acceptedAt: e.acceptedAt } : {}),
        ...(e.lastError && e.state === 'pending' ? { lastError: e.lastError } : {}),
      };
    })
    .sort((a, b) => a.sink.localeCompare(b.sink));
  if (deliveries.length === 0) {
    const status = (item.status as string | undefined) ?? 'sent';
    return { ...alert, status, ...(item.sentAt ? { sentAt: item.sentAt as string } : {}) };
  }
  const pending = deliveries.some((d) => d.state === 'pending');
  const lastAccepted = deliveries
    .map((d) => d.acceptedAt ?? '')
    .sort()
    .at(-1);
  const sentAt = pending ? undefined : lastAccepted || (item.sentAt as string | undefined);
  return { ...alert, status: pending ? 'pending' : 'sent', ...(sentAt ? { sentAt } : {}), deliveries };
}

export const listAlerts = (table: Table, page: PageRequest & { account?: string; sandbox?: boolean }) =>
  feedPage(
    table,
    { feed: FEED.alerts, newestFirst: true, account: page.account, sandbox: page.sandbox },
    { limit: page.limit ?? 100, cursor: page.cursor },
    toAlertRecord,
  );

export function alertLogFacet({ table }: Site): AlertLog {
  return { listAlerts: (page) => listAlerts(table, page) };
}
