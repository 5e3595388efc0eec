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
  request: { params: LicenseParams },
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
    const { includeDeleted, account, limit = 100, cursor } = c.req.valid('query');
    await checkAccount(ledger, account, deps.accounts);
    const connector = await getConnector(ledger, cid);
    // Of another account than the one asked for: not in the list the caller asked for.
    if (!connector || (account && connector.account !== account)) throw notFound('connector', cid);
    const page = await listLicenses(ledger, cid, { includeDeleted, limit, cursor, expiringDays });
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
    const { account, limit = 100, cursor } = c.req.valid('query');
    await checkAccount(ledger, account, deps.accounts);
    return c.json(await listAlerts(ledger, { limit, cursor, account }), 200);
  });

  app.openapi(syncRunsRoute, async (c) => {
    const { limit = 50, cursor } = c.req.valid('query');
    return c.json(await ledger.listRuns({ limit, cursor }), 200);
  });
}
