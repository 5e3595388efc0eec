// The HTTP error as a value: a status and one or more `{ code, message, field? }` entries, and its response.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorEntry {
  code: string;
  message: string;
  field?: string;
}

/** An error the API answers as is: a status and one or more `{ code, message, field? }` entries. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errors: ErrorEntry[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message ?? 'error');
  }
}

/** The common case: one error entry. */
export const apiError = (
  status: ContentfulStatusCode,
  code: string,
  message: string,
  field?: string,
  headers?: Record<string, string>,
) => new ApiError(status, [{ code, message, ...(field ? { field } : {}) }], headers);

export const notFound = (what: string, id: string) =>
  apiError(404, 'not_found', `no ${what} ${id} in the ledger`);

export function errorResponse(c: Context, error: ApiError): Response {
  return c.json({ errors: error.errors }, error.status, error.headers);
}
