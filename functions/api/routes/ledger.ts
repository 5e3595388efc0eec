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
  operationId: 'listConnectors',
  tags: ['ledger'],
  summary: 'Connectors in the ledger, with live license counts and their last sync',
  description:
    'Every connector the ledger holds (deleted ones included, with `deletedAt`), its partner account, live license count and last walk.',
  request: { query: AccountPageQuery(100) },
  responses: { 200: jsonContent(ConnectorPage, 'Connectors by name.'), ...errorResponses(400) },
});

const listLicensesRoute = createRoute({
  method: 'get',
  path: '/connectors/{cid}/licenses',
  operationId: 'listConnectorLicenses',
  tags: ['ledger'],
  summary: "A connector's licenses (live ones unless includeDeleted=true), in id order",
  description: 'Paged by license id (`limit`, `cursor`). 404 when the connector is not in the ledger.',
  request: { params: ConnectorParams, query: LicensesQuery },
  responses: { 200: jsonContent(LicensePage, 'One page of licenses.'), ...errorResponses(400, 404) },
});

const getLicenseRoute = createRoute({
  method: 'get',
  path: '/licenses/{lid}',
  operationId: 'getLicense',
  tags: ['ledger'],
  summary: 'One license as last recorded, with its derived expiry status',
  description:
    'The license view: the record as the Partner API last sent it (`raw`) and what the ledger derives from it (expiry status, days to expiry, account). 404 when the ledger never saw it.',
  request: { params: LicenseParams, query: LicenseQuery },
  responses: { 200: jsonContent(LicenseView, 'The license view.'), ...errorResponses(400, 404) },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/licenses/{lid}/history',
  operationId: 'getLicenseHistory',
  tags: ['ledger'],
  summary: "A license's recorded versions, newest first",
  description:
    'One item per recorded version (a version is written only when the content changed), with the field paths that changed and the record as it was.',
  request: { params: LicenseParams, query: pageQuery(100) },
  responses: { 200: jsonContent(HistoryPage, 'One page of versions.'), ...errorResponses(400, 404) },
});

const alertsRoute = createRoute({
  method: 'get',
  path: '/alerts',
  operationId: 'listAlerts',
  tags: ['watch'],
  summary: 'Alerts raised, newest first',
  description: 'Every alert the rules raised, each once, with its delivery state per sink.',
  request: { query: AccountPageQuery(100) },
  responses: { 200: jsonContent(AlertPage, 'One page of alerts.'), ...errorResponses(400) },
});

const syncRunsRoute = createRoute({
  method: 'get',
  path: '/sync-runs',
  operationId: 'listSyncRuns',
  tags: ['watch'],
  summary: 'Sync runs, newest first, with counts and errors',
  description:
    'One item per sync run: when it started, how many connectors it walked, what each walk counted, and the errors met.',
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
    const { account, limit = 100, cursor } = c.req.valid('query');
    return c.json(await alertsPage(ctx, { account, limit, cursor }), 200);
  });

  app.openapi(syncRunsRoute, async (c) => {
    const { limit = 50, cursor } = c.req.valid('query');
    return c.json(await runsPage(ctx, { limit, cursor }), 200);
  });
}
