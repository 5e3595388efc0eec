// The trials report: live licenses on trial ending within withinDays days, soonest first, as JSON or CSV pages.
import { createRoute } from '@hono/zod-openapi';
import { trialsPage } from '#app/trials';
import { type App, type AppDeps, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { LicensePage, REPORT_DEFAULTS, TrialsCsvQuery, TrialsQuery } from '../schemas.ts';
import { CSV_PAGE_ROWS, csvContent, csvResponse } from './reports.ts';

const SOONEST_END_FIRST =
  'Soonest trial end first. Read from the sparse byTrialEnd index: a page reads about as many items as it returns.';

const trialsRoute = createRoute({
  method: 'get',
  path: '/reports/trials',
  operationId: 'getTrialsReport',
  tags: ['reports'],
  summary: 'Live licenses on trial whose trial ends within withinDays days (default 14)',
  description:
    'Live licenses on trial (a `trialEndDate` Celigo has not removed) whose trial ends within `withinDays` days, soonest first, ended trials not converted among them. Paged; `?sandbox=true|false`, `?account=`.',
  request: { query: TrialsQuery },
  responses: { 200: jsonContent(LicensePage, SOONEST_END_FIRST), ...errorResponses(400) },
});
const trialsCsvRoute = createRoute({
  method: 'get',
  path: '/reports/trials.csv',
  operationId: 'getTrialsReportCsv',
  tags: ['reports'],
  summary: 'The trials report as CSV',
  description:
    'The trials report as CSV (RFC 4180, UTF-8), paged with `?cursor=` and a `Link: rel="next"` header.',
  request: { query: TrialsCsvQuery },
  responses: { 200: csvContent(SOONEST_END_FIRST), ...errorResponses(400) },
});

export function registerTrialRoutes(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);
  const csvRows = deps.config?.csvPageRows ?? CSV_PAGE_ROWS;

  app.openapi(trialsRoute, async (c) => {
    const { withinDays = REPORT_DEFAULTS.trials, ...query } = c.req.valid('query');
    return c.json(await trialsPage(ctx, { withinDays, ...query }), 200);
  });
  app.openapi(trialsCsvRoute, async (c) => {
    const { withinDays = REPORT_DEFAULTS.trials, cursor, ...query } = c.req.valid('query');
    const page = await trialsPage(ctx, { withinDays, ...query, cursor, limit: csvRows });
    return csvResponse(c, `trials-${withinDays}d`, page, !cursor);
  });
}
