// Routes across the portfolio: find a customer's licenses, and what changed (JSON pages, or CSV pages with a Link).
import { createRoute, z } from '@hono/zod-openapi';
import { asOf } from '#app/asof';
import { type ChangesQuery as ChangesAsked, changesPage, findPage } from '#app/portfolio';
import { changesCsv } from '../csv.ts';
import { type App, type AppDeps, appContext } from '../deps.ts';
import { errorResponses, jsonContent } from '../openapi.ts';
import { ChangePage, ChangesCsvQuery, ChangesQuery, FindQuery, LicensePage } from '../schemas.ts';

const DEFAULT_SINCE = '7d';

const findRoute = createRoute({
  method: 'get',
  path: '/licenses',
  operationId: 'findLicenses',
  tags: ['ledger'],
  summary: "One customer's licenses: by e-mail (any case) or by domain (not its subdomains)",
  description:
    'Exactly one of `email` and `domain`. Live licenses unless `includeDeleted=true`; by e-mail, then license id. Served by the `lookup` index.',
  request: { query: FindQuery },
  responses: { 200: jsonContent(LicensePage, 'One page of licenses.'), ...errorResponses(400) },
});

const CHANGES_DESCRIPTION =
  "One item per recorded version, newest first; `kind` from the field diff (deleted, created, installed, uninstalled, renewed, expiry-shortened, edition-changed, updated). Versions of each connector's first walk are its baseline and are left out unless `includeBaseline=true`. Filters on connector, kind and account may make a page read more items than it returns.";

const changesRoute = createRoute({
  method: 'get',
  path: '/changes',
  operationId: 'listChanges',
  tags: ['ledger'],
  summary: 'What changed across the portfolio since a time (default the last 7 days)',
  description: CHANGES_DESCRIPTION,
  request: { query: ChangesQuery },
  responses: { 200: jsonContent(ChangePage, 'One page of changes, newest first.'), ...errorResponses(400) },
});

const changesCsvRoute = createRoute({
  method: 'get',
  path: '/changes.csv',
  operationId: 'listChangesCsv',
  tags: ['ledger'],
  summary: 'The changes as CSV, a page at a time',
  description: `${CHANGES_DESCRIPTION} Up to \`limit\` rows (default 1000) per response, each with a header row; while more follow, a \`Link: <...>; rel="next"\` header names the next page.`,
  request: { query: ChangesCsvQuery },
  responses: {
    200: {
      description: 'RFC 4180 CSV with a header row.',
      headers: z.object({
        link: z.string().optional().meta({ description: 'The next page: `<url>; rel="next"`.' }),
      }),
      content: { 'text/csv': { schema: z.string() } },
    },
    ...errorResponses(400),
  },
});

export function registerPortfolioRoutes(app: App, deps: AppDeps): void {
  const ctx = appContext(deps);

  app.openapi(findRoute, async (c) => {
    const { email, domain, includeDeleted, account, asOf: at, limit = 100, cursor } = c.req.valid('query');
    const customer = email !== undefined ? { email } : { domain: domain! };
    if (at)
      return c.json(
        await asOf.customerPage(ctx, customer, at, { includeDeleted, account, limit, cursor }),
        200,
      );
    return c.json(await findPage(ctx, customer, { includeDeleted, account, limit, cursor }), 200);
  });

  /** The feed's query from the request's (`since` is resolved against the ledger's clock, never in the future). */
  function changeQuery(query: z.infer<typeof ChangesQuery>, pageRows: number): ChangesAsked {
    const { since = DEFAULT_SINCE, connector, kind, includeBaseline, account, limit, cursor } = query;
    return {
      since,
      connectorId: connector,
      kind,
      includeBaseline,
      account,
      limit: limit ?? pageRows,
      cursor,
    };
  }

  app.openapi(changesRoute, async (c) => {
    return c.json(await changesPage(ctx, changeQuery(c.req.valid('query'), 100)), 200);
  });

  app.openapi(changesCsvRoute, async (c) => {
    const page = await changesPage(ctx, changeQuery(c.req.valid('query'), 1000));
    const headers: Record<string, string> = {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': 'attachment; filename="changes.csv"',
    };
    if (page.nextCursor) {
      // The same query, the next page: the request's own parameters (since as given) with the new cursor.
      const next = new URL(c.req.url);
      next.searchParams.set('cursor', page.nextCursor);
      headers.link = `<${next.pathname}${next.search}>; rel="next"`;
    }
    return c.body(changesCsv(page.items), 200, headers);
  });
}
