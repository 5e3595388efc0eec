// What the dashboard shows, read from the ledger in one go: connectors, expiry windows, not installed, alerts, recent
// changes, the chart; for one partner account if asked, and a customer's licenses when searched for.

import { DAY_MS } from '#functions/config';
import { DEFAULTS } from '#functions/defaults';
import { LedgerError } from '#ledger/errors';
import { findLicenses, listChanges, parseCustomer } from '#ledger/portfolio';
import { listConnectors } from '#ledger/queries';
import type { ChangeItem, ConnectorSummary, LicenseView } from '#ledger/schemas';
import type { AlertLog, ConnectorStore, PortfolioStore, ViewStore } from '#ledger/store/port';
import type { AlertRecord } from '#watch/alert';
import { expiringWithin, notInstalled } from '#watch/rules';
import { accountFilter, accountsKnown } from './accounts.ts';
import type { AppContext } from './context.ts';
import { type CustomerRow, customersAtRisk } from './customers.ts';
import { connectorVersions, type InstallsLedger } from './installs.ts';
import { type MonthlyFigures, monthlyMetrics } from './metrics.ts';
import { type TrialsOverview, trialsOverview } from './trials.ts';

export const CHART_MONTHS = 12;
export const WINDOWS = [30, 60, 90] as const;
export const RECENT_ALERTS = 20;
export const RECENT_CHANGES = 20;
export const RECENT_CHANGE_DAYS = 7;
/** Search results shown; the API (`GET /licenses`) pages the rest. */
export const SEARCH_ROWS = 100;
/** Customers at risk shown; `GET /customers?status=at-risk` lists them all. */
export const AT_RISK_ROWS = 25;

export interface MonthBar {
  /** YYYY-MM (UTC). */
  month: string;
  count: number;
}

/** A customer search: the term as typed, and its licenses or why the term was refused. */
export interface SearchResult {
  term: string;
  items: LicenseView[];
  more: boolean;
  /** The API query that pages every result, e.g. `email=jane%40example.com`. */
  query?: string;
  error?: string;
}

export interface DashboardData {
  now: Date;
  /** Every partner account known, and the one the page keeps to (all when undefined). */
  accounts: string[];
  account?: string;
  search?: SearchResult;
  /** News of the last RECENT_CHANGE_DAYS days, newest first (no baseline). */
  changes: ChangeItem[];
  connectors: ConnectorSummary[];
  liveLicenses: number;
  /** Live licenses expiring in (previous window, window] days, per window of WINDOWS. */
  expiring: { upTo: number; from: number; items: LicenseView[] }[];
  notInstalled: LicenseView[];
  alerts: AlertRecord[];
  /** Live licenses by expiry month, this month and the next CHART_MONTHS - 1. */
  byMonth: MonthBar[];
  /** Trials ending within `withinDays` days, and this month's conversions. */
  trials?: TrialsOverview & { withinDays: number };
  /** Each connector's installed versions and outdated count, when the store reads the install base. */
  versions?: Awaited<ReturnType<typeof connectorVersions>>;
  /** The last CHART_MONTHS months' figures (renewals against expiries), the current month last. */
  monthly: MonthlyFigures[];
  /** Customers at risk, soonest expiry first. */
  atRisk: CustomerRow[];
}

const monthOf = (date: Date) => date.toISOString().slice(0, 7);

/** Everything the dashboard shows, of one partner account if named (checked), with a customer search if `q`. */
export async function dashboard(
  ctx: AppContext<ViewStore & Pick<ConnectorStore, 'listConnectors'> & AlertLog & PortfolioStore>,
  options: { account?: string; q?: string } = {},
): Promise<DashboardData> {
  const { ledger } = ctx;
  const account = await accountFilter(ctx, options.account);
  const now = ledger.now();
  const rules = { expiringDays: ctx.expiringDays, account };
  const months = Array.from({ length: CHART_MONTHS }, (_, i) =>
    monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1))),
  );
  const chartEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + CHART_MONTHS, 1);
  // One query over the chart's year serves the chart and the 30/60/90-day windows alike.
  const withinDays = Math.floor((chartEnd - now.getTime()) / DAY_MS);
  const since = new Date(now.getTime() - RECENT_CHANGE_DAYS * DAY_MS).toISOString();
  const trialDays = DEFAULTS.trialsWithinDays;
  const trials = trialsOverview(
    { ledger, expiringDays: ctx.expiringDays },
    { withinDays: trialDays, account },
  );
  trials.catch(() => undefined); // awaited below; handled now too, in case a read above fails first
  const [all, upcoming, waiting, alerts, changes, accounts, search, monthly, atRisk] = await Promise.all([
    listConnectors(ledger),
    expiringWithin(ledger, withinDays, rules),
    notInstalled(ledger, 0, rules),
    ledger.listAlerts({ limit: RECENT_ALERTS, account }),
    listChanges(ledger, { since, account, limit: RECENT_CHANGES }),
    accountsKnown(ctx),
    options.q === undefined || options.q.trim() === '' ? undefined : searchFor(ledger, options.q, rules),
    monthlyMetrics(ledger, { months: CHART_MONTHS, account, accounts: ctx.accounts }),
    customersAtRisk(ledger, { account, limit: AT_RISK_ROWS }),
  ]);
  const connectors = all.filter((c) => !account || c.account === account);

  const counts = new Map(months.map((m) => [m, 0]));
  for (const view of upcoming) {
    if (!view.expires || Date.parse(view.expires) >= chartEnd) continue;
    const month = view.expires.slice(0, 7);
    counts.set(month, (counts.get(month) ?? 0) + 1);
  }

  let from = 0;
  const expiring = WINDOWS.map((upTo) => {
    const items = upcoming.filter((v) => (v.daysToExpiry ?? -1) >= from && (v.daysToExpiry ?? -1) <= upTo);
    const window = { from, upTo, items };
    from = upTo + 1;
    return window;
  });

  return {
    now,
    accounts,
    account,
    ...(search ? { search } : {}),
    changes: changes.items,
    connectors,
    liveLicenses: connectors.reduce((sum, c) => sum + (c.deletedAt ? 0 : c.licenses), 0),
    expiring,
    notInstalled: waiting,
    alerts: alerts.items,
    byMonth: months.map((month) => ({ month, count: counts.get(month) ?? 0 })),
    trials: { ...(await trials), withinDays: trialDays },
    ...(isInstallsLedger(ledger) ? { versions: await connectorVersions(ledger, { account }) } : {}),
    monthly,
    atRisk,
  };
}

const isInstallsLedger = (ledger: object): ledger is InstallsLedger => 'installBaseSummary' in ledger;

/** The licenses of the customer typed in the search box (an e-mail, or @domain); a malformed term says why. */
async function searchFor(
  ledger: ViewStore & PortfolioStore,
  term: string,
  options: { expiringDays?: number; account?: string },
): Promise<SearchResult> {
  let customer: ReturnType<typeof parseCustomer>;
  try {
    customer = parseCustomer(term, 'the search');
  } catch (error) {
    if (error instanceof LedgerError) return { term, items: [], more: false, error: error.message };
    throw error;
  }
  const page = await findLicenses(ledger, customer, { ...options, includeDeleted: true, limit: SEARCH_ROWS });
  const query = new URLSearchParams({
    ...customer,
    includeDeleted: 'true',
    ...(options.account ? { account: options.account } : {}),
  });
  return { term, items: page.items, more: Boolean(page.nextCursor), query: query.toString() };
}
