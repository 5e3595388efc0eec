// A connector's META item and its life, as named transitions: snapshotted, walk started, heartbeat, epoch
// walk writing, page digest written, walk ended (completed or failed), deleted upstream, written outside a walk.
import { GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ConnectorStore, WalkEnd, WalkStore } from '../port.ts';
import type { ConnectorMeta, ConnectorSnapshot, PageDigest, WalkClaim } from '../records.ts';
import { FEED, key, STORE_SHAPE } from './keys.ts';
import {
  type Item,
  isConditionFailure,
  queryAll,
  retryConflicts,
  stripKeys,
  type Table,
  type TransactItem,
} from './query.ts';
import type { Site } from './site.ts';
import { INDEX } from './table.ts';

/** The attributes a connector view needs: never the page digests, which can run to kilobytes. */
const VIEW_ATTRIBUTES = [
  'connectorId',
  '#name',
  'account',
  'rawJson',
  '#hash',
  'firstSeenAt',
  'lastChangedAt',
  'deletedAt',
  'liveCount',
  'lastCompleteWalkAt',
  'lastWalk',
];
export const VIEW_PROJECTION = {
  ProjectionExpression: VIEW_ATTRIBUTES.join(', '),
  ExpressionAttributeNames: { '#name': 'name', '#hash': 'hash' },
};

export function toConnectorMeta(item: Item): ConnectorMeta {
  return stripKeys<ConnectorMeta>(item);
}

/** The walk lease is held by `owner` (the condition of every transition a walk makes after it started). */
const HELD = 'walkOwner = :me';

export class LeaseLostError extends Error {
  readonly code = 'walk_lease_lost';
  constructor(connectorId: string) {
    super(`the walk of connector ${connectorId} lost its lease to another walk`);
  }
}

function update(table: Table, cid: string, input: Omit<UpdateCommandInput, 'TableName' | 'Key'>) {
  return retryConflicts(() =>
    table.doc.send(new UpdateCommand({ TableName: table.name, Key: key.connector(cid), ...input })),
  );
}

/** Runs a lease-guarded transition; a failed guard means another walk holds the connector now. */
async function whileHeld<T>(cid: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseLostError(cid);
    throw error;
  }
}

export function readMeta(table: Table, cid: string, consistent = false) {
  return table.doc
    .send(new GetCommand({ TableName: table.name, Key: key.connector(cid), ConsistentRead: consistent }))
    .then((res) => res.Item);
}

