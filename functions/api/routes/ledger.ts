// Read routes over the ledger: connectors, a connector's licenses, one license, its history; alerts and sync runs.
import { createRoute } from '@hono/zod-openapi';
import { checkAccount } from '#ledger/portfolio';
import { getConnector, getLicense, licenseHistory, listConnectors, listLicenses } from '#ledger/queries';
import { listAlerts } from '#watch/evaluate';
import type { App, AppDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { pageSorted } from '../paging.ts';
import {
  AccountPageQuery,
  AlertPage,
  AlertsQuery,
  ConnectorPage,
  ConnectorParams,
  HistoryPage,
  LicensePage,
  LicenseParams,
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
  request: { params: LicenseParams },
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
  const { ledger } = deps;
  const expiringDays = deps.config?.expiringDays;

  app.openapi(listConnectorsRoute, async (c) => {
    const { account, limit = 100, cursor } = c.req.valid('query');
    await checkAccount(ledger, account, deps.accounts);
    const connectors = (await listConnectors(ledger)).filter((x) => !account || x.account === account);
    const scope = account ? `connectors|${account}` : 'connectors';
    return c.json(
      pageSorted(connectors, (x) => [x.name, x.id], { limit, cursor, scope, width: 2 }),
      200,
    );
  });

  app.openapi(listLicensesRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const { includeDeleted, sandbox, account, limit = 100, cursor } = c.req.valid('query');
    await checkAccount(ledger, account, deps.accounts);
    const connector = await getConnector(ledger, cid);
    // Of another account than the one asked for: not in the list the caller asked for.
    if (!connector || (account && connector.account !== account)) throw notFound('connector', cid);
    const page = await listLicenses(ledger, cid, { includeDeleted, sandbox, limit, cursor, expiringDays });
    return c.json(page, 200);
  });

  app.openapi(getLicenseRoute, async (c) => {
    const { lid } = c.req.valid('param');
    const view = await getLicense(ledger, lid, { expiringDays });
    if (!view) throw notFound('license', lid);
    return c.json(view, 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { lid } = c.req.valid('param');
    const { limit = 100, cursor } = c.req.valid('query');
    const page = await licenseHistory(ledger, lid, { limit, cursor });
    // A recorded license always has a first version, so an empty first page means an unknown id.
    if (page.items.length === 0 && !cursor) throw notFound('license', lid);
    return c.json(page, 200);
  });

  app.openapi(alertsRoute, async (c) => {
    const { account, sandbox, limit = 100, cursor } = c.req.valid('query');
    await checkAccount(ledger, account, deps.accounts);
    return c.json(await listAlerts(ledger, { limit, cursor, account, sandbox }), 200);
  });

  app.openapi(syncRunsRoute, async (c) => {
    const { limit = 50, cursor } = c.req.valid('query');
    return c.json(await ledger.listRuns({ limit, cursor }), 200);
  });
}
