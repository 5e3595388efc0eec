// Claiming deliveries: claim items read in batches, and only the (alert, sink) pairs nobody claimed written, with
// an outbox batch per sink, in transactions of up to 100 conditional items (several at once); one by one from a
// fresh read when a transaction is cancelled because another evaluation claimed some of them first.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { HeldBySink } from '../port.ts';
import type { AlertClaim, DeliveryLease, HeldDelivery } from '../records.ts';
import { addSinks, claimedFor, newClaim, pendingEntry, type SinkEntry } from './alerts.ts';
import { key } from './keys.ts';
import {
  batchGetAll,
  IN_FLIGHT,
  type Item,
  keyString,
  sendGuarded,
  type Table,
  TRANSACTION_ITEMS,
  type TransactItem,
} from './query.ts';

/** What one alert still needs: the sinks it is not claimed for, and whether its claim item exists. */
interface Need {
  claim: AlertClaim;
  sinks: string[];
  exists: boolean;
}

interface Run {
  table: Table;
  lease: DeliveryLease;
  claimedAt: string;
  held: HeldBySink;
  /** Outbox batches written so far by this call, for unique batch ids. */
  batches: number;
}

/** A small projection: whether the item exists, whether it is legacy, and the entries of this run's sinks. */
function projection(sinkIds: string[]) {
  const names: Record<string, string> = { '#status': 'status' };
  sinkIds.forEach((s, i) => {
    names[`#s${i}`] = s;
  });
  const paths = sinkIds.map((_, i) => `sinks.#s${i}`);
  return { projection: ['PK', 'SK', '#status', ...paths].join(', '), names };
}

function needOf(claim: AlertClaim, item: Item | undefined, sinkIds: string[]): Need | undefined {
  if (!item) return { claim, sinks: sinkIds, exists: false };
  const sinks = sinkIds.filter((s) => !claimedFor(item, s));
  return sinks.length > 0 ? { claim, sinks, exists: true } : undefined;
}

export async function claimDeliveries(
  table: Table,
  claims: AlertClaim[],
  sinkIds: string[],
  lease: DeliveryLease,
  claimedAt: string,
): Promise<HeldBySink> {
  const run: Run = { table, lease, claimedAt, held: new Map(sinkIds.map((s) => [s, []])), batches: 0 };
  const unique = [...new Map(claims.map((c) => [c.alertId, c])).values()];
  if (unique.length === 0) return run.held;
  const { projection: ProjectionExpression, names } = projection(sinkIds);
  const items = await batchGetAll(
    table,
    unique.map((c) => key.alert(c.key)),
    { projection: ProjectionExpression, names },
  );
  const needs = unique.flatMap((c) => needOf(c, items.get(keyString(key.alert(c.key))), sinkIds) ?? []);
  const limit = pLimit(IN_FLIGHT);
  await Promise.all(pack(needs).map((group) => limit(() => claimGroup(run, group))));
  return run.held;
}

/** Groups needs into transactions: each claim item plus one outbox batch per sink in the group, 100 at most. */
function pack(needs: Need[]): Need[][] {
  const groups: Need[][] = [];
  let group: Need[] = [];
  let sinks = new Set<string>();
  for (const need of needs) {
    const added = need.sinks.filter((s) => !sinks.has(s)).length;
    if (group.length > 0 && group.length + 1 + sinks.size + added > TRANSACTION_ITEMS) {
      groups.push(group);
      group = [];
      sinks = new Set();
    }
    group.push(need);
    for (const s of need.sinks) sinks.add(s);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The transaction of a group: its claim writes first (in order), then one outbox batch per sink. */
function transactionOf(run: Run, group: Need[]) {
  const entry = pendingEntry(run.lease, run.claimedAt);
  const claimItems = group.map((need) => {
    const sinks: Record<string, SinkEntry> = Object.fromEntries(need.sinks.map((s) => [s, entry]));
    return need.exists ? addSinks(run.table, need.claim, sinks) : newClaim(run.table, need.claim, sinks);
  });
  const bySink = new Map<string, Need[]>();
  for (const need of group) for (const s of need.sinks) bySink.set(s, [...(bySink.get(s) ?? []), need]);
  const batches = [...bySink].map(([sinkId, members]) => ({
    sinkId,
    members,
    batch: `${run.claimedAt}#${run.lease.owner}#c${run.batches++}`,
  }));
  const batchItems: TransactItem[] = batches.map(({ sinkId, members, batch }) => ({
    Put: {
      TableName: run.table.name,
      Item: {
        ...key.outboxBatch(sinkId, batch),
        ids: new Set(members.map((m) => m.claim.alertId)),
        owner: run.lease.owner,
        claimedAt: run.claimedAt,
      },
    },
  }));
  return { items: [...claimItems, ...batchItems], batches };
}

function hold(run: Run, batches: ReturnType<typeof transactionOf>['batches']) {
  for (const { sinkId, members, batch } of batches) {
    const list = run.held.get(sinkId)!;
    for (const m of members) {
      const held: HeldDelivery = {
        alertId: m.claim.alertId,
        key: m.claim.key,
        alert: m.claim.alert,
        batch,
        batchSize: members.length,
      };
      list.push(held);
    }
  }
}

async function claimGroup(run: Run, group: Need[], round = 0): Promise<void> {
  const { items, batches } = transactionOf(run, group);
  const codes = await sendGuarded(run.table, items);
  if (!codes) return hold(run, batches);
  // Some were claimed by another evaluation between the read and this write: those one by one from a fresh read
  // (another sink may still be free on them), the rest together again.
  const lost = group.filter((_, i) => codes[i] === 'ConditionalCheckFailed');
  const rest = group.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
  if (rest.length > 0) {
    if (round < 2) await claimGroup(run, rest, round + 1);
    else for (const need of rest) await claimOne(run, need.claim);
  }
  for (const need of lost) await claimOne(run, need.claim);
}

/** One alert alone: read its claim consistently, claim the sinks still free, again if another writer got in first. */
async function claimOne(run: Run, claim: AlertClaim): Promise<void> {
  const sinkIds = [...run.held.keys()];
  const { projection: ProjectionExpression, names } = projection(sinkIds);
  for (let attempt = 0; attempt < 4; attempt++) {
    const { Item } = await run.table.doc.send(
      new GetCommand({
        TableName: run.table.name,
        Key: key.alert(claim.key),
        ConsistentRead: true,
        ProjectionExpression,
        ExpressionAttributeNames: names,
      }),
    );
    const need = needOf(claim, Item, sinkIds);
    if (!need) return;
    const { items, batches } = transactionOf(run, [need]);
    if (!(await sendGuarded(run.table, items))) return hold(run, batches);
  }
}
