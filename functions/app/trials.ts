// Trials: the trials report (a page for the API, whole for the CLI) and the trial figures the dashboard shows.
import { checkAccount } from '#ledger/portfolio';
import type { LicenseView, Page } from '#ledger/schemas';
import type { ConnectorStore, ViewStore } from '#ledger/store/port';
import {
  conversionsSince,
  monthStart,
  trialEndingRange,
  trialRangePage,
  trialsEndingWithin,
} from '#watch/trial-rules';

/** What the trials use cases read: the views' store, and the accounts a filter may name. */
export interface TrialsContext {
  ledger: ViewStore & Pick<ConnectorStore, 'listConnectors'>;
  /** Partner accounts configured now (a filter may also name any account a connector in the ledger is of). */
  accounts?: readonly string[];
  /** Days ahead at which a license counts as expiring in views (default 30). */
  expiringDays?: number;
}

export interface TrialsQuery {
  /** Days ahead: trials ending with 0 <= daysToTrialEnd <= withinDays. */
  withinDays: number;
  account?: string;
  /** Sandbox licenses only (true), or production ones only (false). */
  sandbox?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * One page of live licenses on trial ending within `withinDays` days, soonest end first, read from the byTrialEnd
 * index (a page reads about `limit` items). A cursor names the last (trial end, id) handed out and must lie inside
 * this request's own range and filters (the store refuses any other).
 */
export async function trialsPage(ctx: TrialsContext, query: TrialsQuery): Promise<Page<LicenseView>> {
  const account = await checkAccount(ctx.ledger, query.account, ctx.accounts);
  const range = trialEndingRange(query.withinDays, ctx.ledger.now());
  const scope = ['trials', query.withinDays, account ?? '', query.sandbox ?? ''].join('|');
  return trialRangePage(
    ctx.ledger,
    range,
    { limit: query.limit ?? 100, cursor: query.cursor, scope },
    { account, sandbox: query.sandbox, expiringDays: ctx.expiringDays },
  );
}

/** The whole trials report (the CLI). */
export async function trialsReport(
  ctx: TrialsContext,
  query: Omit<TrialsQuery, 'limit' | 'cursor'>,
): Promise<LicenseView[]> {
  const account = await checkAccount(ctx.ledger, query.account, ctx.accounts);
  return trialsEndingWithin(ctx.ledger, query.withinDays, {
    account,
    sandbox: query.sandbox,
    expiringDays: ctx.expiringDays,
  });
}

/** How many trials the dashboard lists. */
const SHOWN = 20;

export interface TrialsOverview {
  /** Live trials ending within `withinDays` days, soonest first (at most 20), and how many there are in all. */
  endingSoon: LicenseView[];
  endingSoonTotal: number;
  /** Trials the ledger saw converted since the first of this month (UTC), in the order seen. */
  convertedThisMonth: LicenseView[];
}

/** The dashboard's trials: those ending soon and this month's conversions, of one account if named. */
export async function trialsOverview(
  ctx: TrialsContext,
  query: { withinDays: number; account?: string },
): Promise<TrialsOverview> {
  const options = { account: query.account, expiringDays: ctx.expiringDays };
  const [ending, converted] = await Promise.all([
    trialsEndingWithin(ctx.ledger, query.withinDays, options),
    conversionsSince(ctx.ledger, monthStart(ctx.ledger.now()), options),
  ]);
  return {
    endingSoon: ending.slice(0, SHOWN),
    endingSoonTotal: ending.length,
    convertedThisMonth: converted,
  };
}
