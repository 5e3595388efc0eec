// As of a moment: a license, a connector's licenses, a customer's licenses as the ledger held them then.
import pLimit from 'p-limit';
import { LedgerError } from '#ledger/errors';
import { type Customer, checkAccount } from '#ledger/portfolio';
import { fromVersion, getConnector, listConnectors } from '#ledger/queries';
import type { LicenseView, Page } from '#ledger/schemas';
import type { ConnectorStore, LicenseStore, PortfolioStore, ViewStore } from '#ledger/store/port';
import type { StoredLicense } from '#ledger/store/records';
import { toLicenseView } from '#ledger/view';
import type { AppContext } from './context.ts';
import { notFound } from './errors.ts';

export const AS_OF_RULE = 'must be an ISO 8601 date or date-time with an offset, e.g. 2026-03-01T00:00:00Z';
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Version reads one list page makes at once: a page of 1,000 licenses changed since must not flood the table. */
const VERSION_READS = 16;

/** A calendar date that exists (`2026-02-30` does not: Date.parse would roll it over into March). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Whether `text` is written as asOf takes it: an ISO date (midnight UTC) or an instant with an offset. */
export const isAsOf = (text: string) =>
  ISO.test(text) && isCalendarDate(text) && !Number.isNaN(Date.parse(text));

/** The moment asked for, as an ISO instant; malformed or in the future is `invalid_parameter` on `asOf`. */
export function resolveAsOf(text: string, now: Date, field = 'asOf'): string {
  if (!isAsOf(text)) throw new LedgerError('invalid_parameter', `${field} ${AS_OF_RULE}`, field);
  const at = new Date(text);
  if (at.getTime() > now.getTime())
    throw new LedgerError('invalid_parameter', `${field} is in the future (${at.toISOString()})`, field);
  return at.toISOString();
}

export interface AsOfOptions {
  /** Days ahead at which a license counts as expiring (default 30). */
  expiringDays?: number;
}

/**
 * A view as of then: the record of the version in force, its expiry judged on that day, lastSeenAt the version's
 * observation (when a walk last saw it then is not kept).
 */
function viewAsOf(item: StoredLicense, asOf: string, options: AsOfOptions): LicenseView {
  return toLicenseView(item, { now: new Date(asOf), expiringDays: options.expiringDays });
}

/** One license as the ledger held it at `asOf`; `not_found` before its first version. */
export async function licenseAsOf(
  ledger: Pick<LicenseStore, 'versionAsOf'> & { now(): Date },
  lid: string,
  asOfText: string,
  options: AsOfOptions = {},
): Promise<LicenseView> {
  const asOf = resolveAsOf(asOfText, ledger.now());
  const version = await ledger.versionAsOf(lid, asOf);
  if (!version) throw new LedgerError('not_found', `license ${lid} was not in the ledger at ${asOf}`);
  return viewAsOf(fromVersion(version), asOf, options);
}

/**
 * The items of a page of current items as they were at `asOf` (undefined: not seen yet). A license unchanged since
 * (its last change no later than asOf) is its current item, with no read; the others read their version then.
 */
async function itemsAsOf(
  ledger: Pick<LicenseStore, 'versionAsOf'>,
  items: StoredLicense[],
  asOf: string,
): Promise<(StoredLicense | undefined)[]> {
  const reads = pLimit(VERSION_READS);
  return Promise.all(
    items.map((item) =>
      item.lastChangedAt && item.lastChangedAt <= asOf
        ? { ...item, lastSeenAt: item.lastChangedAt }
        : reads(async () => {
            const version = await ledger.versionAsOf(item.licenseId, asOf);
            return version && fromVersion(version);
          }),
    ),
  );
}

