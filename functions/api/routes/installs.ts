// The install base and update pushes over HTTP: parse, one use case call (functions/app), answer.
import { createRoute } from '@hono/zod-openapi';
import * as installs from '#app/installs';
import * as pushes from '#app/pushes';
import type { App, AppDeps } from '../deps.ts';
import {
  ConnectorInstallsQuery,
  InstallPage,
  InstallsQuery,
  PushBody,
  PushesQuery,
  PushPage,
  PushParams,
  PushView,
} from '../install-schemas.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { ConnectorParams } from '../schemas.ts';

const listInstallsRoute = createRoute({
  method: 'get',
  path: '/installs',
  operationId: 'listInstalls',
  tags: ['installs'],
  summary: 'Where connectors are installed: each integration with its version, outdated or not',
  description:
    'Every integration where a connector of the ledger is installed, from the install base each sync reads: its version, whether it is behind the newest version seen on its connector (`outdated`), sandbox or production, an update in progress, and the license it runs under. Paged; `?connector=`, `?outdated=true`, `?account=`.',
  request: { query: InstallsQuery },
  responses: { 200: jsonContent(InstallPage, 'One page of installs.'), ...errorResponses(400, 404) },
});

const connectorInstallsRoute = createRoute({
  method: 'get',
  path: '/connectors/{cid}/installs',
  operationId: 'listConnectorInstalls',
  tags: ['installs'],
  summary: "A connector's installs, by integration id",
  description:
    'The installs of one connector, by integration id, as the last sync read its install base. 404 for a connector the ledger does not know.',
  request: { params: ConnectorParams, query: ConnectorInstallsQuery },
  responses: { 200: jsonContent(InstallPage, 'One page of installs.'), ...errorResponses(400, 404) },
});

const createPushRoute = createRoute({
  method: 'post',
  path: '/connectors/{cid}/pushes',
  operationId: 'createPush',
  tags: ['installs'],
  summary:
    'Push an update to some integrations (or every outdated one), sandboxes first and in batches if asked',
  description:
    'The push is recorded and its first batch sent to the Partner API (`PUT /connectors/{id}/update`); each sync then advances it from the install base and sends the next batch once the one before has updated. 409 `push_conflict` while another open push holds one of the integrations.',
  request: {
    params: ConnectorParams,
    body: { content: { 'application/json': { schema: PushBody } }, required: true },
  },
  responses: {
    201: jsonContent(PushView, 'The push as recorded, its first batch requested.'),
    ...errorResponses(400, 404, 409, 413, 415, 422, 502, 503, 504),
  },
});

const listPushesRoute = createRoute({
  method: 'get',
  path: '/pushes',
  operationId: 'listPushes',
  tags: ['installs'],
  summary: 'Update pushes, newest first, with the state of each integration',
  description:
    "Update pushes, newest first: each integration's state (`pending`, `requested`, `in-progress`, `updated`, `stuck`), advanced by every sync from what the install base then says.",
  request: { query: PushesQuery },
  responses: { 200: jsonContent(PushPage, 'One page of pushes.'), ...errorResponses(400) },
});

const getPushRoute = createRoute({
  method: 'get',
  path: '/pushes/{id}',
  operationId: 'getPush',
  tags: ['installs'],
  summary: 'One update push, with the state of each integration',
  description:
    "One update push with each integration's state. 404 `not_found` for an id the ledger does not hold.",
  request: { params: PushParams },
  responses: { 200: jsonContent(PushView, 'The push.'), ...errorResponses(400, 404) },
});

export function registerInstallRoutes(app: App, deps: AppDeps): void {
  const { ledger } = deps;

  /** Both install lists are one use case: every connector's, or the one the path names. */
  const installPage = (
    connectorId: string | undefined,
    query: { outdated?: boolean; account?: string; limit?: number; cursor?: string },
  ) => installs.listInstalls(ledger, { ...query, connectorId, accounts: deps.accounts });

  app.openapi(listInstallsRoute, async (c) => {
    const { connector, ...query } = c.req.valid('query');
    return c.json(await installPage(connector, query), 200);
  });

  app.openapi(connectorInstallsRoute, async (c) => {
    const { cid } = c.req.valid('param');
    return c.json(await installPage(cid, c.req.valid('query')), 200);
  });

  app.openapi(createPushRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const body = c.req.valid('json');
    const push = await pushes.createPush({ ledger, partnerApi: deps.partnerApi }, cid, body);
    return c.json(push, 201, { location: `/pushes/${push.id}` });
  });

  app.openapi(listPushesRoute, async (c) => {
    const { limit = 50, cursor } = c.req.valid('query');
    return c.json(await pushes.listPushes(ledger, { limit, cursor }), 200);
  });

  app.openapi(getPushRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await pushes.getPush(ledger, id), 200);
  });
}
