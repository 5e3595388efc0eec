// The routes the api function's Hono app answers, read from the app itself, so the gateway follows the app.
import { createApp } from '#api/app';
import type { App } from '#api/deps';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface AppRoute {
  method: RouteMethod;
  /** In API Gateway's syntax: `/connectors/{cid}/licenses`. */
  path: string;
}

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Methods that change something upstream or in the ledger; everything else only reads. */
export const WRITE_METHODS: ReadonlySet<RouteMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Stands in for the app's dependencies: declaring routes never touches them, and a test would say so if it did. */
const inert = new Proxy(
  {},
  {
    get(_target, key) {
      throw new Error(`the api app touched its ${String(key)} dependency while declaring routes`);
    },
  },
);

/** The app exactly as the api function builds it, with dependencies that are never called. */
export function inertApp(): App {
  return createApp({
    ledger: inert as never,
    partnerApi: () => inert as never,
    log: () => undefined,
  });
}

/**
 * Every method + path the app routes (Hono's own table, so routes outside the OpenAPI document, like
 * /openapi.json, count too). Middleware (`ALL /*`) and wildcard paths are left to the gateway's `$default` route.
 */
export function appRoutes(app: Pick<App, 'routes'> = inertApp()): AppRoute[] {
  const seen = new Map<string, AppRoute>();
  for (const { method, path } of app.routes) {
    if (!METHODS.has(method) || /[*?]/.test(path)) continue;
    // Hono's `:name` and `:name{regex}` are API Gateway's `{name}`; the app still checks the value itself.
    const gatewayPath = path.replace(/:([A-Za-z0-9_]+)(\{[^/]*\})?/g, '{$1}');
    seen.set(`${method} ${gatewayPath}`, { method: method as RouteMethod, path: gatewayPath });
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