/** Keeps what existed then, live ones unless includeDeleted, and what `keep` accepts; as views of then. */
function pageAsOf(
  page: Page<StoredLicense>,
  then: (StoredLicense | undefined)[],
  asOf: string,
  options: AsOfOptions & { includeDeleted?: boolean; keep?: (item: StoredLicense) => boolean },
): Page<LicenseView> {
  const items = then.filter(
    (item): item is StoredLicense =>
      item !== undefined && (options.includeDeleted || !item.deletedAt) && (options.keep?.(item) ?? true),
  );
  return {
    items: items.map((item) => viewAsOf(item, asOf, options)),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

export interface ListAsOfOptions extends AsOfOptions {
  includeDeleted?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * A connector's licenses as of then, in id order: a page of its current items (deleted ones too: they may have
 * lived then), each as of then. A page may hold fewer items than asked (licenses not seen yet, or not live then)
 * and still have a next one.
 */
export async function connectorLicensesAsOf(
  ledger: Pick<LicenseStore, 'listLicenses' | 'versionAsOf'> & { now(): Date },
  cid: string,
  asOfText: string,
  options: ListAsOfOptions = {},
): Promise<Page<LicenseView>> {
  const asOf = resolveAsOf(asOfText, ledger.now());
  const page = await ledger.listLicenses(cid, {
    includeDeleted: true,
    limit: options.limit,
    cursor: options.cursor,
  });
  return pageAsOf(page, await itemsAsOf(ledger, page.items, asOf), asOf, options);
}

/** Every license of every connector (of one account if named) as of then: the CLI's `licenses --as-of`. */
export async function* allLicensesAsOf(
  ledger: ViewStore & Pick<ConnectorStore, 'listConnectors'>,
  asOfText: string,
  options: AsOfOptions & { includeDeleted?: boolean; connectorId?: string; account?: string } = {},
): AsyncGenerator<LicenseView> {
  resolveAsOf(asOfText, ledger.now());
  const inAccount = (c: { account: string } | undefined) =>
    Boolean(c) && (!options.account || c!.account === options.account);
  if (options.connectorId && options.account && !inAccount(await getConnector(ledger, options.connectorId)))
    return;
  const ids = options.connectorId
    ? [options.connectorId]
    : (await listConnectors(ledger)).filter(inAccount).map((c) => c.id);
  for (const cid of ids) {
    let cursor: string | undefined;
    do {
      const page = await connectorLicensesAsOf(ledger, cid, asOfText, { ...options, limit: 1000, cursor });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }
}

/**
 * A customer's licenses as of then. The customer index holds today's addresses: the licenses found are those of
 * the customer now, kept when their address then was the customer's too. A license that moved to another address
 * since is not found under its old one.
 */
export async function customerLicensesAsOf(
  ledger: Pick<LicenseStore, 'versionAsOf'> &
    PortfolioStore &
    Pick<ConnectorStore, 'listConnectors'> & { now(): Date },
  customer: Customer,
  asOfText: string,
  options: ListAsOfOptions & { account?: string; accounts?: readonly string[] } = {},
): Promise<Page<LicenseView>> {
  const asOf = resolveAsOf(asOfText, ledger.now());
  const account = await checkAccount(ledger, options.account, options.accounts);
  const page = await ledger.customerLicenses({
    ...('email' in customer
      ? { email: customer.email.toLowerCase() }
      : { domain: customer.domain.toLowerCase() }),
    includeDeleted: true,
    account,
    limit: options.limit,
    cursor: options.cursor,
  });
  const theirs = (item: StoredLicense) => {
    const email = item.email?.toLowerCase() ?? '';
    const matches =
      'email' in customer
        ? email === customer.email.toLowerCase()
        : email.endsWith(`@${customer.domain.toLowerCase()}`);
    return matches && (!account || item.account === account);
  };
  return pageAsOf(page, await itemsAsOf(ledger, page.items, asOf), asOf, { ...options, keep: theirs });
}

/** The edges' entries: what the HTTP routes and the CLI actions call, with the account rules of the other lists. */
export const asOf = {
  license: (ctx: AppContext<Pick<LicenseStore, 'versionAsOf'> & { now(): Date }>, lid: string, at: string) =>
    licenseAsOf(ctx.ledger, lid, at, { expiringDays: ctx.expiringDays }),

  /** A connector's licenses then; a connector unknown, or of another account than the one named, is not found. */
  async connectorLicenses(
    ctx: AppContext<ViewStore & Pick<ConnectorStore, 'listConnectors'>>,
    cid: string,
    at: string,
    query: { account?: string; includeDeleted?: boolean; limit?: number; cursor?: string },
  ): Promise<Page<LicenseView>> {
    const account = await checkAccount(ctx.ledger, query.account, ctx.accounts);
    const connector = await getConnector(ctx.ledger, cid);
    if (!connector || (account && connector.account !== account)) throw notFound('connector', cid);
    return connectorLicensesAsOf(ctx.ledger, cid, at, { ...query, expiringDays: ctx.expiringDays });
  },

  async allLicenses(
    ctx: AppContext<ViewStore & Pick<ConnectorStore, 'listConnectors'>>,
    at: string,
    query: { connectorId?: string; account?: string; includeDeleted?: boolean },
  ): Promise<LicenseView[]> {
    const account = await checkAccount(ctx.ledger, query.account, ctx.accounts);
    const items: LicenseView[] = [];
    for await (const view of allLicensesAsOf(ctx.ledger, at, {
      ...query,
      account,
      expiringDays: ctx.expiringDays,
    }))
      items.push(view);
    return items;
  },

  customerPage: (
    ctx: AppContext<Parameters<typeof customerLicensesAsOf>[0]>,
    customer: Customer,
    at: string,
    query: { account?: string; includeDeleted?: boolean; limit?: number; cursor?: string },
  ) =>
    customerLicensesAsOf(ctx.ledger, customer, at, {
      ...query,
      accounts: ctx.accounts,
      expiringDays: ctx.expiringDays,
    }),

  /** Every page of a customer's licenses then. */
  async customer(
    ctx: AppContext<Parameters<typeof customerLicensesAsOf>[0]>,
    customer: Customer,
    at: string,
    query: { account?: string; includeDeleted?: boolean },
  ): Promise<LicenseView[]> {
    const items: LicenseView[] = [];
    let cursor: string | undefined;
    do {
      const page = await asOf.customerPage(ctx, customer, at, { ...query, limit: 1000, cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  },
};
