// Typed Partner API errors: HTTP status plus the upstream errors[].code, never the token.
export type PartnerApiErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'invalid_user'
  | 'bad_request'
  | 'validation_failed'
  | 'upstream_error'
  | 'timeout'
  | 'unreachable'
  | 'invalid_response'
  | (string & {});

export class PartnerApiError extends Error {
  override readonly name = 'PartnerApiError';
  constructor(
    /** Stable code: the upstream errors[0].code when there is one, else derived from the status. */
    readonly code: PartnerApiErrorCode,
    message: string,
    /** HTTP status, or undefined when no response arrived (timeout, network). */
    readonly status?: number,
    /** Method and URL path (no query secrets, never headers). */
    readonly request?: string,
    /** Every upstream error entry, as sent. */
    readonly upstream: { code: string; message?: string; field?: string }[] = [],
  ) {
    super(message);
  }

  toJSON() {
    return { code: this.code, message: this.message, status: this.status, request: this.request };
  }
}

export function codeForStatus(status: number): PartnerApiErrorCode {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 422) return 'validation_failed';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'upstream_error' : `http_${status}`;
}
