// Across the portfolio: a customer's licenses (by e-mail or domain), the change feed, and the partner accounts known.
import { DAY_MS, DEFAULT_ACCOUNT } from '#functions/config';
import { LedgerError } from './errors.ts';
import { type ReadOptions, toViews } from './queries.ts';
import type { ChangeItem, ChangeItemKind, LicenseView, Page } from './schemas.ts';
import type { ConnectorStore, PortfolioStore, ViewStore } from './store/port.ts';

/** Who to find: an e-mail address (exact, case-insensitive) or a domain (exactly it, not its subdomains). */
export type Customer = { email: string } | { domain: string };

// A domain label: letters (any script) and digits, inner hyphens; no dots, spaces or control characters.
const LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const LOCAL_PART = /^[^\s@\u0000-\u001f\u007f]{1,64}$/u;

export function isDomain(text: string): boolean {
  const labels = text.split('.');
  return text.length <= 253 && labels.length >= 2 && labels.every((label) => LABEL.test(label));
}

export function isEmail(text: string): boolean {
  const at = text.lastIndexOf('@');
  return at > 0 && text.length <= 254 && LOCAL_PART.test(text.slice(0, at)) && isDomain(text.slice(at + 1));
}

export const EMAIL_RULE = 'must be an e-mail address, e.g. jane.doe@example.com';
export const DOMAIN_RULE = 'must be a domain name, e.g. example.com (no @, no scheme, no path)';

/** `jane@example.com` or `@example.com` (the CLI's and the dashboard's one search term), lowercased. */
export function parseCustomer(text: string, field = 'customer'): Customer {
  const term = text.trim().toLowerCase();
  if (term.startsWith('@')) {
    const domain = term.slice(1);
    if (!isDomain(domain))
      throw new LedgerError('invalid_parameter', `${field}: @domain ${DOMAIN_RULE}`, field);
    return { domain };
  }
  if (!isEmail(term))
    throw new LedgerError(
      'invalid_parameter',
      `${field} ${EMAIL_RULE}, or @domain such as @example.com`,
      field,
    );
  return { email: term };
}

/** A customer's licenses, by e-mail then id, live ones unless includeDeleted, paged. */
export async function findLicenses(
  ledger: ViewStore & PortfolioStore,
  customer: Customer,
  options: ReadOptions & {
    includeDeleted?: boolean;
    account?: string;
    sandbox?: boolean;
    limit?: number;
    cursor?: string;
  } = {},
): Promise<Page<LicenseView>> {
  const page = await ledger.customerLicenses({
    ...('email' in customer
      ? { email: customer.email.toLowerCase() }
      : { domain: customer.domain.toLowerCase() }),
    includeDeleted: options.includeDeleted,
    account: options.account,
    sandbox: options.sandbox,
    limit: options.limit,
    cursor: options.cursor,
  });
  return { ...page, items: await toViews(ledger, page.items, options) };
}

export const SINCE_RULE = 'must be a number of days such as 7d, or an ISO 8601 date or date-time';
const DAYS = /^(\d{1,4})d$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** How far back the change feed looks: one Query per month of the range, so a range of centuries is refused. */
export const MAX_SINCE_DAYS = 3650;

/** A calendar date that exists (`2026-02-30` does not: Date.parse would roll it over into March). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Whether `since` is written as the change feed takes it (the clock decides the rest, in resolveSince). */
export const isSince = (text: string) =>
  (DAYS.test(text) && Number(DAYS.exec(text)![1]) <= MAX_SINCE_DAYS) ||
  (ISO.test(text) && isCalendarDate(text) && !Number.isNaN(Date.parse(text)));

/** `7d` (days back from now) or an ISO date or instant, as an ISO instant; never in the future. */
export function resolveSince(text: string, now: Date): string {
  if (!isSince(text)) throw new LedgerError('invalid_parameter', `since ${SINCE_RULE}`, 'since');
  const days = DAYS.exec(text);
  const at = days ? new Date(now.getTime() - Number(days[1]) * DAY_MS) : new Date(text);
  if (at.getTime() > now.getTime())
    throw new LedgerError('invalid_parameter', `since is in the future (${at.toISOString()})`, 'since');
  if (now.getTime() - at.getTime() > MAX_SINCE_DAYS * DAY_MS)
    throw new LedgerError(
      'invalid_parameter',
      `since is more than ${MAX_SINCE_DAYS} days back (${at.toISOString()})`,
      'since',
    );
  return at.toISOString();
}

export interface ChangeQuery {
  /** Days back (`7d`) or an ISO date or instant, as asked; resolved against the ledger's clock. */
  since: string;
  connectorId?: string;
  kind?: ChangeItemKind;
  account?: string;
  /** Versions of sandbox licenses only, or of production ones. */
  sandbox?: boolean;
  includeBaseline?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * The portfolio's changes since `since`, newest first: one item per version (the baseline only on request). A since
 * malformed or in the future is `invalid_parameter`.
 */
export async function listChanges(
  ledger: Pick<PortfolioStore, 'changesPage'> & { now(): Date },
  query: ChangeQuery,
): Promise<Page<ChangeItem>> {
  const now = ledger.now();
  const since = resolveSince(query.since, now);
  return ledger.changesPage({ ...query, since, sinceAsked: query.since, until: now.toISOString() });
}

/**
 * The partner accounts a filter may name: those configured, and any a connector in the ledger belongs to (an
 * account dropped from the configuration keeps its history).
 */
export async function knownAccounts(
  ledger: Pick<ConnectorStore, 'listConnectors'>,
  configured: readonly string[] = [DEFAULT_ACCOUNT],
): Promise<string[]> {
  const names = new Set(configured);
  for (const c of await ledger.listConnectors()) names.add(c.account);
  return [...names].sort();
}

/** The account a filter names, checked; undefined (no filter) passes. */
export async function checkAccount(
  ledger: Pick<ConnectorStore, 'listConnectors'>,
  account: string | undefined,
  configured?: readonly string[],
): Promise<string | undefined> {
  if (account === undefined) return undefined;
  const known = await knownAccounts(ledger, configured);
  if (!known.includes(account))
    throw new LedgerError(
      'unknown_account',
      `account ${account} is not one of this deployment's partner accounts (${known.join(', ')})`,
      'account',
    );
  return account;
}
