// The install base as both edges read it: installs across connectors (or one), outdated ones, and each connector's
// versions with its outdated count (the dashboard's table).

import { cursor as cursorCodec, stringRecord } from '#ledger/cursor';
import type { ConnectorVersions, InstallView } from '#ledger/install-schemas';
import { compareVersions, toInstallView } from '#ledger/install-view';
import { checkAccount } from '#ledger/portfolio';
import { getConnector, listConnectors } from '#ledger/queries';
import type { Page } from '#ledger/schemas';
import type { Clock, ConnectorStore, InstallStore, StoredInstall } from '#ledger/store/port';
import { notFound } from './errors.ts';

/** What reading the install base needs of the store. */
export type InstallsLedger = Clock & Pick<ConnectorStore, 'listConnectors' | 'getConnector'> & InstallStore;

export interface InstallsQuery {
  connectorId?: string;
  /** The partner accounts configured now: an `account` asked for must be one of them (or in the ledger). */
  accounts?: readonly string[];
  /** Only installs behind the newest version seen on their connector. */
  outdated?: boolean;
  account?: string;
  limit?: number;
  cursor?: string;
}

/** Every live install of one connector as views, in integration id order (one Query, page by page). */
export async function connectorInstalls(ledger: InstallsLedger, connectorId: string): Promise<InstallView[]> {
  const summary = await ledger.installBaseSummary(connectorId);
  const options = { newestVersion: summary?.newestVersion, lastCompleteAt: summary?.lastCompleteAt };
  const items: StoredInstall[] = [];
  let next: string | undefined;
  do {
    const page = await ledger.listInstalls(connectorId, { limit: 1000, cursor: next });
    items.push(...page.items);
    next = page.nextCursor;
  } while (next);
  return items.map((item) => toInstallView(item, options));
}

/**
 * One page of installs, connector by connector (in id order) and integration by integration: a page reads the
 * connectors it covers, not the whole install base. The cursor names the last install handed out.
 */
export async function listInstalls(ledger: InstallsLedger, query: InstallsQuery): Promise<Page<InstallView>> {
  await checkAccount(ledger, query.account, query.accounts);
  const limit = query.limit ?? 100;
  const scope = `installs|${query.connectorId ?? '*'}|${query.outdated ? 'outdated' : 'all'}|${query.account ?? ''}`;
  const after = cursorCodec.decode(query.cursor, scope, stringRecord(['c', 'i']));
  let ids: string[];
  if (query.connectorId) {
    const connector = await getConnector(ledger, query.connectorId);
    if (!connector || (query.account && connector.account !== query.account))
      throw notFound('connector', query.connectorId);
    ids = [connector.id];
  } else {
    ids = (await listConnectors(ledger))
      .filter((c) => !c.deletedAt && (!query.account || c.account === query.account))
      .map((c) => c.id)
      .sort();
  }
  const items: InstallView[] = [];
  for (const cid of ids) {
    if (after && cid < after.c!) continue;
    for (const view of await connectorInstalls(ledger, cid)) {
      if (after && cid === after.c && view.integrationId <= after.i!) continue;
      if (query.outdated && !view.outdated) continue;
      if (items.length === limit) {
        const last = items.at(-1)!;
        return {
          items,
          nextCursor: cursorCodec.encode(scope, { c: last.connectorId, i: last.integrationId }),
        };
      }
      items.push(view);
    }
  }
  return { items };
}

/** Each connector's versions, newest first, with how many installs run each and how many are behind. */
export async function connectorVersions(
  ledger: InstallsLedger,
  options: { account?: string } = {},
): Promise<(ConnectorVersions & { name: string; account: string })[]> {
  const connectors = (await listConnectors(ledger)).filter(
    (c) => !c.deletedAt && (!options.account || c.account === options.account),
  );
  const out = await Promise.all(
    connectors.map(async (c) => {
      const summary = await ledger.installBaseSummary(c.id);
      if (!summary?.installs) return undefined;
      const newest = summary.newestVersion;
      const outdated = Object.entries(summary.versions)
        .filter(([v]) => newest !== undefined && compareVersions(v, newest) < 0)
        .reduce((n, [, count]) => n + count, 0);
      const versions = Object.fromEntries(
        Object.entries(summary.versions).sort(([a], [b]) => compareVersions(b, a)),
      );
      return {
        connectorId: c.id,
        name: c.name,
        account: c.account,
        ...(newest ? { newestVersion: newest } : {}),
        installs: summary.installs,
        outdated,
        versions,
      };
    }),
  );
  return out.filter((x) => x !== undefined);
}
