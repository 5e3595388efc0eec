// HTTP errors as values with a code: the `{ errors: [...] }` envelope, and the mapping of every failure to a status.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { AppError, type AppErrorKind } from '#app/errors';
import { PartnerApiError } from '#celigo/errors';
import { LedgerError } from '#ledger/errors';
import { ApiError, apiError, type ErrorEntry } from './problem.ts';
import { fromPartnerApiError } from './upstream.ts';

export { ApiError, apiError, type ErrorEntry, errorResponse, notFound } from './problem.ts';

type Target = 'query' | 'param' | 'json' | (string & {});

/** Zod issues of a request part as error entries: query and path problems name the parameter, body ones the field path. */
export function validationErrors(target: Target, error: ZodError): ErrorEntry[] {
  const body = target === 'json';
  return error.issues.slice(0, 20).map((issue): ErrorEntry => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const what = body ? 'field' : 'parameter';
      return {
        code: `unknown_${what}`,
        message: `unknown ${what}${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`,
        field: [...path, issue.keys[0]].join('.'),
      };
    }
    const field = path.join('.');
    if (!field) {
      const message =
        issue.code === 'invalid_type' ? `the request body must be a JSON ${issue.expected}` : issue.message;
      return { code: body ? 'invalid_body' : 'invalid_parameter', message };
    }
    // Our own messages already name the field ("limit must be ..."); zod's do not.
    const named = issue.message.startsWith(`${path.at(-1)} `) ? issue.message : `${field}: ${issue.message}`;
    return { code: body ? 'invalid_field' : 'invalid_parameter', message: named, field };
  });
}

export const badCursor = () =>
  apiError(400, 'bad_cursor', 'the cursor is not one this API handed out', 'cursor');

const STATUS_OF_KIND = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  failed: 500,
} as const satisfies Record<AppErrorKind, number>;

/** A use case's refusal: its kind says the status; a step that failed after the upstream one names the request. */
function fromAppError(c: Context, error: AppError): ApiError {
  const message =
    error.kind === 'failed'
      ? `${error.message} (request id ${String(c.get('requestId') ?? 'unknown')})`
      : error.message;
  return apiError(STATUS_OF_KIND[error.kind], error.code, message, error.field);
}

/** An expected failure as the error it answers, or undefined for anything unexpected. */
function knownError(c: Context, error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof AppError) return fromAppError(c, error);
  if (error instanceof PartnerApiError) return fromPartnerApiError(error);
  if (error instanceof LedgerError && error.code === 'bad_cursor') return badCursor();
  if (error instanceof LedgerError && error.code === 'not_found')
    return apiError(404, 'not_found', error.message);
  // Judged by the domain (it needs the clock or the ledger): a since in the future, an account no one configured.
  if (
    error instanceof LedgerError &&
    (error.code === 'invalid_parameter' || error.code === 'unknown_account')
  )
    return apiError(400, error.code, error.message, error.field);
  if (error instanceof HTTPException) {
    // Thrown by Hono's validators: unparsable JSON, and the media type gate of @hono/zod-openapi.
    if (error.status === 400) return apiError(400, 'invalid_json', 'the request body is not valid JSON');
    if (error.status === 413) return payloadTooLarge();
    if (error.status === 415) return unsupportedMediaType();
  }
  return undefined;
}

/** Any thrown value as an ApiError; an unexpected one becomes a 500 that names only the request id. */
export function toApiError(c: Context, error: unknown): { error: ApiError; unexpected: boolean } {
  const known = knownError(c, error);
  if (known) return { error: known, unexpected: false };
  const message = `internal error; quote request id ${String(c.get('requestId') ?? 'unknown')} when reporting it`;
  return { error: apiError(500, 'internal_error', message), unexpected: true };
}

// The rest of the body is left unread, so the connection cannot carry another request: close it.
export const payloadTooLarge = () =>
  apiError(413, 'payload_too_large', 'the request body is larger than 256 KB', undefined, {
    connection: 'close',
  });

export const unsupportedMediaType = () =>
  apiError(
    415,
    'unsupported_media_type',
    'send the request body as JSON with Content-Type: application/json',
  );

export const wrongMethod = (method: string, allowed: string[]) =>
  apiError(405, 'method_not_allowed', `${method} is not allowed here; use ${allowed.join(', ')}`, undefined, {
    allow: allowed.join(', '),
  });
