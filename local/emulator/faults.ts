// Misbehaviour on demand: latency, rate limiting and broken license responses, so clients can be tested against them.

export type FailureMode = 'status' | 'reset' | 'truncated' | 'html' | 'badTypes';

export interface FailureOptions {
  /** HTTP status for 'status' (default 500) and 'html' (default 502) modes. */
  status?: number;
  /** List requests fail only once this many pages were served, i.e. when skip >= afterPages * limit. */
  afterPages?: number;
  mode?: FailureMode;
  /** How many requests fail before the connector recovers on its own (default: until clearFailures). */
  times?: number;
}

export interface Failure {
  mode: FailureMode;
  status: number;
  afterPages: number;
  remaining: number;
}

export class Faults {
  latencyMs: number;
  private throttled = 0;
  private retryAfterSeconds = 1;
  private readonly failures = new Map<string, Failure>();

  constructor(latencyMs = 0) {
    this.latencyMs = latencyMs;
  }

  /** The next `count` requests answer 429 with Retry-After. */
  throttle(count: number, retryAfterSeconds = 1): void {
    this.throttled = count;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds for Retry-After when this request is throttled, else undefined. Consumes one throttled slot. */
  takeThrottle(): number | undefined {
    if (this.throttled <= 0) return undefined;
    this.throttled -= 1;
    return this.retryAfterSeconds;
  }

  failConnector(cid: string, options: FailureOptions = {}): void {
    const mode = options.mode ?? 'status';
    this.failures.set(cid, {
      mode,
      status: options.status ?? (mode === 'html' ? 502 : 500),
      afterPages: options.afterPages ?? 0,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /**
   * The failure that applies to a request on a connector's licenses, counted as used. A list request
   * passes its page window; any other license request fails only when the failure starts at page 0.
   */
  takeFailure(cid: string, window?: { skip: number; limit: number }): Failure | undefined {
    const failure = this.failures.get(cid);
    if (!failure || failure.remaining <= 0) return undefined;
    const applies = window ? window.skip >= failure.afterPages * window.limit : failure.afterPages === 0;
    if (!applies) return undefined;
    failure.remaining -= 1;
    return failure;
  }
}

/** What a failing response carries instead of the real records: wrong types where clients expect strings/objects. */
export function withBadTypes(record: Record<string, unknown>): Record<string, unknown> {
  return { ...record, expires: 12345, user: 'x' };
}

export const badGatewayPage = (status: number) =>
  `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
