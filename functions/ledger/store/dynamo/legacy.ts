// The upgrade from a single outbox: entries `{ PK: 'OUTBOX', SK: <alertId>, alertKey?, alert, pending: [names],
// leaseUntil, attempts }` written before deliveries were kept per sink are moved, on first use, into the outboxes of
// this run's sinks (matched by name: sns, webhook, console). Names this run has no sink for stay behind.
import type { HeldBySink } from '../port.ts';
import type { HeldDelivery } from '../records.ts';
import { toStoredAlert } from './alerts.ts';
import { sendGuarded } from './bulk.ts';
import { alertKeyOf, key } from './keys.ts';
import { type Item, queryAll, type Table, type TransactItem } from './query.ts';

/** Entries moved per transaction: each adds its update and its alert to one batch per sink. */
const ENTRIES_PER_TRANSACTION = 30;

export async function migrateLegacyOutbox(
  table: Table,
  sinkByName: Record<string, string>,
  owner: string,
  now: number,
): Promise<HeldBySink> {
  const held: HeldBySink = new Map();
  const entries: Item[] = [];
  for await (const item of queryAll(table, {
    KeyConditionExpression: 'PK = :pk',
    ExpressionAttributeValues: { ':pk': key.legacyOutbox('').PK },
    ConsistentRead: true,
  })) {
    // A stub with no alert (the previous version's unconditional update after a delivery failed, landing once this
    // entry had been moved already): nothing to deliver, and the alert's own entry was moved with its content.
    if (!item.alert) continue;
    const pending = (item.pending as string[] | undefined) ?? [];
    // Held by an evaluation of the previous version still running: its lease first.
    if (((item.leaseUntil as number | undefined) ?? 0) <= now && pending.some((n) => sinkByName[n]))
      entries.push(item);
  }
  const at = new Date(now).toISOString();
  let n = 0;
  const move = async (group: Item[]): Promise<boolean> => {
    const bySink = new Map<string, Item[]>();
    for (const entry of group)
      for (const sinkId of new Set((entry.pending as string[]).flatMap((name) => sinkByName[name] ?? [])))
        bySink.set(sinkId, [...(bySink.get(sinkId) ?? []), entry]);
    const batches = [...bySink].map(([sinkId, members]) => ({
      sinkId,
      members,
      batch: `${at}#${owner}#m${n++}`,
    }));
    const items: TransactItem[] = [
      ...batches.map(({ sinkId, members, batch }) => ({
        Put: {
          TableName: table.name,
          Item: {
            ...key.outboxBatch(sinkId, batch),
            ids: new Set(members.map((e) => e.SK as string)),
            alerts: Object.fromEntries(members.map((e) => [e.SK as string, e.alert])),
            owner,
            openedAt: at,
            attempts: Math.max(...members.map((e) => (e.attempts as number | undefined) ?? 0)),
          },
        },
      })),
      ...group.map((entry) => legacyWrite(table, entry, sinkByName)),
    ];
    // Lost: another evaluation moved it first, or the previous version took it up meanwhile.
    if (await sendGuarded(table, items)) return false;
    for (const { sinkId, members, batch } of batches) {
      const list = held.get(sinkId) ?? [];
      for (const e of members) list.push(heldOf(e, batch, members.length));
      held.set(sinkId, list);
    }
    return true;
  };
  for (let i = 0; i < entries.length; i += ENTRIES_PER_TRANSACTION) {
    const group = entries.slice(i, i + ENTRIES_PER_TRANSACTION);
    // One entry that changed under us cancels its group: the others go one by one.
    if (!(await move(group)) && group.length > 1) for (const entry of group) await move([entry]);
  }
  return held;
}

function heldOf(entry: Item, batch: string, batchSize: number): HeldDelivery {
  const alertId = entry.SK as string;
  return {
    alertId,
    // Entries written before keys were stored beside them: the key from the id (its format never changed).
    key: (entry.alertKey as HeldDelivery['key'] | undefined) ?? alertKeyOf(alertId),
    alert: toStoredAlert(entry.alert as Item),
    batch,
    batchSize,
    attempts: (entry.attempts as number | undefined) ?? 0,
  };
}

/** The entry loses the names moved (it goes when none stay), guarded on being as it was read. */
function legacyWrite(table: Table, entry: Item, sinkByName: Record<string, string>): TransactItem {
  const names = entry.pending as string[];
  const staying = names.filter((name) => !sinkByName[name]);
  const Key = key.legacyOutbox(entry.SK as string);
  const guard = {
    ConditionExpression: 'size(pending) = :n AND (attribute_not_exists(leaseUntil) OR leaseUntil = :lease)',
    ExpressionAttributeValues: {
      ':n': names.length,
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
