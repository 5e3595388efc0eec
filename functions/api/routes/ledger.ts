// Read routes over the ledger: connectors, a connector's licenses, one license, its history; alerts and sync runs.
import { createRoute } from '@hono/zod-openapi';
import { alertsPage } from '#app/alerts';
import { asOf } from '#app/asof';
import * as licenses from '#app/licenses';
import { runsPage } from '#app/runs';
import { type App, type AppDeps, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import {
  AccountPageQuery,
  AlertPage,
  AlertsQuery,
  ConnectorPage,
  ConnectorParams,
  HistoryPage,
  LicensePage,
  LicenseParams,
  LicenseQuery,
  LicensesQuery,
  LicenseView,
  pageQuery,
  SyncRunPage,
} from '../schemas.ts';

const listConnectorsRoute = createRoute({
  method: 'get',
  path: '/connectors',
  tags: ['ledger'],
  summary: 'Connectors in the ledger, with live license counts and their last sync',
  request: { query: AccountPageQuery(100) },
  responses: { 200: jsonContent(ConnectorPage, 'Connectors by name.'), ...errorResponses(400) },
});

const listLicensesRoute = createRoute({
  method: 'get',
  path: '/connectors/{cid}/licenses',
  tags: ['ledger'],
  summary: "A connector's licenses (live ones unless includeDeleted=true), in id order",
  request: { params: ConnectorParams, query: LicensesQuery },
  responses: { 200: jsonContent(LicensePage, 'One page of licenses.'), ...errorResponses(400, 404) },
});

const getLicenseRoute = createRoute({
  method: 'get',
  path: '/licenses/{lid}',
  tags: ['ledger'],
  summary: 'One license as last recorded, with its derived expiry status',
  request: { params: LicenseParams, query: LicenseQuery },
  responses: { 200: jsonContent(LicenseView, 'The license view.'), ...errorResponses(400, 404) },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/licenses/{lid}/history',
  tags: ['ledger'],
  summary: "A license's recorded versions, newest first",
  request: { params: LicenseParams, query: pageQuery(100) },
  responses: { 200: jsonContent(HistoryPage, 'One page of versions.'), ...errorResponses(400, 404) },
});

const alertsRoute = createRoute({
  method: 'get',
  path: '/alerts',
  tags: ['watch'],
  summary: 'Alerts raised, newest first',
  request: { query: AlertsQuery },
  responses: { 200: jsonContent(AlertPage, 'One page of alerts.'), ...errorResponses(400) },
});

const syncRunsRoute = createRoute({
  method: 'get',
  path: '/sync-runs',
  tags: ['watch'],
  summary: 'Sync runs, newest first, with counts and errors',
  request: { query: pageQuery(50) },
  responses: { 200: jsonContent(SyncRunPage, 'One page of sync runs.'), ...errorResponses(400) },
});

export function registerLedgerRoutes(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);

  app.openapi(listConnectorsRoute, async (c) => {
    return c.json(await licenses.connectorsPage(ctx, c.req.valid('query')), 200);
  });

  app.openapi(listLicensesRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const query = c.req.valid('query');
    if (query.asOf) return c.json(await asOf.connectorLicenses(ctx, cid, query.asOf, query), 200);
    return c.json(await licenses.connectorLicenses(ctx, cid, query), 200);
  });

  app.openapi(getLicenseRoute, async (c) => {
    const { lid } = c.req.valid('param');
    const { asOf: at } = c.req.valid('query');
    if (at) return c.json(await asOf.license(ctx, lid, at), 200);
    return c.json(await licenses.license(ctx, lid), 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { lid } = c.req.valid('param');
    const { limit = 100, cursor } = c.req.valid('query');
    return c.json(await licenses.historyPage(ctx, lid, { limit, cursor }), 200);
  });

  app.openapi(alertsRoute, async (c) => {
    const { account, sandbox, limit = 100, cursor } = c.req.valid('query');
    return c.json(await alertsPage(ctx, { account, sandbox, limit, cursor }), 200);
  });

  app.openapi(syncRunsRoute, async (c) => {
    const { limit = 50, cursor } = c.req.valid('query');
    return c.json(await runsPage(ctx, { limit, cursor }), 200);
  });
}
