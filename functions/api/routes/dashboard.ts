// GET /: the one-page dashboard, rendered on the server from the ledger.
import { createRoute, z } from '@hono/zod-openapi';
import { dashboardData } from '../dashboard/data.ts';
import { dashboardPage } from '../dashboard/page.ts';
import type { App, AppDeps } from '../deps.ts';
import { errorResponses } from '../openapi.ts';

const dashboardRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['watch'],
  summary:
    'The dashboard: connectors, licenses expiring in 30/60/90 days, not installed, recent alerts, a chart',
  responses: {
    200: {
      description: 'An HTML page (no scripts, no external assets).',
      content: { 'text/html': { schema: z.string() } },
    },
    ...errorResponses(),
  },
});

export function registerDashboardRoute(app: App, deps: AppDeps): void {
  app.openapi(dashboardRoute, async (c) => {
    const page = dashboardPage(await dashboardData(deps.ledger, { expiringDays: deps.config?.expiringDays }));
    return c.html(page, 200, { 'cache-control': 'no-store' });
  });
}
