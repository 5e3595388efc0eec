// Report routes: licenses expiring, expired and not installed, as JSON pages or CSV pages (Link: rel="next").
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { reportPage } from '#app/reports';
import type { LicenseView, Page } from '#ledger/schemas';
import { licensesCsv } from '../csv.ts';
import { type App, type AppDeps, type AppEnv, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
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

/** Rows per CSV page: a few MB at most, well under Lambda's 6 MB response limit. */
export const CSV_PAGE_ROWS = 5_000;

const csvContent = (description: string) => ({
  description: `${description} RFC 4180 CSV, ${CSV_PAGE_ROWS} rows a page: the first page has the header row; while more follow, a \`Link: <...>; rel="next"\` header names the next page (pass its \`cursor\`).`,
  content: { 'text/csv': { schema: z.string() } },
});

const SOONEST_FIRST = 'Soonest expiry first.';
const LONGEST_WAITING = 'Longest waiting first (oldest creation date).';

const expiringRoute = createRoute({
  method: 'get',
  path: '/reports/expiring',
  operationId: 'getExpiringReport',
  tags: ['reports'],
  summary: 'Live licenses expiring within withinDays days (default 30)',
  description: 'Read from the byExpiry index, a page at a time (`limit`, `cursor`).',
  request: { query: ExpiringQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_FIRST), ...errorResponses(400) },
});
const expiringCsvRoute = createRoute({
  method: 'get',
  path: '/reports/expiring.csv',
  operationId: 'getExpiringReportCsv',
  tags: ['reports'],
  summary: 'The expiring report as CSV',
  description: 'The same licenses as `GET /reports/expiring`, as CSV pages.',
  request: { query: ExpiringCsvQuery },
  responses: { 200: csvContent(SOONEST_FIRST), ...errorResponses(400) },
});
const expiredRoute = createRoute({
  method: 'get',
  path: '/reports/expired',
  operationId: 'getExpiredReport',
  tags: ['reports'],
  summary: 'Live licenses that expired within the last withinDays days (default 30)',
  description: 'Read from the byExpiry index, a page at a time (`limit`, `cursor`).',
  request: { query: ExpiredQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_FIRST), ...errorResponses(400) },
});
const expiredCsvRoute = createRoute({
  method: 'get',
  path: '/reports/expired.csv',
  operationId: 'getExpiredReportCsv',
  tags: ['reports'],
  summary: 'The expired report as CSV',
  description: 'The same licenses as `GET /reports/expired`, as CSV pages.',
  request: { query: ExpiredCsvQuery },
  responses: { 200: csvContent(SOONEST_FIRST), ...errorResponses(400) },
});
const notInstalledRoute = createRoute({
  method: 'get',
  path: '/reports/not-installed',
  operationId: 'getNotInstalledReport',
  tags: ['reports'],
  summary: 'Live licenses created over olderThanDays days ago (default 7) and not installed yet',
  description: 'Read from the sparse not-installed feed, a page at a time (`limit`, `cursor`).',
  request: { query: NotInstalledQuery },
  responses: { 200: jsonContent(LicensePage, LONGEST_WAITING), ...errorResponses(400) },
});
const notInstalledCsvRoute = createRoute({
  method: 'get',
  path: '/reports/not-installed.csv',
  operationId: 'getNotInstalledReportCsv',
  tags: ['reports'],
  summary: 'The not-installed report as CSV',
  description: 'The same licenses as `GET /reports/not-installed`, as CSV pages.',
  request: { query: NotInstalledCsvQuery },
  responses: { 200: csvContent(LONGEST_WAITING), ...errorResponses(400) },
});

/** A CSV page: the header row on the first page only (so pages concatenate), and a Link to the next one. */
function csvResponse(c: Context<AppEnv>, name: string, page: Page<LicenseView>, first: boolean): Response {
  const headers: Record<string, string> = {
    'content-type': `text/csv; charset=utf-8; header=${first ? 'present' : 'absent'}`,
    'content-disposition': `attachment; filename="${name}.csv"`,
  };
  if (page.nextCursor) {
    const next = new URL(c.req.url);
    next.searchParams.set('cursor', page.nextCursor);
    headers.link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  const csv = licensesCsv(page.items);
  return c.body(first ? csv : csv.slice(csv.indexOf('\r\n') + 2), 200, headers);
}

export function registerReportRoutes(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);
  const csvRows = deps.config?.csvPageRows ?? CSV_PAGE_ROWS;
  const { expiring, expired, notInstalled: olderThan } = REPORT_DEFAULTS;

  app.openapi(expiringRoute, async (c) => {
    const { withinDays = expiring, ...query } = c.req.valid('query');
    return c.json(await reportPage(ctx, 'expiring', { days: withinDays, ...query }), 200);
  });
  app.openapi(expiringCsvRoute, async (c) => {
    const { withinDays = expiring, cursor, account } = c.req.valid('query');
    const page = await reportPage(ctx, 'expiring', { days: withinDays, limit: csvRows, cursor, account });
    return csvResponse(c, `expiring-${withinDays}d`, page, !cursor);
  });

  app.openapi(expiredRoute, async (c) => {
    const { withinDays = expired, ...query } = c.req.valid('query');
    return c.json(await reportPage(ctx, 'expired', { days: withinDays, ...query }), 200);
  });
  app.openapi(expiredCsvRoute, async (c) => {
    const { withinDays = expired, cursor, account } = c.req.valid('query');
    const page = await reportPage(ctx, 'expired', { days: withinDays, limit: csvRows, cursor, account });
    return csvResponse(c, `expired-${withinDays}d`, page, !cursor);
  });

  app.openapi(notInstalledRoute, async (c) => {
    const { olderThanDays = olderThan, ...query } = c.req.valid('query');
    return c.json(await reportPage(ctx, 'not-installed', { days: olderThanDays, ...query }), 200);
  });
  app.openapi(notInstalledCsvRoute, async (c) => {
    const { olderThanDays = olderThan, cursor, account } = c.req.valid('query');
    const query = { days: olderThanDays, limit: csvRows, cursor, account };
    const page = await reportPage(ctx, 'not-installed', query);
    return csvResponse(c, `not-installed-${olderThanDays}d`, page, !cursor);
  });
}
