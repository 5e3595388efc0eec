// Update pushes in the table: one item each (in the `feed` index by creation time), and the connector's list of its
// open ones on the install base summary, moved together so a busy integration is never pushed twice at once.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredPush } from '../install-records.ts';
import type { PageRequest, PushStore } from '../port.ts';
import { FEED, key } from './keys.ts';
import { feedPage, isConditionFailure, queryAll, stripKeys, type Table, transact } from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

const feedSk = (p: StoredPush) => `${p.createdAt}#${p.id}`;

function pushItem(table: Table, push: StoredPush) {
  return {
    TableName: table.name,
    Item: {
      ...key.push(push.id),
      type: 'push',
      feed_pk: FEED.pushes,
      feed_sk: feedSk(push),
      ...push,
    },
  };
}

export async function openPush(table: Table, push: StoredPush, pushSeq: number): Promise<boolean> {
  try {
    await transact(table, [
      { Put: { ...pushItem(table, push), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Update: {
          TableName: table.name,
          Key: key.installBase(push.connectorId),
          UpdateExpression: 'SET pushSeq = :next ADD openPushes :id',
          ConditionExpression:
            pushSeq === 0 ? 'attribute_not_exists(pushSeq) OR pushSeq = :seq' : 'pushSeq = :seq',
          ExpressionAttributeValues: { ':seq': pushSeq, ':next': pushSeq + 1, ':id': new Set([push.id]) },
        },
      },
    ]);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export const toStoredPush = (item: Record<string, unknown>) => stripKeys<StoredPush>(item);

export async function getPush(table: Table, pushId: string): Promise<StoredPush | undefined> {
  const res = await table.doc.send(
    new GetCommand({ TableName: table.name, Key: key.push(pushId), ConsistentRead: true }),
  );
  return res.Item ? toStoredPush(res.Item) : undefined;
}

export async function savePush(table: Table, push: StoredPush): Promise<boolean> {
  const guarded = {
    ConditionExpression: 'rev = :prev',
    ExpressionAttributeValues: { ':prev': push.rev - 1 },
  };
  const items: Parameters<typeof transact>[1] = [{ Put: { ...pushItem(table, push), ...guarded } }];
  if (push.status !== 'open')
    items.push({
      Update: {
        TableName: table.name,
        Key: key.installBase(push.connectorId),
        UpdateExpression: 'DELETE openPushes :id',
        ExpressionAttributeValues: { ':id': new Set([push.id]) },
      },
    });
  try {
    await transact(table, items);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export const listPushes = (table: Table, page: PageRequest) =>
  feedPage(
    table,
    { feed: FEED.pushes, newestFirst: true },
    { limit: page.limit ?? 50, cursor: page.cursor },
    toStoredPush,
  );

export async function* pushesSince(table: Table, since: string): AsyncGenerator<StoredPush> {
  for await (const item of queryAll(table, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk AND feed_sk >= :since',
    ExpressionAttributeValues: { ':pk': FEED.pushes, ':since': since },
    ScanIndexForward: false,
  })) {
    yield toStoredPush(item);
  }
}

/** A push read and saved: what a sync worker advancing open pushes calls. */
export function pushUpdates({ table }: Site): Pick<PushStore, 'getPush' | 'savePush'> {
  return { getPush: (id) => getPush(table, id), savePush: (push) => savePush(table, push) };
}

/** The pushes' feed alone: what the alerts Lambda reads (the update-stuck rule), nothing it would have to write. */
export function pushFeedFacet({ table }: Site): Pick<PushStore, 'pushesSince'> {
  return { pushesSince: (since) => pushesSince(table, since) };
}

export function pushFacet(at: Site): PushStore {
  return {
    ...pushUpdates(at),
    ...pushFeedFacet(at),
    openPush: (push, seq) => openPush(at.table, push, seq),
    listPushes: (page) => listPushes(at.table, page),
  };
}
