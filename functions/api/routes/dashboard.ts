// GET /: the one-page dashboard, rendered on the server from the ledger.
import { createRoute, z } from '@hono/zod-openapi';
import { dashboard } from '#app/dashboard';
import { dashboardPage } from '../dashboard/page.ts';
import { type App, type AppDeps, appContext } from '../deps.ts';
import { errorResponses } from '../openapi.ts';
import { DashboardQuery } from '../schemas.ts';

const dashboardRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getDashboard',
  tags: ['watch'],
  summary:
    'The dashboard: a customer search, connectors, licenses expiring in 30/60/90 days, not installed, recent changes and alerts, a chart',
  description:
    'Server-rendered HTML for people; `q` searches a customer by e-mail or @domain. Every figure on it is also a JSON route.',
  request: { query: DashboardQuery },
  responses: {
    200: {
      description: 'An HTML page (no scripts, no external assets).',
      content: { 'text/html': { schema: z.string() } },
    },
    ...errorResponses(400),
  },
});

export function registerDashboardRoute(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);
  app.openapi(dashboardRoute, async (c) => {
    const data = await dashboard(ctx, c.req.valid('query'));
    // A search term that is not an e-mail or @domain is the caller's mistake: the page says why, with a 400.
    return c.html(dashboardPage(data), data.search?.error ? 400 : 200, { 'cache-control': 'no-store' });
  });
}
