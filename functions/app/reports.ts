// Reports: licenses expiring, expired and not installed, one page at a time (the API) or whole (the CLI, the demo).
import type { LicenseView, Page } from '#ledger/schemas';
import type { ConnectorStore, ViewStore } from '#ledger/store/port';
import * as rules from '#watch/rules';
import { accountFilter } from './accounts.ts';
import type { AppContext } from './context.ts';

export type ReportLedger = ViewStore & Pick<ConnectorStore, 'listConnectors'>;
type Ctx = AppContext<ReportLedger>;
export type ReportName = 'expiring' | 'expired' | 'not-installed';

export interface ReportQuery {
  /** Days ahead (expiring) or back (expired), or days since creation (not-installed). */
  days: number;
  account?: string;
  /** Sandbox licenses only (true), or production ones only (false). */
  sandbox?: boolean;
  limit?: number;
  cursor?: string;
}

/**
 * One page of an expiry report, read from the index itself (each page reads about `limit` items however big the
 * ledger). A cursor names the last (expires, id) handed out; the store refuses one outside this request's range.
 */
async function expiryPage(
  ctx: Ctx,
  list: string,
  range: rules.ReportRange,
  query: ReportQuery,
  expiringDays?: number,
): Promise<Page<LicenseView>> {
  const account = await accountFilter(ctx, query.account);
  const { sandbox } = query;
  const scope = [
    list,
    ...(account ? [account] : []),
    ...(sandbox === undefined ? [] : [`sandbox=${sandbox}`]),
  ].join('|');
  return rules.rangePage(
    ctx.ledger,
    range,
    { limit: query.limit ?? 100, cursor: query.cursor, scope },
    { expiringDays, account, sandbox },
  );
}

/** One page of a report, in its own order (soonest expiry first; longest waiting first for not-installed). */
export async function reportPage(
  ctx: Ctx,
  report: ReportName,
  query: ReportQuery,
): Promise<Page<LicenseView>> {
  const { days } = query;
  const now = ctx.ledger.now();
  if (report === 'expiring')
    // Without a configured horizon, a license in the report counts as expiring in its view.
    return expiryPage(
      ctx,
      `expiring|${days}`,
      rules.expiringRange(days, now),
      query,
      ctx.expiringDays ?? days,
    );
  if (report === 'expired')
    return expiryPage(ctx, `expired|${days}`, rules.expiredRange(days, now), query, ctx.expiringDays);
  const account = await accountFilter(ctx, query.account);
  return rules.notInstalledPage(
    ctx.ledger,
    days,
    { limit: query.limit ?? 100, cursor: query.cursor },
    { expiringDays: ctx.expiringDays, account, sandbox: query.sandbox },
  );
}

/** A whole report. */
export async function report(
  ctx: Ctx,
  report: ReportName,
  query: { days: number; account?: string; sandbox?: boolean },
): Promise<LicenseView[]> {
  const options = {
    account: await accountFilter(ctx, query.account),
    sandbox: query.sandbox,
    expiringDays: ctx.expiringDays,
  };
  if (report === 'expiring') return rules.expiringWithin(ctx.ledger, query.days, options);
  if (report === 'expired') return rules.expiredWithin(ctx.ledger, query.days, options);
  return rules.notInstalled(ctx.ledger, query.days, options);
}
