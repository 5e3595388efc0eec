// The ledger's read side as views: connectors with counts, a connector's licenses, one license by id, its history.

import { licenseFacts } from './facts.ts';
import type { ConnectorSummary, HistoryItem, LicenseView, Page } from './schemas.ts';
import type { ConnectorMeta, ConnectorStore, LicenseStore, StoredVersion, ViewStore } from './store/port.ts';
import type { StoredLicense } from './store/records.ts';
import { toLicenseView } from './view.ts';

export interface ReadOptions {
  /** Days ahead at which a license counts as expiring (default 30). */
  expiringDays?: number;
}

export function toConnectorSummary(m: ConnectorMeta): ConnectorSummary {
  const summary: ConnectorSummary = {
    id: m.connectorId,
    name: m.name ?? m.connectorId,
    account: m.account,
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

export async function listConnectors(
  ledger: Pick<ConnectorStore, 'listConnectors'>,
): Promise<ConnectorSummary[]> {
  const all = (await ledger.listConnectors()).map(toConnectorSummary);
  return all.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export async function getConnector(
  ledger: Pick<ConnectorStore, 'getConnector'>,
  cid: string,
): Promise<ConnectorSummary | undefined> {
  const meta = await ledger.getConnector(cid);
  return meta && toConnectorSummary(meta);
}

/** Views with lastSeenAt derived from each connector's last complete walk (one META read per connector). */
export async function toViews(
  ledger: ViewStore,
  items: StoredLicense[],
  options: ReadOptions = {},
): Promise<LicenseView[]> {
  const walks = new Map<string, string | undefined>();
  const cids = [...new Set(items.filter((i) => !i.deletedAt).map((i) => i.connectorId))];
  await Promise.all(
    cids.map(async (cid) => walks.set(cid, (await ledger.getConnector(cid))?.lastCompleteWalkAt)),
  );
  const installed = await installedVersionsOf(ledger, items);
  const now = ledger.now();
  return items.map((item) => {
    const view = toLicenseView(item, {
      now,
      expiringDays: options.expiringDays,
      lastCompleteWalkAt: walks.get(item.connectorId),
    });
    const version = item.integrationId ? installed.get(item.integrationId) : undefined;
    if (version !== undefined) view.installedVersion = version;
    return view;
  });
}

/** The versions the licenses' integrations run, when the store reads the install base (one batched read). */
async function installedVersionsOf(ledger: ViewStore, items: StoredLicense[]): Promise<Map<string, string>> {
  const keys = items
    .filter((i) => i.integrationId && !i.deletedAt)
    .map((i) => ({ connectorId: i.connectorId, integrationId: i.integrationId! }));
  if (!ledger.installedVersions || keys.length === 0) return new Map();
  return ledger.installedVersions(keys);
}

/** A connector's licenses in id order, live only unless includeDeleted, paged with an opaque cursor. */
export async function listLicenses(
  ledger: ViewStore,
  cid: string,
  options: ReadOptions & {
    includeDeleted?: boolean;
    sandbox?: boolean;
    limit?: number;
    cursor?: string;
  } = {},
): Promise<Page<LicenseView>> {
  const page = await ledger.listLicenses(cid, options);
  return { ...page, items: await toViews(ledger, page.items, options) };
}

/** Every license of every connector (of one account if named), one connector at a time (the CLI's list and CSV). */
export async function* allLicenses(
  ledger: ViewStore & Pick<ConnectorStore, 'listConnectors'>,
  options: ReadOptions & {
    includeDeleted?: boolean;
    sandbox?: boolean;
    connectorId?: string;
    account?: string;
  } = {},
): AsyncGenerator<LicenseView> {
  const inAccount = (c: { account: string } | undefined) =>
    Boolean(c) && (!options.account || c!.account === options.account);
  if (options.connectorId && options.account && !inAccount(await getConnector(ledger, options.connectorId)))
    return; // that connector is not in the account asked for
  const ids = options.connectorId
    ? [options.connectorId]
    : (await listConnectors(ledger)).filter(inAccount).map((c) => c.id);
  for (const cid of ids) {
    let next: string | undefined;
    do {
      const page = await listLicenses(ledger, cid, { ...options, limit: 1000, cursor: next });
      yield* page.items;
      next = page.nextCursor;
    } while (next);
  }
}

/** A license's current item rebuilt from its newest version, which carries the record, connector and first sighting. */
export function fromVersion(v: StoredVersion): StoredLicense {
  const raw = JSON.parse(v.rawJson) as Record<string, unknown> | null;
  return {
    ...licenseFacts(v.connectorId, raw ?? { _id: v.licenseId }),
    licenseId: v.licenseId,
    account: v.account,
    rawJson: v.rawJson,
    hash: v.hash ?? '',
    rev: v.rev,
    firstSeenAt: v.firstSeenAt ?? v.observedAt,
    lastChangedAt: v.observedAt,
    lastSeenAt: v.observedAt,
    ...(v.change === 'deleted' ? { deletedAt: v.observedAt } : {}),
    ...(v.trialConvertedAt ? { trialConvertedAt: v.trialConvertedAt } : {}),
  };
}

/**
 * A license by id alone, without knowing its connector: one consistent Query for its newest version. No index
 * needed, no write pays for one, and an API write reads back the version it just recorded.
 */
export async function getLicenseItem(
  ledger: Pick<LicenseStore, 'licenseVersions'>,
  lid: string,
): Promise<StoredLicense | undefined> {
  const [newest] = (await ledger.licenseVersions(lid, { limit: 1 })).items;
  return newest && fromVersion(newest);
}

export async function getLicense(
  ledger: ViewStore,
  lid: string,
  options: ReadOptions = {},
): Promise<LicenseView | undefined> {
  const item = await getLicenseItem(ledger, lid);
  return item && (await toViews(ledger, [item], options))[0];
}

/** A license's versions, newest first, paged. */
export async function licenseHistory(
  ledger: Pick<LicenseStore, 'licenseVersions'>,
  lid: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<HistoryItem>> {
  const page = await ledger.licenseVersions(lid, options);
  return {
    ...page,
    items: page.items.map((v) => ({
      observedAt: v.observedAt,
      change: v.change,
      changes: v.changes,
      license: JSON.parse(v.rawJson),
    })),
  };
}
