// Write routes: create or update a license in the Partner API first, then record what it returned, then answer the view.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PartnerApi } from '#celigo/client';
import type { License } from '#celigo/schemas';
import { getLicense } from '#ledger/queries';
import { recordObservedLicense } from '#ledger/snapshot';
import type { LicenseView as View } from '#ledger/view';
import type { App, AppDeps, AppEnv } from '../deps.ts';
import { apiError } from '../errors.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import {
  ConnectorLicenseParams,
  ConnectorParams,
  CreateLicenseBody,
  LicenseView,
  UpdateLicenseBody,
} from '../schemas.ts';

const WRITE_ERRORS = [400, 404, 413, 415, 422, 502, 503, 504] as const;

const createLicenseRoute = createRoute({
  method: 'post',
  path: '/connectors/{cid}/licenses',
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

export function registerWriteRoutes(app: App, deps: AppDeps): void {
  const log = deps.log ?? (() => undefined);

  /** The client, built on first use; any failure to build one is a configuration problem of this server. */
  async function partnerApi(c: Context<AppEnv>): Promise<PartnerApi> {
    try {
      return await deps.partnerApi();
    } catch (error) {
      log(`partner api unavailable id=${c.get('requestId')}: ${(error as Error).message}`);
      throw apiError(
        503,
        'partner_api_not_configured',
        'this server has no working Partner API configuration (token); reads still work',
      );
    }
  }

  /** Records the license the Partner API returned and reads it back as a view. */
  async function record(c: Context<AppEnv>, cid: string, raw: License): Promise<View> {
    try {
      await recordObservedLicense(deps.ledger, cid, raw as Record<string, unknown>);
      const view = await getLicense(deps.ledger, raw._id, { expiringDays: deps.config?.expiringDays });
      if (!view) throw new Error(`license ${raw._id} not found right after recording it`);
      return view;
    } catch (error) {
      // The change did reach the Partner API: say so, so the caller does not send it (a create) twice.
      log(`error id=${c.get('requestId')} recording license ${raw._id}: ${(error as Error).stack ?? error}`);
      throw apiError(
        500,
        'ledger_write_failed',
        `the Partner API accepted the change to license ${raw._id}, but recording it failed; the next sync records it (request id ${c.get('requestId')})`,
      );
    }
  }

  app.openapi(createLicenseRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const { email, expires, opts } = c.req.valid('json');
    const raw = await (await partnerApi(c)).createLicense(cid, { email, expires, opts });
    const view = await record(c, cid, raw);
    return c.json(view, 201, { location: `/licenses/${encodeURIComponent(view.id)}` });
  });

  app.openapi(updateLicenseRoute, async (c) => {
    const { cid, lid } = c.req.valid('param');
    const { expires, opts } = c.req.valid('json');
    const body = { ...(expires !== undefined ? { expires } : {}), ...(opts !== undefined ? { opts } : {}) };
    const raw = await (await partnerApi(c)).updateLicense(cid, lid, body);
    return c.json(await record(c, cid, raw), 200);
  });
}
