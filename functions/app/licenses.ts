// Connectors and licenses: read them as views, and change a license upstream then record what the Partner API says.

import { PartnerApiError } from '#celigo/errors';
import type { CreateLicense, UpdateLicense } from '#celigo/schemas';
import { ID_RULE, isRecordId } from '#celigo/schemas';
import * as queries from '#ledger/queries';
import type { ConnectorSummary, HistoryItem, LicenseView, Page } from '#ledger/schemas';
import { recordOutsideWalk } from '#ledger/snapshot';
import type { Clock, ConnectorStore, LicenseStore, ViewStore } from '#ledger/store/port';
import { accountFilter, writeAccount } from './accounts.ts';
import type { AppContext } from './context.ts';
import { AppError, notFound } from './errors.ts';
import { pageSorted } from './paging.ts';

/** What reading and writing licenses needs of the store. */
export type LicensesLedger = Clock & ConnectorStore & LicenseStore;
type Ctx = AppContext<LicensesLedger>;
type PageAsked = { limit?: number; cursor?: string };

/** Connectors by name, of one account if named. */
export async function connectors(ctx: Ctx, query: { account?: string } = {}): Promise<ConnectorSummary[]> {
  const account = await accountFilter(ctx, query.account);
  return (await queries.listConnectors(ctx.ledger)).filter((c) => !account || c.account === account);
}

/** One page of a connector's licenses; a connector of another account than the one named is not found. */
export async function connectorLicenses(
  ctx: Ctx,
  connectorId: string,
  query: PageAsked & { account?: string; includeDeleted?: boolean },
): Promise<Page<LicenseView>> {
  const account = await accountFilter(ctx, query.account);
  const connector = await queries.getConnector(ctx.ledger, connectorId);
  if (!connector || (account && connector.account !== account)) throw notFound('connector', connectorId);
  const { includeDeleted, limit = 100, cursor } = query;
  return queries.listLicenses(ctx.ledger, connectorId, {
    includeDeleted,
    limit,
    cursor,
    expiringDays: ctx.expiringDays,
  });
}

/** Every license (of one connector, or one account), all pages. */
export async function allLicenses(
  ctx: Ctx,
  query: { connectorId?: string; account?: string; includeDeleted?: boolean } = {},
): Promise<LicenseView[]> {
  const account = await accountFilter(ctx, query.account);
  const items: LicenseView[] = [];
  const options = { ...query, account, expiringDays: ctx.expiringDays };
  for await (const view of queries.allLicenses(ctx.ledger, options)) items.push(view);
  return items;
}

/** A license as last recorded, or undefined. */
export const findLicense = (ctx: AppContext<ViewStore>, licenseId: string) =>
  queries.getLicense(ctx.ledger, licenseId, { expiringDays: ctx.expiringDays });

/** A license as last recorded; `not_found` when the ledger never held it. */
export async function license(ctx: AppContext<ViewStore>, licenseId: string): Promise<LicenseView> {
  const view = await findLicense(ctx, licenseId);
  if (!view) throw notFound('license', licenseId);
  return view;
}

/** One page of a license's versions, newest first; `not_found` for an id never recorded. */
export async function historyPage(
  ctx: AppContext<Pick<LicenseStore, 'licenseVersions'>>,
  licenseId: string,
  page: PageAsked,
): Promise<Page<HistoryItem>> {
  const found = await queries.licenseHistory(ctx.ledger, licenseId, page);
  // A recorded license always has a first version, so an empty first page means an unknown id.
  if (found.items.length === 0 && !page.cursor) throw notFound('license', licenseId);
  return found;
}

/** Every version of a license, newest first. */
export async function history(
  ctx: AppContext<Pick<LicenseStore, 'licenseVersions'>>,
  licenseId: string,
): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await historyPage(ctx, licenseId, { limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** A license the Partner API answered with must have an id we can key by. */
function idOf(raw: { _id: string }): string {
  if (!isRecordId(raw._id))
    throw new PartnerApiError(
      'invalid_response',
      `the Partner API answered a license id we cannot use (${ID_RULE})`,
      200,
    );
  return raw._id;
}

/**
 * Records what the Partner API returned (the license, or undefined once deleted) under the account the write went
 * out with, and reads it back; undefined when the ledger never held a deleted license.
 */
async function record(
  ctx: Ctx,
  write: { connectorId: string; licenseId: string; account: string },
  raw: Record<string, unknown> | undefined,
): Promise<LicenseView | undefined> {
  const { connectorId, licenseId, account } = write;
  try {
    await recordOutsideWalk(ctx.ledger, { connectorId, licenseId, account, raw });
    const view = await findLicense(ctx, licenseId);
    if (!view && raw) throw new Error(`license ${licenseId} not found right after recording it`);
    return view;
  } catch (error) {
    // The change did reach the Partner API: say so, so the caller does not send it (a create) twice.
    throw new AppError(
      'failed',
      'ledger_write_failed',
      `the Partner API accepted the change to license ${licenseId}, but recording it failed; the next sync records it`,
      undefined,
      { cause: error },
    );
  }
}

export type { CreateLicense as NewLicense, UpdateLicense as LicenseChange } from '#celigo/schemas';

/** Creates a license upstream (with the connector's account) and records it. */
export async function createLicense(
  ctx: Ctx,
  connectorId: string,
  body: CreateLicense,
): Promise<LicenseView> {
  const { account, api } = await writeAccount(ctx, connectorId);
  const raw = await api.createLicense(connectorId, body);
  return (await record(ctx, { connectorId, licenseId: idOf(raw), account }, raw))!;
}

/** Changes a license's expiry and/or opts upstream and records it. */
export async function updateLicense(
  ctx: Ctx,
  connectorId: string,
  licenseId: string,
  change: UpdateLicense,
): Promise<LicenseView> {
  const { account, api } = await writeAccount(ctx, connectorId);
  const body = {
    ...(change.expires !== undefined ? { expires: change.expires } : {}),
    ...(change.opts !== undefined ? { opts: change.opts } : {}),
  };
  const raw = await api.updateLicense(connectorId, licenseId, body);
  return (await record(ctx, { connectorId, licenseId: idOf(raw), account }, raw))!;
}

/** Deletes a license upstream and records the deletion; undefined when the ledger never held it. */
export async function deleteLicense(
  ctx: Ctx,
  connectorId: string,
  licenseId: string,
): Promise<LicenseView | undefined> {
  const { account, api } = await writeAccount(ctx, connectorId);
  await api.deleteLicense(connectorId, licenseId);
  return record(ctx, { connectorId, licenseId, account }, undefined);
}

/** One page of connectors by name (of one account if named). */
export async function connectorsPage(
  ctx: Ctx,
  query: PageAsked & { account?: string },
): Promise<Page<ConnectorSummary>> {
  const { account, limit = 100, cursor } = query;
  const items = await connectors(ctx, { account });
  const scope = account ? `connectors|${account}` : 'connectors';
  return pageSorted(items, (x) => [x.name, x.id], { limit, cursor, scope, width: 2 });
}
