// The emulator's HTTP surface: the Partner API's connector and license routes under /v1, plus injected faults; each
// bearer token opens its own partner account's data.
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { badGatewayPage, type Failure, type Faults, withBadTypes } from './faults.ts';
import { type EmulatorStore, pageOf } from './store.ts';
import type { AuthPresence, Traffic } from './traffic.ts';
import {
  apiError,
  invalidUser,
  json,
  listResponse,
  notFound,
  parsePaging,
  rawJson,
  readJsonObject,
  validateChange,
  validateIntegrationIds,
  validateNewLicense,
} from './wire.ts';

/** One partner account the emulator serves: its data, and an outage a test can switch on. */
export interface EmulatedAccount {
  store: EmulatorStore;
  /** While set, every request of this account answers this status (its other accounts are unaffected). */
  outage?: number;
}

export interface EmulatorParts {
  faults: Faults;
  traffic: Traffic;
  /** The account a bearer token opens; read per request, so a test can rotate a token on a running emulator. */
  accountOf: (token: string) => EmulatedAccount | undefined;
  /** The most records a list page holds (default 1000, the API's cap); see parsePaging. */
  pageCap?: number;
}

// Partial: the node bindings are absent when the app runs through app.request() in-process.
type Env = { Bindings: Partial<HttpBindings>; Variables: { store: EmulatorStore } };