export async function snapshotted(table: Table, c: ConnectorSnapshot): Promise<void> {
  const rawJson = JSON.stringify(c.raw);
  await update(table, c.connectorId, {
    UpdateExpression:
      'SET #type = :type, connectorId = :cid, #name = :name, account = :account, rawJson = :raw, #hash = :hash, ' +
      'lastChangedAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at), feed_pk = :feed, feed_sk = :cid ' +
      'REMOVE deletedAt',
    ExpressionAttributeNames: { '#type': 'type', '#name': 'name', '#hash': 'hash' },
    ExpressionAttributeValues: {
      ':type': 'connector',
      ':cid': c.connectorId,
      ':name': typeof c.raw.name === 'string' ? c.raw.name : c.connectorId,
      ':account': c.account,
      ':raw': rawJson,
      ':hash': c.hash,
      ':at': c.observedAt,
      ':feed': FEED.connectors,
    },
  });
  await table.doc
    .send(
      new PutCommand({
        TableName: table.name,
        Item: {
          ...key.connectorVersion(c.connectorId, c.observedAt),
          change: c.change,
          rawJson,
          hash: c.hash,
          observedAt: c.observedAt,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    )
    .catch((error) => {
      // The same observation recorded by a concurrent planner: one version is enough.
      if (!isConditionFailure(error)) throw error;
    });
}

export async function deletedUpstream(table: Table, cid: string, at: string): Promise<void> {
  await update(table, cid, {
    UpdateExpression: 'SET deletedAt = :at',
    ExpressionAttributeValues: { ':at': at },
  });
}

export async function walkStarted(
  table: Table,
  cid: string,
  owner: string,
  now: number,
  leaseMs: number,
): Promise<WalkClaim | undefined> {
  let item: Item | undefined;
  try {
    const res = await update(table, cid, {
      // Each walk starts at an epoch of its own: what it stamps tells it apart from any walk before it and from
      // every write outside a walk made after it began.
      UpdateExpression:
        'SET walkOwner = :me, walkUntil = :until, connectorId = :cid, pages = if_not_exists(pages, :none), ' +
        'epoch = if_not_exists(epoch, :zero) + :one',
      // Free, expired (its walk was killed), or already ours (a retried request).
      ConditionExpression: 'attribute_not_exists(walkOwner) OR walkUntil < :now OR walkOwner = :me',
      ExpressionAttributeValues: {
        ':me': owner,
        ':until': now + leaseMs,
        ':now': now,
        ':cid': cid,
        ':none': {},
        ':zero': 0,
        ':one': 1,
      },
      ReturnValues: 'ALL_NEW',
    });
    item = res.Attributes;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
  const a = item ?? {};
  const digests = new Map<number, PageDigest>();
  for (const [index, d] of Object.entries((a.pages ?? {}) as Record<string, PageDigest & { sv?: number }>)) {
    // `sv`: the shape of the items the digest vouches for (migrations drop those of older shapes).
    const { sv: _sv, ...digest } = d;
    digests.set(Number(index), digest);
  }
  const epoch = a.epoch as number;
  // Until a walk first writes or completes, the floor is the epoch before this walk's.
  const digestFloor = (a.digestFloor as number | undefined) ?? epoch - 1;
  return {
    meta: a.type === 'connector' ? toConnectorMeta(a) : undefined,
    epoch,
    digestFloor,
    trustFrom: Math.max(digestFloor, (a.outsideWriteEpoch as number | undefined) ?? 0),
    provenEpoch: a.provenEpoch as number | undefined,
    pageCount: a.pageCount as number | undefined,
    digests,
    walkedBefore: Boolean(a.firstWalkCompletedAt),
  };
}

export async function heartbeat(table: Table, cid: string, owner: string, now: number, leaseMs: number) {
  try {
    await update(table, cid, {
      UpdateExpression: 'SET walkUntil = :until',
      ConditionExpression: HELD,
      ExpressionAttributeValues: { ':me': owner, ':until': now + leaseMs },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * A walk is about to write licenses: digests stamped before its start epoch stop counting until it completes (a walk
 * that dies part-way may have rewritten a license another page's old digest vouches for).
 */
export function walkWriting(table: Table, cid: string, owner: string, startEpoch: number): Promise<void> {
  return whileHeld(cid, async () => {
    await update(table, cid, {
      UpdateExpression: 'SET digestFloor = :start',
      ConditionExpression: HELD,
      ExpressionAttributeValues: { ':me': owner, ':start': startEpoch },
    });
  });
}

export async function pageDigestWritten(
  table: Table,
  cid: string,
  owner: string,
  index: number,
  digest: PageDigest,
) {
  await whileHeld(cid, () =>
    update(table, cid, {
      UpdateExpression: 'SET pages.#index = :digest',
      ConditionExpression: HELD,
      ExpressionAttributeNames: { '#index': String(index) },
      ExpressionAttributeValues: { ':me': owner, ':digest': { ...digest, sv: STORE_SHAPE } },
    }),
  );
}

export async function walkEnded(table: Table, cid: string, owner: string, end: WalkEnd): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':me': owner, ':walk': end.outcome, ':cid': cid };
  const set = ['lastWalk = :walk', 'connectorId = :cid'];
  const remove = ['walkOwner', 'walkUntil'];
  const done = end.completed;
  if (done) {
    set.push(
      'liveCount = :live',
      'pageCount = :pages',
      'firstWalkCompletedAt = if_not_exists(firstWalkCompletedAt, :at)',
    );
    values[':live'] = done.liveCount;
    values[':pages'] = done.pageCount;
    values[':at'] = end.outcome.at;
    // Every page was read: each digest left is this walk's or one it matched, so the floor goes back to where it was.
    set.push('digestFloor = :floor');
    values[':floor'] = done.digestFloor;
    if (done.proven) {
      set.push('lastCompleteWalkAt = :at', 'provenEpoch = :epoch');
      values[':epoch'] = done.epoch;
    } else remove.push('provenEpoch'); // what it wrote may have changed the list a proof vouched for

    done.dropPages.forEach((index, i) => {
      names[`#p${i}`] = String(index);
      remove.push(`pages.#p${i}`);
    });
  }
  try {
    await update(table, cid, {
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: HELD,
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Written outside a walk: the epoch moves from the value the writer read and is kept as the last outside write's
 * (every digest and every proof of a whole list stamped before it, including those of a walk under way, stops
 * counting), and the live count follows a create or delete.
 */
export function writtenOutsideWalk(
  table: Table,
  cid: string,
  epochSeen: number,
  liveDelta: number,
): TransactItem {
  return {
    Update: {
      TableName: table.name,
      Key: key.connector(cid),
      UpdateExpression: `SET epoch = :next, outsideWriteEpoch = :next${liveDelta ? ' ADD liveCount :delta' : ''}`,
      ConditionExpression: epochSeen === 0 ? 'attribute_not_exists(epoch) OR epoch = :seen' : 'epoch = :seen',
      ExpressionAttributeValues: {
        ':next': epochSeen + 1,
        ':seen': epochSeen,
        ...(liveDelta ? { ':delta': liveDelta } : {}),
      },
    },
  };
}

/** Connectors: their META items, listed from the feed index or read one by one (reused for `metaCacheMs`). */
export function connectorFacet({ table, options }: Site): ConnectorStore {
  const cacheMs = options.metaCacheMs ?? 0;
  // The read itself is kept, so callers asking at once (a rule's pages viewed together) share one GetItem.
  const cache = new Map<string, { at: number; meta: Promise<ConnectorMeta | undefined> }>();
  return {
    async listConnectors() {
      const out: ConnectorMeta[] = [];
      for await (const item of queryAll(table, {
        IndexName: INDEX.feed.name,
        KeyConditionExpression: 'feed_pk = :pk',
        ExpressionAttributeValues: { ':pk': FEED.connectors },
        ...VIEW_PROJECTION,
      })) {
        out.push(toConnectorMeta(item));
      }
      return out;
    },
    getConnector(cid, { consistent = false } = {}) {
      const hit = cache.get(cid);
      if (!consistent && hit && Date.now() - hit.at < cacheMs) return hit.meta;
      // A META item without a connector record yet (an API write to a connector never listed) is no connector.
      const read = readMeta(table, cid, consistent).then((item) =>
        item?.type === 'connector' ? toConnectorMeta(item) : undefined,
      );
      if (cacheMs > 0) {
        cache.set(cid, { at: Date.now(), meta: read });
        read.catch(() => cache.delete(cid));
      }
      return read;
    },
    async connectorEpoch(cid) {
      return ((await readMeta(table, cid, true))?.epoch as number | undefined) ?? 0;
    },
    recordConnector: (c) => snapshotted(table, c),
    markConnectorDeleted: (cid, at) => deletedUpstream(table, cid, at),
  };
}

/** A walk's transitions of its connector's META item. */
export function walkFacet({ table, now }: Site): WalkStore {
  return {
    beginWalk: (cid, owner, leaseMs) => walkStarted(table, cid, owner, now().getTime(), leaseMs),
    renewWalk: (cid, owner, leaseMs) => heartbeat(table, cid, owner, now().getTime(), leaseMs),
    walkWriting: (cid, owner, start) => walkWriting(table, cid, owner, start),
    recordPageDigest: (cid, owner, index, digest) => pageDigestWritten(table, cid, owner, index, digest),
    endWalk: (cid, owner, end) => walkEnded(table, cid, owner, end),
  };
}
