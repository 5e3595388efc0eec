// The gateway's routes are the app's: one per method and path of the OpenAPI document the app generates (plus
// /openapi.json and $default), each authorized: SigV4 under iam; under jwt a read scope on reads, a write scope on writes.
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { OPENAPI_INFO } from '#api/openapi';
import { appRoutes, inertApp } from '../../infra/api-routes.ts';
import { logicalId, resources, synthStack } from '../support/synth.ts';

const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `METHOD /path` for every operation in the app's OpenAPI document, built here from the app with stub deps. */
function documentedRoutes(): string[] {
  const app = createApp({
    ledger: {} as never,
    partnerApi: () => Promise.reject(new Error('not in this test')),
    log: () => undefined,
  });
  const doc = app.getOpenAPI31Document(OPENAPI_INFO) as { paths?: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths ?? {}).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => OPENAPI_METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/** The document's operations, the two routes outside it (the dashboard may or may not be documented), and $default. */
const expectedRouteKeys = () =>
  [...new Set([...documentedRoutes(), 'GET /', 'GET /openapi.json', '$default'])].sort();

const JWT = { apiAuth: 'jwt', jwtIssuer: 'https://issuer.example.com/', jwtAudience: 'licensewatch' };

const synthesized = new Map<string, ReturnType<typeof routesIn>>();
const routesIn = (context: Record<string, unknown>) => {
  const { template } = synthStack(context);
  const routes = resources(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
  return { template, routes, byKey: new Map(routes.map((r) => [r.RouteKey as string, r])) };
};
/** Each context synthesized once for the whole file (a synth is the slow part). */
const routesOf = (context: Record<string, unknown> = {}) => {
  const key = JSON.stringify(context);
  if (!synthesized.has(key)) synthesized.set(key, routesIn(context));
  return synthesized.get(key)!;
};

describe('gateway routes', () => {
  it("are exactly the OpenAPI document's paths and methods, plus GET /openapi.json and $default", () => {
    const documented = documentedRoutes();
    expect(documented).toContain('GET /connectors');
    expect(documented).toContain('PUT /connectors/{cid}/licenses/{lid}');
    const { routes } = routesOf();
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(expectedRouteKeys());
    expect(routes.map((r) => r.RouteKey)).not.toContain('ANY /{proxy+}');
  });

  it('all go to the api function through one integration, which one permission lets the API invoke', () => {
    const { template, routes } = routesOf();
    const api = logicalId(template, 'AWS::Lambda::Function', 'ApiHandlerFunction');
    const integrations = resources(template, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    const [integrationId, integration] = integrations[0]!;
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [api, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    for (const route of routes)
      expect(JSON.stringify(route.Target), route.RouteKey).toContain(`"${integrationId}"`);
    const permissions = resources(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties.FunctionName).toEqual({ 'Fn::GetAtt': [api, 'Arn'] });
    expect(JSON.stringify(permissions[0]![1].Properties.SourceArn)).toContain('/*/*/*"');
  });

  it('under iam (the default) each one, $default included, needs SigV4', () => {
    const { routes } = routesOf();
    for (const route of routes) {
      expect(route.AuthorizationType, route.RouteKey).toBe('AWS_IAM');
      expect(route.AuthorizationScopes, route.RouteKey).toBeUndefined();
    }
  });

  it('under jwt GET routes need the read scope, writes and $default the write scope', () => {
    const { template, routes, byKey } = routesOf(JWT);
    const [authorizerId] = resources(template, 'AWS::ApiGatewayV2::Authorizer').map(([key]) => key);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(expectedRouteKeys());
    for (const route of routes) {
      expect(route.AuthorizationType, route.RouteKey).toBe('JWT');
      expect(route.AuthorizerId, route.RouteKey).toEqual({ Ref: authorizerId });
      const method = route.RouteKey.split(' ')[0];
      const scope = method === 'GET' ? 'licensewatch/read' : 'licensewatch/write';
      expect(route.AuthorizationScopes, route.RouteKey).toEqual([scope]);
    }
    expect(byKey.get('$default')?.AuthorizationScopes).toEqual(['licensewatch/write']);
    expect(byKey.get('POST /connectors/{cid}/licenses')?.AuthorizationScopes).toEqual(['licensewatch/write']);
    expect(byKey.get('GET /connectors')?.AuthorizationScopes).toEqual(['licensewatch/read']);
  });

  it('under jwt take the scopes given as context, and reject a scope that is not one OAuth scope', () => {
    const { byKey } = routesOf({ ...JWT, jwtReadScope: 'api://lw/Read', jwtWriteScope: 'api://lw/Write' });
    expect(byKey.get('GET /licenses/{lid}')?.AuthorizationScopes).toEqual(['api://lw/Read']);
    expect(byKey.get('PUT /connectors/{cid}/licenses/{lid}')?.AuthorizationScopes).toEqual([
      'api://lw/Write',
    ]);
    expect(byKey.get('$default')?.AuthorizationScopes).toEqual(['api://lw/Write']);
    expect(() => synthStack({ ...JWT, jwtWriteScope: 'read write' })).toThrow(/jwtWriteScope/);
    expect(() => synthStack({ ...JWT, jwtReadScope: '' })).toThrow(/jwtReadScope/);
  });
});

describe('the route list read from the app', () => {
  it('picks up a route the app gains, with no change to the infra code', () => {
    const app = inertApp();
    const before = appRoutes(app).map((r) => `${r.method} ${r.path}`);
    expect(before).not.toContain('DELETE /widgets/{wid}/parts/{pid}');
    app.openapi(
      createRoute({
        method: 'delete',
        path: '/widgets/{wid}/parts/{pid}',
        request: { params: z.object({ wid: z.string(), pid: z.string() }) },
        responses: { 204: { description: 'deleted' } },
      }),
      (c) => c.body(null, 204),
    );
    app.get('/widgets.csv', (c) => c.text(''));
    const after = appRoutes(app).map((r) => `${r.method} ${r.path}`);
    expect(after).toEqual(
      expect.arrayContaining([...before, 'DELETE /widgets/{wid}/parts/{pid}', 'GET /widgets.csv']),
    );
    expect(after).toHaveLength(before.length + 2);
  });

  it("turns Hono's path parameters into the gateway's and leaves wildcards and middleware to $default", () => {
    const routes = appRoutes({
      routes: [
        { method: 'ALL', path: '/*', basePath: '/', handler: () => undefined },
        { method: 'GET', path: '/things/:id{[0-9]+}/parts/:part', basePath: '/', handler: () => undefined },
        { method: 'GET', path: '/files/*', basePath: '/', handler: () => undefined },
        { method: 'GET', path: '/things/:id{[0-9]+}/parts/:part', basePath: '/', handler: () => undefined },
      ],
    });
    expect(routes).toEqual([{ method: 'GET', path: '/things/{id}/parts/{part}' }]);
  });

  it('builds the app without touching its dependencies', () => {
    expect(() => appRoutes()).not.toThrow();
  });
});
