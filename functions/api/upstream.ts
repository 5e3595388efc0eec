// Partner API failures on a write, mapped to what our caller should see: their fault (4xx) or the upstream's (5xx).
import type { PartnerApiError } from '#celigo/errors';
import { ApiError, apiError } from './problem.ts';

/** invalid_user 422, 404 404, other 4xx 400/422 with the upstream codes; 401/403, 5xx, network 502; 429 503; timeout 504. */
export function fromPartnerApiError(error: PartnerApiError): ApiError {
  const first = error.upstream[0];
  const detail = first?.message ? `: ${first.message}` : '';
  const status = error.status;
  if (error.code === 'invalid_user')
    return apiError(
      422,
      'invalid_user',
      first?.message ?? 'no integrator.io user has this email address',
      first?.field ?? 'email',
    );
  if (status === 404)
    return apiError(404, 'not_found', `the Partner API has no such connector or license${detail}`);
  if (status === 401 || status === 403)
    // The server's token is wrong, not the caller's request: a gateway problem.
    return apiError(502, 'upstream_unauthorized', `the Partner API refused this server's token (${status})`);
  if (status === 429) {
    const message = 'the Partner API is rate limiting; try again shortly';
    return apiError(503, 'upstream_rate_limited', message, undefined, { 'retry-after': '5' });
  }
  if (status !== undefined && status >= 500)
    return apiError(502, 'upstream_unavailable', `the Partner API failed with ${status} after retries`);
  if (status !== undefined && status >= 400) {
    // The caller's input, judged upstream: pass the upstream codes through.
    const entries = error.upstream.length
      ? error.upstream.map((e) => ({
          code: e.code,
          message: e.message ?? `the Partner API rejected the request (${status})`,
          ...(e.field ? { field: e.field } : {}),
        }))
      : [{ code: error.code, message: `the Partner API rejected the request (${status})` }];
    return new ApiError(status === 400 ? 400 : 422, entries);
  }
  if (error.code === 'timeout')
    return apiError(504, 'upstream_timeout', 'the Partner API did not answer in time');
  if (error.code === 'unreachable')
    return apiError(502, 'upstream_unreachable', 'cannot reach the Partner API');
  return apiError(502, 'upstream_invalid_response', 'the Partner API sent an answer that cannot be used');
}
