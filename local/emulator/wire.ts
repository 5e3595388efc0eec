// The Partner API's wire conventions: JSON and error envelopes, skip/limit paging with Link, body validation.
import { isPlainObject, type NewLicense } from './store.ts';

export const MAX_LIMIT = 1000;

export interface ApiError {
  code: string;
  message: string;
  field?: string;
}

const jsonType = 'application/json; charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': jsonType, ...headers } });
}

/** Pre-serialized JSON, for fault modes that send something other than what JSON.stringify would. */
export function rawJson(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': jsonType, ...headers } });
}

export function apiError(status: number, error: ApiError, headers: Record<string, string> = {}): Response {
  return json(status, { errors: [error] }, headers);
}

export function notFound(what: string): Response {
  return apiError(404, { code: 'not_found', message: `${what} was not found.` });
}

export type Paging = { skip: number; limit: number } | { error: Response };

/**
 * skip defaults to 0; limit defaults to 1000 and larger limits are clamped to 1000, as the real API does. A smaller
 * `pageCap` stands in for 1000 in both, so a small data set pages as a large one does against the API.
 */
export function parsePaging(url: URL, pageCap = MAX_LIMIT): Paging {
  const skip = nonNegativeInt(url.searchParams.get('skip'), 0);
  const limit = nonNegativeInt(url.searchParams.get('limit'), pageCap);
  if (skip === undefined) return { error: invalidParameter('skip') };
  if (limit === undefined || limit === 0) return { error: invalidParameter('limit') };
  return { skip, limit: Math.min(limit, pageCap) };
}

/** 204 for an empty page; otherwise the page, with an absolute rel="next" Link while records remain. */
export function listResponse(
  url: URL,
  page: { items: unknown[]; total: number },
  paging: { skip: number; limit: number },
  serialize: (items: unknown[]) => string = JSON.stringify,
): Response {
  if (page.items.length === 0) return new Response(null, { status: 204 });
  const headers: Record<string, string> = {};
  const nextSkip = paging.skip + paging.limit;
  if (nextSkip < page.total) {
    headers.link = `<${url.origin}${url.pathname}?skip=${nextSkip}&limit=${paging.limit}>; rel="next"`;
  }
  return rawJson(200, serialize(page.items), headers);
}

export type JsonBody = { body: Record<string, unknown> } | { error: Response };

/** Reads a JSON object body, answering 400 for a missing or non-JSON content type and for unparsable text. */
export async function readJsonObject(request: Request): Promise<JsonBody> {
  const contentType = request.headers.get('content-type');
  if (!contentType) {
    return {
      error: apiError(400, {
        code: 'missing_content_type',
        message: 'Content-Type must be application/json.',
      }),
    };
  }
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    return {
      error: apiError(400, {
        code: 'invalid_content_type',
        message: 'Content-Type must be application/json.',
      }),
    };
  }
  const text = await request.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      error: apiError(400, { code: 'malformed_json', message: 'The request body is not valid JSON.' }),
    };
  }
  if (!isPlainObject(body)) {
    return {
      error: apiError(400, { code: 'malformed_json', message: 'The request body must be a JSON object.' }),
    };
  }
  return { body };
}

export type Validated<T> = { value: T } | { error: Response };

/** POST needs email, expires and opts; whether the email is a real user is the caller's check. */
export function validateNewLicense(body: Record<string, unknown>): Validated<NewLicense> {
  for (const field of ['email', 'expires', 'opts'] as const) {
    const value = body[field];
    if (value === undefined || value === null || value === '') return { error: missingField(field) };
  }
  if (typeof body.email !== 'string') return { error: invalidField('email', 'email must be a string.') };
  const change = validateChange(body);
  if ('error' in change) return change;
  return { value: { email: body.email.trim(), expires: change.value.expires!, opts: change.value.opts! } };
}

/** PUT may carry expires and/or opts; everything else (email, user, _id, ...) is ignored. */
export function validateChange(
  body: Record<string, unknown>,
): Validated<{ expires?: string; opts?: Record<string, unknown> }> {
  const change: { expires?: string; opts?: Record<string, unknown> } = {};
  if (body.expires !== undefined) {
    const time = typeof body.expires === 'string' ? Date.parse(body.expires) : Number.NaN;
    if (Number.isNaN(time)) {
      return {
        error: apiError(422, {
          code: 'invalid_date',
          message: 'expires must be an ISO 8601 date.',
          field: 'expires',
        }),
      };
    }
    // Stored the way Mongo hands dates back: UTC with milliseconds.
    change.expires = new Date(time).toISOString();
  }
  if (body.opts !== undefined) {
    if (!isPlainObject(body.opts)) return { error: invalidField('opts', 'opts must be an object.') };
    change.opts = body.opts;
  }
  return { value: change };
}

/** PUT /connectors/{id}/update needs `_integrationIds`: a non-empty array of ids. */
export function validateIntegrationIds(body: Record<string, unknown>): Validated<string[]> {
  const ids = body._integrationIds;
  if (ids === undefined || ids === null) return { error: missingField('_integrationIds') };
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== ''))
    return {
      error: invalidField('_integrationIds', '_integrationIds must be a non-empty array of integration ids.'),
    };
  return { value: ids as string[] };
}

export const invalidUser = (): Response =>
  apiError(422, {
    code: 'invalid_user',
    message:
      'We were not able to find any user with the provided email address. Please ask the user to first create an integrator.io account.',
  });

function missingField(field: string): Response {
  return apiError(422, { code: 'missing_field', message: `${field} is required.`, field });
}

function invalidField(field: string, message: string): Response {
  return apiError(422, { code: 'invalid_field', message, field });
}

function invalidParameter(name: string): Response {
  return apiError(400, {
    code: 'invalid_parameter',
    message: `${name} must be a ${name === 'limit' ? 'positive' : 'non-negative'} integer.`,
    field: name,
  });
}

function nonNegativeInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
