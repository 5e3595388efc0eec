// Routes over the portfolio's time: monthly figures (JSON or CSV), and customers by e-mail domain.
import { createRoute, z } from '@hono/zod-openapi';
import { listCustomers } from '#app/customers';
import { monthlyMetrics } from '#app/metrics';
import { metricsCsv } from '../csv.ts';
import type { App, AppDeps } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { CustomerPage, CustomersQuery, MetricsQuery, MonthlyFiguresList } from '../schemas.ts';

const METRICS_DESCRIPTION =
  "Per month (UTC), oldest first: `live` at the month's end (the current month: now), versions counted by kind from the month's change feed (`created`, `renewed`, `installed`, `deleted`, `trialsStarted`, `converted`), `expired` (live licenses whose expiry passed in the month and was not moved since, from the expiry index), and `renewalRate` = renewed / (renewed + expired), null when both are 0.";

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics/monthly',
  operationId: 'getMonthlyMetrics',
  tags: ['ledger'],
  summary: 'Monthly figures: live, created, renewed, expired, installed, deleted, trials, renewal rate',
  description: METRICS_DESCRIPTION,
  request: { query: MetricsQuery },
  responses: {
    200: jsonContent(MonthlyFiguresList, 'One item per month, the current month last.'),
    ...errorResponses(400, 404),
  },
});

const metricsCsvRoute = createRoute({
  method: 'get',
  path: '/metrics/monthly.csv',
  operationId: 'getMonthlyMetricsCsv',
  tags: ['ledger'],
  summary: 'The monthly figures as CSV',
  description: METRICS_DESCRIPTION,
  request: { query: MetricsQuery },
  responses: {
    200: { description: 'RFC 4180 CSV with a header row.', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(400, 404),
  },
});

const CUSTOMERS_DESCRIPTION =
  "One row per e-mail domain, in domain order: live, installed and sandbox licenses, the next expiry, the partner accounts, and `status`: `lapsed` (no live production license unexpired), `at-risk` (the soonest unexpired production license expires within 30 days, or a trial ends within 7), else `active`. With `domain`, one partition of the customer index; without, every connector's licenses are read (see the README for the cost).";

const customersRoute = createRoute({
  method: 'get',
  path: '/customers',
  operationId: 'listCustomers',
  tags: ['ledger'],
  summary: 'Customers by e-mail domain, with a status (active, at-risk, lapsed)',
  description: CUSTOMERS_DESCRIPTION,
  request: { query: CustomersQuery },
  responses: { 200: jsonContent(CustomerPage, 'One page of customers.'), ...errorResponses(400) },
});

export function registerTimelineRoutes(app: App, deps: AppDeps): void {
  const { ledger } = deps;
  const metricsOf = (q: z.infer<typeof MetricsQuery>) =>
    monthlyMetrics(ledger, {
      months: q.months,
      account: q.account,
      connectorId: q.connector,
      accounts: deps.accounts,
    });

  app.openapi(metricsRoute, async (c) => c.json({ items: await metricsOf(c.req.valid('query')) }, 200));

  app.openapi(customersRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json(await listCustomers(ledger, { ...q, accounts: deps.accounts }), 200);
  });

  app.openapi(metricsCsvRoute, async (c) =>
    c.body(metricsCsv(await metricsOf(c.req.valid('query'))), 200, {
      'content-type': 'text/csv; charset=utf-8; header=present',
    }),
  );
}
