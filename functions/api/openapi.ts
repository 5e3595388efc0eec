// Helpers for route declarations (responses, errors) and the OpenAPI 3.1 document built from the same schemas.
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBody } from './schemas.ts';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: a query parameter, path id or body field (named in `field`), or malformed JSON.',
  404: 'No such id in the ledger (or upstream, for writes).',
  409: "`push_conflict`: another open push holds the integration; `account_not_configured`: the connector's partner account is not configured here (removed since it was synced, or several accounts and a connector never synced); the change is never sent with another account's token.",
  413: 'The request body is larger than 256 KB.',
  415: 'The request body is not JSON.',
  422: 'The Partner API refused the change (e.g. `invalid_user`), with its code.',
  500: 'Unexpected failure; the message names a request id, the details are in the server log.',
  502: 'The Partner API failed, could not be reached, or refused our token.',
  503: 'The Partner API is rate limiting, or this server has no Partner API token.',
  504: 'The Partner API did not answer in time.',
};

/** Documented error responses, all `{ errors: [{ code, message, field? }] }`. */
export function errorResponses<S extends number>(...statuses: S[]) {
  const out = {} as Record<
    S,
    { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }
  >;
  for (const status of [...statuses, 500 as S]) {
    out[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return out;
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const OPENAPI_INFO: Parameters<OpenAPIHono['getOpenAPI31Document']>[0] = {
  openapi: '3.1.0',
  info: {
    title: 'licensewatch',
    version: '1.0.0',
    contact: { name: 'licensewatch' },
    description:
      'Celigo connector licenses as the ledger recorded them (with history), reports on what needs attention, alerts raised, and license changes sent through to the Partner API. Lists answer `{ items, nextCursor? }`; errors answer `{ errors: [{ code, message, field? }] }`. In AWS the API sits behind API Gateway with IAM authorization (SigV4); `licensewatch serve` listens on 127.0.0.1 without authentication.',
  },
  // Relative: the same document is served by API Gateway (its stage URL) and by `licensewatch serve`.
  servers: [
    { url: '/', description: 'This server: API Gateway in AWS, or `licensewatch serve` on 127.0.0.1.' },
  ],
  tags: [
    { name: 'ledger', description: 'Connectors, licenses and their history, as synced.' },
    { name: 'reports', description: 'Licenses that need attention (JSON pages or CSV).' },
    { name: 'watch', description: 'Alerts raised and sync runs.' },
    { name: 'changes', description: 'Writes: sent to the Partner API first, then recorded.' },
    { name: 'installs', description: 'Where connectors are installed, at which version, and update pushes.' },
  ],
};

/** The document, generated on first use and then kept (the routes never change after start-up). */
export function openApiDocument(app: { getOpenAPI31Document: OpenAPIHono['getOpenAPI31Document'] }) {
  let doc: unknown;
  return () => {
    doc ??= app.getOpenAPI31Document(OPENAPI_INFO);
    return doc;
  };
}
