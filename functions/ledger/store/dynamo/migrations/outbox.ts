// 0.x -> one outbox per sink: entries `{ PK: 'OUTBOX', SK: <alertId>, alertKey?, alert, pending: [names],
// leaseUntil, attempts }` written before deliveries were kept per sink are moved into the outboxes of an evaluation's
// sinks, matched by name (`sns`, `webhook`, `console`: the first of the run's sinks of each kind), as batches the
// evaluation then takes over like any other. Names the run has no sink for stay behind for a run that has one.
import { sendGuarded } from '../bulk.ts';
import { key } from '../keys.ts';
import { type Item, queryAll, type Table, type TransactItem } from '../query.ts';
import type { StepContext, StepResult, StepRun } from './index.ts';

/** Entries moved per transaction: each adds its update and its alert to one batch per sink. */
const ENTRIES_PER_TRANSACTION = 30;

/** Each legacy name's sink in this run: the first of its sinks of that kind (a sink id begins with its kind). */
function sinksByName(sinks: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const id of sinks) {
    const kind = id.split(':', 1)[0]!;
    if (['sns', 'webhook', 'console'].includes(kind)) names[kind] ??= id;
  }
  return names;
}

async function migrateOutbox(ctx: StepContext): Promise<StepResult> {
  const { table, owner } = ctx;
  const sinkByName = sinksByName(ctx.sinks);
  const now = ctx.now().getTime();
  const entries: Item[] = [];
  let staying = 0;
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
    if (pending.some((n) => !sinkByName[n]) || ((item.leaseUntil as number | undefined) ?? 0) > now)
      staying++;
  }
  const at = new Date(now).toISOString();
  let n = 0;
  let moved = 0;
  const move = async (group: Item[]): Promise<boolean> => {
    const bySink = new Map<string, Item[]>();
    for (const entry of group)
      for (const sinkId of new Set((entry.pending as string[]).flatMap((name) => sinkByName[name] ?? [])))
        bySink.set(sinkId, [...(bySink.get(sinkId) ?? []), entry]);
    const items: TransactItem[] = [
      ...[...bySink].map(([sinkId, members]) => ({
        Put: {
          TableName: table.name,
          Item: {
            ...key.outboxBatch(sinkId, `${at}#${owner}#m${n++}`),
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
    moved += group.length;
    return true;
  };
  for (let i = 0; i < entries.length; i += ENTRIES_PER_TRANSACTION) {
    const group = entries.slice(i, i + ENTRIES_PER_TRANSACTION);
    // One entry that changed under us cancels its group: the others go one by one.
    if (!(await move(group)) && group.length > 1) for (const entry of group) await move([entry]);
  }
  // Done once nothing is left for any sink: until then each evaluation moves what is its sinks'.
  return { done: staying === 0 && moved === entries.length, items: moved };
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

/** The steps an alert evaluation runs with its sinks, by name. */
export const SINK_STEPS: Readonly<Record<string, StepRun>> = { 'outbox-per-sink': migrateOutbox };
