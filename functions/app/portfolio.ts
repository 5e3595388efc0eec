// Across the portfolio: a customer's licenses (by e-mail or domain) and what changed, a page at a time or whole.
import * as portfolio from '#ledger/portfolio';
import type { ChangeItem, ChangeItemKind, LicenseView, Page } from '#ledger/schemas';
import type { ConnectorStore, PortfolioStore, ViewStore } from '#ledger/store/port';
import { accountFilter } from './accounts.ts';
import type { AppContext } from './context.ts';

export type { Customer } from '#ledger/portfolio';

export type PortfolioLedger = ViewStore & PortfolioStore & Pick<ConnectorStore, 'listConnectors'>;
type Ctx = AppContext<PortfolioLedger>;

/** `jane@example.com` or `@example.com` (the CLI's and the dashboard's one search term); `invalid_parameter` else. */
export const parseCustomer = portfolio.parseCustomer;

export interface FindQuery {
  includeDeleted?: boolean;
  account?: string;
  limit?: number;
  cursor?: string;
}

/** One page of a customer's licenses, by e-mail then id. */
export async function findPage(
  ctx: Ctx,
  customer: portfolio.Customer,
  query: FindQuery,
): Promise<Page<LicenseView>> {
  const account = await accountFilter(ctx, query.account);
  return portfolio.findLicenses(ctx.ledger, customer, {
    ...query,
    account,
    expiringDays: ctx.expiringDays,
  });
}

/** Every license of a customer. */
export async function find(
  ctx: Ctx,
  customer: portfolio.Customer,
  query: Omit<FindQuery, 'limit' | 'cursor'> = {},
): Promise<LicenseView[]> {
  const items: LicenseView[] = [];
  let cursor: string | undefined;
  do {
    const page = await findPage(ctx, customer, { ...query, limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export interface ChangesQuery {
  /** Days back (`7d`) or an ISO date or instant; resolved against the ledger's clock, never in the future. */
  since: string;
  connectorId?: string;
  kind?: ChangeItemKind;
  includeBaseline?: boolean;
  account?: string;
  limit?: number;
  cursor?: string;
}

/** One page of the change feed, newest first. */
export async function changesPage(ctx: Ctx, query: ChangesQuery): Promise<Page<ChangeItem>> {
  const account = await accountFilter(ctx, query.account);
  return portfolio.listChanges(ctx.ledger, { ...query, account });
}

/** The whole change feed, a page at a time (a long CSV export starts at once and holds one page). */
export async function* changes(
  ctx: Ctx,
  query: Omit<ChangesQuery, 'limit' | 'cursor'>,
): AsyncGenerator<ChangeItem[]> {
  let cursor: string | undefined;
  do {
    const page = await changesPage(ctx, { ...query, limit: 1000, cursor });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
