// Write routes: create, update or delete a license upstream and record it (functions/app/licenses.ts), as HTTP.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import * as licenses from '#app/licenses';
import { type App, type AppDeps, type AppEnv, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import {
  ConnectorLicenseParams,
  ConnectorParams,
  CreateLicenseBody,
  LicenseView,
  UpdateLicenseBody,
} from '../schemas.ts';

const WRITE_ERRORS = [400, 404, 409, 413, 415, 422, 502, 503, 504] as const;

const createLicenseRoute = createRoute({
  method: 'post',
  path: '/connectors/{cid}/licenses',
  operationId: 'createLicense',
  tags: ['changes'],
  summary: 'Create a license upstream, record it, and return it',
  description:
    'Sent to the Partner API first; the license it returns is recorded in the ledger at once (a `created` version). The email must belong to an integrator.io user, else 422 `invalid_user`.',
  request: {
    params: ConnectorParams,
    body: { content: { 'application/json': { schema: CreateLicenseBody } }, required: true },
  },
  responses: {
    201: jsonContent(LicenseView, 'The license as recorded; Location names it.'),
    ...errorResponses(...WRITE_ERRORS),
  },
});

const updateLicenseRoute = createRoute({
  method: 'put',
  path: '/connectors/{cid}/licenses/{lid}',
  operationId: 'updateLicense',
  tags: ['changes'],
  summary: "Change a license's expiry and/or opts upstream, record it, and return it",
  description:
    "Sent to the Partner API first; the license it returns is recorded in the ledger at once (an `updated` version naming the changed fields, when anything changed). `opts`, when sent, replaces the license's opts whole, as the Partner API does.",
  request: {
    params: ConnectorLicenseParams,
    body: { content: { 'application/json': { schema: UpdateLicenseBody } }, required: true },
  },
  responses: {
    200: jsonContent(LicenseView, 'The license as recorded.'),
    ...errorResponses(...WRITE_ERRORS),
  },
});

const deleteLicenseRoute = createRoute({
  method: 'delete',
  path: '/connectors/{cid}/licenses/{lid}',
  operationId: 'deleteLicense',
  tags: ['changes'],
  summary: 'Delete a license upstream and record the deletion',
  description:
    'Sent to the Partner API first; once it answers, the ledger records a `deleted` version at once (the next sync need not notice it). Answers the license as recorded, or 204 when the ledger never held it.',
  request: { params: ConnectorLicenseParams },
  responses: {
    200: jsonContent(LicenseView, 'The license as recorded, with `deletedAt`.'),
    204: { description: 'Deleted upstream; the ledger never held this license.' },
    ...errorResponses(400, 404, 409, 422, 502, 503, 504),
  },
});

export function registerWriteRoutes(app: App, deps: AppDeps): void {
  const ctx = (c: Context<AppEnv>) => appContext(deps, c.get('requestId'));

  app.openapi(createLicenseRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const { email, expires, opts } = c.req.valid('json');
    const view = await licenses.createLicense(ctx(c), cid, { email, expires, opts });
    return c.json(view, 201, { location: `/licenses/${encodeURIComponent(view.id)}` });
  });

  app.openapi(updateLicenseRoute, async (c) => {
    const { cid, lid } = c.req.valid('param');
    return c.json(await licenses.updateLicense(ctx(c), cid, lid, c.req.valid('json')), 200);
  });

  app.openapi(deleteLicenseRoute, async (c) => {
    const { cid, lid } = c.req.valid('param');
    const view = await licenses.deleteLicense(ctx(c), cid, lid);
    return view ? c.json(view, 200) : c.body(null, 204);
  });
}
