// The HTTP API as one Hono app, the same under Lambda and `licensewatch serve`: middleware, routes, errors, OpenAPI.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { requestId } from 'hono/request-id';
import { AppError } from '#app/errors';
import type { App, AppDeps, AppEnv } from './deps.ts';
import {
  ApiError,
  apiError,
  errorResponse,
  payloadTooLarge,
  toApiError,
  validationErrors,
  wrongMethod,
} from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { registerDashboardRoute } from './routes/dashboard.ts';
import { registerFeedRoute } from './routes/feed.ts';
import { registerInstallRoutes } from './routes/installs.ts';
import { registerLedgerRoutes } from './routes/ledger.ts';
import { registerPortfolioRoutes } from './routes/portfolio.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerTimelineRoutes } from './routes/timeline.ts';
import { registerTrialRoutes } from './routes/trials.ts';
import { registerWriteRoutes } from './routes/writes.ts';

export type { AppDeps } from './deps.ts';

export const MAX_BODY_BYTES = 256 * 1024;

// The dashboard needs inline styles only; nothing may run, load or frame, and its search form submits to itself.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** A path fit for a log line: no control characters, bounded length. */
function loggablePath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = path.replace(/[\u0000-\u001f\u007f\s]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

/** One line per request: method, path, status, time, request id. Never headers, query or body. */
function requestLog(log: (line: string) => void): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = (performance.now() - started).toFixed(1);
    log(`${c.req.method} ${loggablePath(c.req.path)} ${c.res.status} ${ms}ms id=${c.get('requestId')}`);
  };
}

export function createApp(deps: AppDeps): App {
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const resolved: AppDeps = { ...deps, log };

  const app: App = new OpenAPIHono<AppEnv>({
    // Every zod failure at the edge (query, path, body) answers the common error shape.
    defaultHook: (result, c) => {
      if (!result.success)
        return errorResponse(c, new ApiError(400, validationErrors(result.target, result.error)));
    },
  });

  app.use(requestId());
  app.use(requestLog(log));
  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => errorResponse(c, wrongMethod(c.req.method, methods)),
    }),
  );
  app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, payloadTooLarge()) }));

  registerDashboardRoute(app, resolved);
  registerLedgerRoutes(app, resolved);
  registerFeedRoute(app, resolved);
  registerPortfolioRoutes(app, resolved);
  registerReportRoutes(app, resolved);
  registerTrialRoutes(app, resolved);
  registerTimelineRoutes(app, resolved);
  registerWriteRoutes(app, resolved);
  registerInstallRoutes(app, resolved);

  const document = openApiDocument(app);
  app.get('/openapi.json', (c) => c.json(document() as object, 200));

  app.notFound((c) =>
    errorResponse(
      c,
      apiError(404, 'route_not_found', `no route ${c.req.method} ${loggablePath(c.req.path)}`),
    ),
  );
  app.onError((thrown, c) => {
    const { error, unexpected } = toApiError(c, thrown);
    if (thrown instanceof AppError && thrown.kind === 'failed') {
      // The change reached the Partner API but not the ledger: the cause is for the operator, not the caller.
      const cause =
        thrown.cause instanceof Error ? (thrown.cause.stack ?? thrown.cause.message) : thrown.cause;
      log(`error id=${c.get('requestId')} ${thrown.code}: ${thrown.message}: ${String(cause)}`);
    } else if (unexpected) {
      const detail = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
      log(`error id=${c.get('requestId')} ${c.req.method} ${loggablePath(c.req.path)}: ${detail}`);
    }
    return errorResponse(c, error);
  });
  return app;
}