export function createApp(parts: EmulatorParts): Hono<Env> {
  const { faults, traffic } = parts;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization');
    const token = bearerOf(header);
    const account = token === undefined ? undefined : parts.accountOf(token);
    const auth: AuthPresence = !header ? 'missing' : account ? 'valid' : 'invalid';
    const record = traffic.begin(c.req.method, new URL(c.req.url), header, auth);
    try {
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      if (!account) {
        const message =
          auth === 'missing' ? 'Authorization header is missing.' : 'The bearer token is not valid.';
        c.res = apiError(401, { code: 'unauthorized', message }, { 'www-authenticate': 'Bearer' });
        return;
      }
      if (account.outage !== undefined) {
        c.res = apiError(account.outage, {
          code: 'internal_error',
          message: `Injected outage of this account (HTTP ${account.outage}).`,
        });
        return;
      }
      c.set('store', account.store);
      // Rate limiting is per account, so it applies only once the caller is known.
      const retryAfter = faults.takeThrottle();
      if (retryAfter !== undefined) {
        c.res = apiError(
          429,
          {
            code: 'rate_limited',
            message: 'Too many requests; retry after the time in the Retry-After header.',
          },
          { 'retry-after': String(retryAfter) },
        );
        return;
      }
      await next();
    } finally {
      traffic.finish(record, c.env?.incoming?.socket.destroyed ? 0 : c.res.status);
    }
  });

  const v1 = new Hono<Env>();

  v1.get('/tokenInfo', (c) => json(200, { _userId: c.var.store.tokenUserId, scope: 'full' }));

  v1.get('/connectors', (c) => {
    const { store } = c.var;
    const url = new URL(c.req.url);
    const paging = parsePaging(url, parts.pageCap);
    if ('error' in paging) return paging.error;
    return listResponse(url, pageOf(store.connectors(), paging.skip, paging.limit), paging);
  });

  v1.get('/connectors/:cid', (c) => {
    const connector = c.var.store.connector(c.req.param('cid'));
    return connector ? json(200, connector) : notFound('Connector');
  });

  v1.get('/connectors/:cid/licenses', (c) => {
    const { store } = c.var;
    const cid = c.req.param('cid');
    const licenses = store.licenses(cid);
    if (!licenses) return notFound('Connector');
    const url = new URL(c.req.url);
    const paging = parsePaging(url, parts.pageCap);
    if ('error' in paging) return paging.error;
    const failure = faults.takeFailure(cid, paging);
    const early = failure && failNow(c, failure);
    if (early) return early;
    const page = pageOf(licenses, paging.skip, paging.limit);
    return listResponse(url, page, paging, (items) => serialize(items, failure));
  });

  v1.get('/connectors/:cid/installBase', (c) => {
    const cid = c.req.param('cid');
    const records = c.var.store.installBase(cid);
    if (!records) return notFound('Connector');
    const url = new URL(c.req.url);
    const paging = parsePaging(url, parts.pageCap);
    if ('error' in paging) return paging.error;
    const failure = faults.takeFailure(`${cid}/installBase`, paging);
    const early = failure && failNow(c, failure);
    if (early) return early;
    return listResponse(url, pageOf(records, paging.skip, paging.limit), paging, (items) =>
      serialize(items, failure),
    );
  });

  v1.put('/connectors/:cid/update', async (c) => {
    const { store } = c.var;
    const cid = c.req.param('cid');
    if (!store.connector(cid)) return notFound('Connector');
    const failure = faults.takeFailure(`${cid}/update`);
    const early = failure && failNow(c, failure);
    if (early) return early;
    const read = await readJsonObject(c.req.raw);
    if ('error' in read) return read.error;
    const ids = validateIntegrationIds(read.body);
    if ('error' in ids) return ids.error;
    const unknown = store.requestUpdate(cid, ids.value);
    if (unknown.length > 0)
      return apiError(422, {
        code: 'invalid_integration',
        message: `The connector is not installed in integration(s) ${unknown.join(', ')}.`,
        field: '_integrationIds',
      });
    return new Response(null, { status: 204 });
  });

  v1.post('/connectors/:cid/licenses', async (c) => {
    const { store } = c.var;
    const cid = c.req.param('cid');
    if (!store.connector(cid)) return notFound('Connector');
    const failure = faults.takeFailure(cid);
    const early = failure && failNow(c, failure);
    if (early) return early;
    const read = await readJsonObject(c.req.raw);
    if ('error' in read) return read.error;
    const input = validateNewLicense(read.body);
    if ('error' in input) return input.error;
    if (!store.isKnownUser(input.value.email)) return invalidUser();
    return rawJson(201, serialize(store.createLicense(cid, input.value), failure));
  });

  v1.on(['GET', 'PUT', 'DELETE'], '/connectors/:cid/licenses/:lid', async (c) => {
    const { store } = c.var;
    const cid = c.req.param('cid');
    const lid = c.req.param('lid');
    if (!store.connector(cid)) return notFound('Connector');
    const failure = faults.takeFailure(cid);
    const early = failure && failNow(c, failure);
    if (early) return early;
    const license = store.license(cid, lid);
    if (!license) return notFound('License');
    if (c.req.method === 'DELETE') {
      store.deleteLicense(cid, lid);
      return new Response(null, { status: 204 });
    }
    if (c.req.method === 'PUT') {
      const read = await readJsonObject(c.req.raw);
      if ('error' in read) return read.error;
      const change = validateChange(read.body);
      if ('error' in change) return change.error;
      store.updateLicense(cid, lid, change.value);
    }
    return rawJson(200, serialize(license, failure));
  });

  app.route('/v1', v1);
  app.notFound(() => apiError(404, { code: 'not_found', message: 'No such route.' }));
  app.onError((error) =>
    apiError(500, { code: 'internal_error', message: `Emulator error: ${error.message}` }),
  );
  return app;
}

function bearerOf(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
}

/** Failures that replace the response outright; body-corrupting modes return undefined and act in serialize(). */
function failNow(c: Context<Env>, failure: Failure): Response | undefined {
  switch (failure.mode) {
    case 'status':
      return apiError(failure.status, {
        code: failure.status >= 500 ? 'internal_error' : `http_${failure.status}`,
        message: `Injected failure (HTTP ${failure.status}).`,
      });
    case 'html':
      return new Response(badGatewayPage(failure.status), {
        status: failure.status,
        headers: { 'content-type': 'text/html' },
      });
    case 'reset':
      // The client sees the connection drop before any status line; the Response below is never written.
      c.env?.incoming?.socket.destroy();
      return new Response(null, { status: 500 });
    default:
      return undefined;
  }
}

function serialize(body: unknown, failure: Failure | undefined): string {
  if (failure?.mode === 'badTypes') {
    const corrupt = Array.isArray(body)
      ? body.map(withBadTypes)
      : withBadTypes(body as Record<string, unknown>);
    return JSON.stringify(corrupt);
  }
  const text = JSON.stringify(body);
  // A complete HTTP response whose JSON stops halfway: what a client sees from a proxy that cut the body.
  return failure?.mode === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : text;
}
