// Report routes: licenses expiring, expired and not installed, as JSON pages or as one CSV download each.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cursor as cursorCodec } from '#ledger/cursor';
import { checkAccount } from '#ledger/portfolio';
import type { LicenseView } from '#ledger/schemas';
import {
  expiredRange,
  expiredWithin,
  expiringRange,
  expiringWithin,
  notInstalled,
  type ReportRange,
  type RulePage,
  rangePage,
  withinRange,
} from '#watch/rules';
import { licensesCsv } from '../csv.ts';
import type { App, AppDeps, AppEnv } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { keyTuple, pageSorted } from '../paging.ts';
import {
  ExpiredCsvQuery,
  ExpiredQuery,
  ExpiringCsvQuery,
  ExpiringQuery,
  LicensePage,
  NotInstalledCsvQuery,
  NotInstalledQuery,
  REPORT_DEFAULTS,
} from '../schemas.ts';

const csvContent = (description: string) => ({
  description: `${description} RFC 4180 CSV with a header row; every match, no paging.`,
  content: { 'text/csv': { schema: z.string() } },
});

const SOONEST_FIRST = 'Soonest expiry first.';

const expiringRoute = createRoute({
  method: 'get',
  path: '/reports/expiring',
  tags: ['reports'],
  summary: 'Live licenses expiring within withinDays days (default 30)',
  request: { query: ExpiringQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_FIRST), ...errorResponses(400) },
});
const expiringCsvRoute = createRoute({
  method: 'get',
  path: '/reports/expiring.csv',
  tags: ['reports'],
  summary: 'The expiring report as CSV',
  request: { query: ExpiringCsvQuery },
  responses: { 200: csvContent(SOONEST_FIRST), ...errorResponses(400) },
});
const expiredRoute = createRoute({
  method: 'get',
  path: '/reports/expired',
  tags: ['reports'],
  summary: 'Live licenses that expired within the last withinDays days (default 30)',
  request: { query: ExpiredQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_FIRST), ...errorResponses(400) },
});
const expiredCsvRoute = createRoute({
  method: 'get',
  path: '/reports/expired.csv',
  tags: ['reports'],
  summary: 'The expired report as CSV',
  request: { query: ExpiredCsvQuery },
  responses: { 200: csvContent(SOONEST_FIRST), ...errorResponses(400) },
});
const notInstalledRoute = createRoute({
  method: 'get',
  path: '/reports/not-installed',
  tags: ['reports'],
  summary: 'Live licenses created over olderThanDays days ago (default 7) and not installed yet',
  request: { query: NotInstalledQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_FIRST), ...errorResponses(400) },
});
const notInstalledCsvRoute = createRoute({
  method: 'get',
  path: '/reports/not-installed.csv',
  tags: ['reports'],
  summary: 'The not-installed report as CSV',
  request: { query: NotInstalledCsvQuery },
  responses: { 200: csvContent(SOONEST_FIRST), ...errorResponses(400) },
});

/** The rules sort by (expires, id); pages cut the same order. */
const reportKey = (view: LicenseView) => [view.expires ?? '', view.id];

const pageOfReport = (views: LicenseView[], scope: string, limit = 100, cursor?: string) =>
  pageSorted(views, reportKey, { limit, cursor, scope, width: 2 });

/**
 * One page of an expiry report, read from the index itself (each page reads about `limit` items however big the
 * ledger). A cursor names the last (expires, id) handed out and must lie inside this request's own range.
 */
async function expiryReportPage(
  deps: AppDeps,
  scope: string,
  range: ReportRange,
  query: { limit?: number; cursor?: string; account?: string },
  expiringDays?: number,
) {
  const inRange = (p: unknown): p is [string, string] =>
    keyTuple(2)(p) && withinRange(range, p as [string, string]);
  const { account } = query;
  const after = cursorCodec.decode(query.cursor, account ? `${scope}|${account}` : scope, inRange);
  const page: RulePage = await rangePage(
    deps.ledger,
    range,
    { limit: query.limit ?? 100, after },
    { expiringDays, account },
  );
  const next = page.next && cursorCodec.encode(account ? `${scope}|${account}` : scope, page.next);
  return { items: page.items, ...(next ? { nextCursor: next } : {}) };
}

function csvResponse(c: Context<AppEnv>, name: string, views: LicenseView[]): Response {
  return c.body(licensesCsv(views), 200, {
    'content-type': 'text/csv; charset=utf-8; header=present',
    'content-disposition': `attachment; filename="${name}.csv"`,
  });
}

export function registerReportRoutes(app: App, deps: AppDeps): void {
  const { ledger } = deps;
  const expiringDays = deps.config?.expiringDays;
  const { expiring, expired, notInstalled: olderThan } = REPORT_DEFAULTS;
  /** The rules' options for a request: its account (checked), and the deployment's expiring window. */
  const optionsOf = async (account: string | undefined) => ({
    expiringDays,
    account: await checkAccount(ledger, account, deps.accounts),
  });

  app.openapi(expiringRoute, async (c) => {
    const { withinDays = expiring, ...query } = c.req.valid('query');
    await checkAccount(ledger, query.account, deps.accounts);
    const range = expiringRange(withinDays, ledger.now());
    const days = expiringDays ?? withinDays;
    return c.json(await expiryReportPage(deps, `expiring|${withinDays}`, range, query, days), 200);
  });
  app.openapi(expiringCsvRoute, async (c) => {
    const { withinDays = expiring, account } = c.req.valid('query');
    const views = await expiringWithin(ledger, withinDays, await optionsOf(account));
    return csvResponse(c, `expiring-${withinDays}d`, views);
  });

  app.openapi(expiredRoute, async (c) => {
    const { withinDays = expired, ...query } = c.req.valid('query');
    await checkAccount(ledger, query.account, deps.accounts);
    const range = expiredRange(withinDays, ledger.now());
    return c.json(await expiryReportPage(deps, `expired|${withinDays}`, range, query, expiringDays), 200);
  });
  app.openapi(expiredCsvRoute, async (c) => {
    const { withinDays = expired, account } = c.req.valid('query');
    const views = await expiredWithin(ledger, withinDays, await optionsOf(account));
    return csvResponse(c, `expired-${withinDays}d`, views);
  });

  app.openapi(notInstalledRoute, async (c) => {
    const { olderThanDays = olderThan, account, limit, cursor } = c.req.valid('query');
    const views = await notInstalled(ledger, olderThanDays, await optionsOf(account));
    const scope = `not-installed|${olderThanDays}${account ? `|${account}` : ''}`;
    return c.json(pageOfReport(views, scope, limit, cursor), 200);
  });
  app.openapi(notInstalledCsvRoute, async (c) => {
    const { olderThanDays = olderThan, account } = c.req.valid('query');
    const views = await notInstalled(ledger, olderThanDays, await optionsOf(account));
    return csvResponse(c, `not-installed-${olderThanDays}d`, views);
  });
}
