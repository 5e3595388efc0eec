// The upgrade from a single outbox: entries `{ PK: 'OUTBOX', SK: <alertId>, alertKey?, alert, pending: [names],
// leaseUntil, attempts }` written before deliveries were kept per sink are moved, on first use, onto the per-sink
// outbox of this run's sinks (matched by name: sns, webhook, console). Names this run has no sink for stay behind.
import pLimit from 'p-limit';
import type { HeldBySink } from '../port.ts';
import type { AlertKey, DeliveryLease } from '../records.ts';
import { pendingEntry, type SinkEntry } from './alerts.ts';
import { alertKeyOf, FEED, key } from './keys.ts';
import {
  batchGetAll,
  IN_FLIGHT,
  type Item,
  keyString,
  queryAll,
  sendGuarded,
  type Table,
  type TransactItem,
} from './query.ts';

export async function migrateLegacyOutbox(
  table: Table,
  sinkByName: Record<string, string>,
  lease: DeliveryLease,
  now: number,
): Promise<HeldBySink> {
  const held: HeldBySink = new Map();
  const entries: Item[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': key.legacyOutbox('').PK },
    ConsistentRead: true,
  })) {
    const pending = (item.pending as string[] | undefined) ?? [];
    // Held by an evaluation of the previous version still running: its lease first.
    if (((item.leaseUntil as number | undefined) ?? 0) <= now && pending.some((n) => sinkByName[n]))
      entries.push(item);
  }
  if (entries.length === 0) return held;
  const keyOf = (entry: Item): AlertKey =>
    (entry.alertKey as AlertKey | undefined) ?? alertKeyOf(entry.SK as string);
  const claims = await batchGetAll(
    table,
    entries.map((e) => key.alert(keyOf(e))),
    { projection: 'PK, SK, sinks', consistent: true },
  );
  const claimedAt = new Date(now).toISOString();
  let n = 0;
  const limit = pLimit(IN_FLIGHT);
  await Promise.all(
    entries.map((entry) =>
      limit(async () => {
        const alertId = entry.SK as string;
        const k = keyOf(entry);
        const claim = claims.get(keyString(key.alert(k)));
        const names = entry.pending as string[];
        const moving = [...new Set(names.flatMap((name) => sinkByName[name] ?? []))];
        const staying = names.filter((name) => !sinkByName[name]);
        const existing = (claim?.sinks as Record<string, SinkEntry> | undefined) ?? undefined;
        const adding = moving.filter((s) => !existing?.[s]);
        const entryOf = pendingEntry(lease, claimedAt, (entry.attempts as number | undefined) ?? 0);
        const batches = adding.map((sinkId) => ({ sinkId, batch: `${claimedAt}#${lease.owner}#m${n++}` }));
        const items: TransactItem[] = [
          ...(adding.length ? [claimWrite(table, k, entry, claim, adding, entryOf)] : []),
          ...batches.map(({ sinkId, batch }) => ({
            Put: {
              TableName: table.name,
              Item: {
                ...key.outboxBatch(sinkId, batch),
                ids: new Set([alertId]),
                owner: lease.owner,
                claimedAt,
              },
            },
          })),
          legacyWrite(table, entry, staying),
        ];
        // Lost: another evaluation migrated it first, or the previous version took it up meanwhile.
        if (await sendGuarded(table, items)) return;
        for (const { sinkId, batch } of batches) {
          const list = held.get(sinkId) ?? [];
          list.push({ alertId, key: k, alert: entry.alert as Item, batch, batchSize: 1 });
          held.set(sinkId, list);
        }
      }),
    ),
  );
  return held;
}

/** The claim gains the moving sinks as pending; it keeps its `status`, so every other sink still counts as delivered. */
function claimWrite(
  table: Table,
  k: AlertKey,
  entry: Item,
  claim: Item | undefined,
  sinkIds: string[],
  value: SinkEntry,
): TransactItem {
  const sinks = Object.fromEntries(sinkIds.map((s) => [s, value]));
  if (!claim) {
    // An outbox entry whose claim is gone: claimed again as a legacy claim, so no other sink raises it anew.
    const alert = entry.alert as Item;
    return {
      Put: {
        TableName: table.name,
        Item: {
          ...key.alert(k),
          type: 'alert',
          feed_pk: FEED.alerts,
          feed_sk: `${alert.raisedAt}#${entry.SK}`,
          ...alert,
          status: 'pending',
          sinks,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };
  }
  if (!claim.sinks) {
    return {
      Update: {
        TableName: table.name,
        Key: key.alert(k),
        UpdateExpression: 'SET sinks = :sinks',
        ConditionExpression: 'attribute_not_exists(sinks)',
        ExpressionAttributeValues: { ':sinks': sinks },
      },
    };
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':e': value };
  sinkIds.forEach((s, i) => {
    names[`#s${i}`] = s;
  });
  return {
    Update: {
      TableName: table.name,
      Key: key.alert(k),
      UpdateExpression: `SET ${sinkIds.map((_, i) => `sinks.#s${i} = :e`).join(', ')}`,
      ConditionExpression: sinkIds.map((_, i) => `attribute_not_exists(sinks.#s${i})`).join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The legacy entry loses the names moved (gone when none stay), guarded on being as read. */
function legacyWrite(table: Table, entry: Item, staying: string[]): TransactItem {
  const Key = key.legacyOutbox(entry.SK as string);
  const guard = {
    ConditionExpression: 'size(pending) = :n AND (attribute_not_exists(leaseUntil) OR leaseUntil = :lease)',
    ExpressionAttributeValues: {
      ':n': (entry.pending as string[]).length,
      ':lease': (entry.leaseUntil as number | undefined) ?? 0,
    },
  };
  if (staying.length === 0) return { Delete: { TableName: table.name, Key, ...guard } };
  return {
    Update: {
      TableName: table.name,
      Key,
      UpdateExpression: 'SET pending = :staying',
      ...guard,
      ExpressionAttributeValues: { ...guard.ExpressionAttributeValues, ':staying': staying },
    },
  };
}
