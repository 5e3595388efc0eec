// Write routes: create or update a license in the Partner API first, then record what it returned, then answer the view.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PartnerApi } from '#celigo/client';
import { ID_RULE, isRecordId } from '#celigo/schemas';
import { DEFAULT_ACCOUNT } from '#functions/config';
import { getLicense } from '#ledger/queries';
import type { LicenseView as View } from '#ledger/schemas';
import { recordOutsideWalk } from '#ledger/snapshot';
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
    ...errorResponses(400, 404, 422, 502, 503, 504),
  },
});

export function registerWriteRoutes(app: App, deps: AppDeps): void {
  const log = deps.log ?? (() => undefined);

  /**
   * The client of the connector's partner account (ids are unique across accounts, so the connector says which),
   * built on first use; any failure to build one is a configuration problem of this server.
   */
  async function partnerApi(c: Context<AppEnv>, cid: string): Promise<PartnerApi> {
    const account = (await deps.ledger.getConnector(cid))?.account ?? DEFAULT_ACCOUNT;
    try {
      return await deps.partnerApi(account);
    } catch (error) {
      log(`partner api unavailable id=${c.get('requestId')}: ${(error as Error).message}`);
      throw apiError(
        503,
        'partner_api_not_configured',
        'this server has no working Partner API configuration (token); reads still work',
      );
    }
  }

  /**
   * Records what the Partner API returned (the license, or undefined once deleted) and reads it back as a view;
   * undefined when the ledger never held a deleted license.
   */
  async function record(
    c: Context<AppEnv>,
    cid: string,
    lid: string,
    raw: Record<string, unknown> | undefined,
  ): Promise<View | undefined> {
    try {
      await recordOutsideWalk(deps.ledger, cid, lid, raw);
      const view = await getLicense(deps.ledger, lid, { expiringDays: deps.config?.expiringDays });
      if (!view && raw) throw new Error(`license ${lid} not found right after recording it`);
      return view;
    } catch (error) {
      // The change did reach the Partner API: say so, so the caller does not send it (a create) twice.
      log(`error id=${c.get('requestId')} recording license ${lid}: ${(error as Error).stack ?? error}`);
      throw apiError(
        500,
        'ledger_write_failed',
        `the Partner API accepted the change to license ${lid}, but recording it failed; the next sync records it (request id ${c.get('requestId')})`,
      );
    }
  }

  /** A license the Partner API answered with must have an id we can key by. */
  function idOf(raw: { _id: string }): string {
    if (!isRecordId(raw._id))
      throw apiError(
        502,
        'upstream_invalid_response',
        `the Partner API answered a license id we cannot use (${ID_RULE})`,
      );
    return raw._id;
  }

  app.openapi(createLicenseRoute, async (c) => {
    const { cid } = c.req.valid('param');
    const { email, expires, opts } = c.req.valid('json');
    const raw = await (await partnerApi(c, cid)).createLicense(cid, { email, expires, opts });
    const view = (await record(c, cid, idOf(raw), raw))!;
    return c.json(view, 201, { location: `/licenses/${encodeURIComponent(view.id)}` });
  });

  app.openapi(updateLicenseRoute, async (c) => {
    const { cid, lid } = c.req.valid('param');
    const { expires, opts } = c.req.valid('json');
    const body = { ...(expires !== undefined ? { expires } : {}), ...(opts !== undefined ? { opts } : {}) };
    const raw = await (await partnerApi(c, cid)).updateLicense(cid, lid, body);
    return c.json((await record(c, cid, idOf(raw), raw))!, 200);
  });

  app.openapi(deleteLicenseRoute, async (c) => {
    const { cid, lid } = c.req.valid('param');
    await (await partnerApi(c, cid)).deleteLicense(cid, lid);
    const view = await record(c, cid, lid, undefined);
    return view ? c.json(view, 200) : c.body(null, 204);
  });
}
