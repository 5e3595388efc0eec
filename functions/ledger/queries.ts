// The ledger's read side: connectors with counts, a connector's licenses, one license by id, its history.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FEED, key, PREFIX } from './keys.ts';
import { cursor, type Ledger, type Page, queryAll, queryPage } from './ledger.ts';
import { INDEX } from './table.ts';
import { type LicenseItem, type LicenseView, licenseFacts, toLicenseView } from './view.ts';

export interface ConnectorSummary {
  id: string;
  name: string;
  licenses: number;
  firstSeenAt?: string;
  lastCompleteWalkAt?: string;
  lastWalk?: {
    runId: string;
    at: string;
    status: 'completed' | 'failed';
    error?: { code: string; message: string };
  };
  deletedAt?: string;
  raw: unknown;
}

export type { Page } from './ledger.ts';

export interface ReadOptions {
  /** Days ahead at which a license counts as expiring (default 30). */
  expiringDays?: number;
}

interface ConnectorMetaItem {
  connectorId: string;
  name?: string;
  liveCount?: number;
  firstSeenAt?: string;
  lastCompleteWalkAt?: string;
  lastWalk?: ConnectorSummary['lastWalk'];
  deletedAt?: string;
  rawJson?: string;
}

export async function listConnectors(ledger: Ledger): Promise<ConnectorSummary[]> {
  const out: ConnectorSummary[] = [];
  for await (const m of queryAll<ConnectorMetaItem>(ledger, {
    IndexName: INDEX.feed.name,
    KeyConditionExpression: 'feed_pk = :pk',
    ExpressionAttributeValues: { ':pk': FEED.connectors },
  })) {
    out.push(toConnectorSummary(m));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

function toConnectorSummary(m: ConnectorMetaItem): ConnectorSummary {
  const summary: ConnectorSummary = {
    id: m.connectorId,
    name: m.name ?? m.connectorId,
    licenses: m.liveCount ?? 0,
    firstSeenAt: m.firstSeenAt,
    lastCompleteWalkAt: m.lastCompleteWalkAt,
    lastWalk: m.lastWalk,
    deletedAt: m.deletedAt,
    raw: m.rawJson ? JSON.parse(m.rawJson) : undefined,
  };
  for (const k of Object.keys(summary) as (keyof ConnectorSummary)[])
    if (summary[k] === undefined) delete summary[k];
  return summary;
}

/** The connector's META item, for deriving lastSeenAt; cached per call site by the caller when listing. */
export async function connectorMeta(ledger: Ledger, cid: string): Promise<ConnectorMetaItem | undefined> {
  const cached = ledger.metaCache.get(cid);
  if (cached && Date.now() - cached.at < ledger.metaCacheMs)
    return cached.item as ConnectorMetaItem | undefined;
  const res = await ledger.doc.send(new GetCommand({ TableName: ledger.tableName, Key: key.connector(cid) }));
  if (ledger.metaCacheMs > 0) ledger.metaCache.set(cid, { at: Date.now(), item: res.Item });
  return res.Item as ConnectorMetaItem | undefined;
}

export async function getConnector(ledger: Ledger, cid: string): Promise<ConnectorSummary | undefined> {
  const meta = await connectorMeta(ledger, cid);
  return meta?.connectorId ? toConnectorSummary(meta) : undefined;
}

/** A connector's licenses in id order, live only unless includeDeleted, paged with an opaque cursor. */
export async function listLicenses(
  ledger: Ledger,
  cid: string,
  options: ReadOptions & { includeDeleted?: boolean; limit?: number; cursor?: string } = {},
): Promise<Page<LicenseView>> {
  const limit = options.limit ?? 100;
  const meta = await connectorMeta(ledger, cid);
  const items: LicenseView[] = [];
  let start = cursor.decode(options.cursor);
  // A filter on deletedAt can thin a page; keep reading until the page is full or the partition ends.
  do {
    const res = await ledger.doc.send(
      new QueryCommand({
        TableName: ledger.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': key.connector(cid).PK, ':p': PREFIX.license },
        ...(options.includeDeleted ? {} : { FilterExpression: 'attribute_not_exists(deletedAt)' }),
        Limit: limit - items.length,
        ExclusiveStartKey: start,
      }),
    );
    const now = ledger.now();
    for (const item of res.Items ?? []) {
      items.push(
        toLicenseView(item as LicenseItem, {
          now,
          expiringDays: options.expiringDays,
          lastCompleteWalkAt: meta?.lastCompleteWalkAt,
        }),
      );
    }
    start = res.LastEvaluatedKey;
  } while (start && items.length < limit);
  return { items, nextCursor: cursor.encode(start) };
}

/** Every license of every connector, one connector at a time (for the CLI's list and CSV export). */
export async function* allLicenses(
  ledger: Ledger,
  options: ReadOptions & { includeDeleted?: boolean; connectorId?: string } = {},
): AsyncGenerator<LicenseView> {
  const ids = options.connectorId ? [options.connectorId] : (await listConnectors(ledger)).map((c) => c.id);
  for (const cid of ids) {
    let next: string | undefined;
    do {
      const page = await listLicenses(ledger, cid, { ...options, limit: 1000, cursor: next });
      yield* page.items;
      next = page.nextCursor;
    } while (next);
  }
}

/**
 * A license by id alone, without knowing its connector: one Query for its newest version, which carries
 * the record, the connector and the first sighting. No index needed, and no write pays for one.
 */
export async function getLicenseItem(ledger: Ledger, lid: string): Promise<LicenseItem | undefined> {
  const [v] = (await versions(ledger, lid, { limit: 1 }, (item) => item as unknown as VersionItem)).items;
  if (!v) return undefined;
  const raw = JSON.parse(v.rawJson) as Record<string, unknown>;
  return {
    ...key.license(v.connectorId, lid),
    ...licenseFacts(v.connectorId, raw ?? { _id: lid }),
    rawJson: v.rawJson,
    hash: v.hash ?? '',
    rev: v.rev,
    firstSeenAt: v.firstSeenAt ?? v.observedAt,
    lastChangedAt: v.observedAt,
    lastSeenAt: v.observedAt,
    ...(v.change === 'deleted' ? { deletedAt: v.observedAt } : {}),
  };
}

interface VersionItem {
  connectorId: string;
  observedAt: string;
  change: 'created' | 'updated' | 'deleted';
  changes?: string[];
  rawJson: string;
  hash?: string;
  rev: number;
  firstSeenAt?: string;
}

export async function getLicense(
  ledger: Ledger,
  lid: string,
  options: ReadOptions = {},
): Promise<LicenseView | undefined> {
  const item = await getLicenseItem(ledger, lid);
  if (!item) return undefined;
  const meta = item.deletedAt ? undefined : await connectorMeta(ledger, item.connectorId);
  return toLicenseView(item, {
    now: ledger.now(),
    expiringDays: options.expiringDays,
    lastCompleteWalkAt: meta?.lastCompleteWalkAt,
  });
}

export interface HistoryItem {
  observedAt: string;
  change: 'created' | 'updated' | 'deleted';
  changes: string[];
  license: unknown;
}

/** A license's version items, newest first (keys sort by revision). */
function versions<T>(
  ledger: Ledger,
  lid: string,
  options: { limit?: number; cursor?: string },
  map: (item: Record<string, unknown>) => T,
) {
  return queryPage(
    ledger,
    {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
      ExpressionAttributeValues: { ':pk': `LICENSE#${lid}`, ':v': PREFIX.version },
      ScanIndexForward: false,
      // Read-your-writes: an update through the API answers the view it just recorded, never the one before.
      ConsistentRead: true,
    },
    options,
    map,
  );
}

/** A license's versions, newest first, paged. */
export function licenseHistory(
  ledger: Ledger,
  lid: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<HistoryItem>> {
  return versions(ledger, lid, options, (v) => ({
    observedAt: v.observedAt as string,
    change: v.change as HistoryItem['change'],
    changes: (v.changes as string[]) ?? [],
    license: JSON.parse(v.rawJson as string),
  }));
}
