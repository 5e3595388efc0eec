// What the emulator saw: a request log and counters, so tests can assert on what a client actually sent.

export type AuthPresence = 'valid' | 'invalid' | 'missing';

export interface RequestRecord {
  method: string;
  /** Path without the query, e.g. /v1/connectors/abc/licenses. */
  path: string;
  query: Record<string, string>;
  auth: AuthPresence;
  /** Response status; 0 when the emulator reset the connection instead of answering. */
  status: number;
}

export interface TrafficStats {
  requests: number;
  /** Counts keyed by "METHOD /path". */
  byPath: Record<string, number>;
  byStatus: Record<string, number>;
}

// Benchmarks send hundreds of thousands of requests; the log keeps only the newest ones.
const LOG_LIMIT = 10_000;

export class Traffic {
  /** The raw Authorization header of the latest request (kept only in memory, for assertions). */
  lastAuthorization: string | undefined;
  private log: RequestRecord[] = [];
  private count = 0;
  private byPath = new Map<string, number>();
  private byStatus = new Map<string, number>();

  /** Starts a record; the caller fills in `status` once the response is known. */
  begin(method: string, url: URL, authorization: string | undefined, auth: AuthPresence): RequestRecord {
    this.lastAuthorization = authorization;
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      auth,
      status: 0,
    };
    this.count += 1;
    const key = `${method} ${url.pathname}`;
    this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
    this.log.push(record);
    if (this.log.length > LOG_LIMIT * 1.5) this.log = this.log.slice(-LOG_LIMIT);
    return record;
  }

  finish(record: RequestRecord, status: number): void {
    record.status = status;
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
  }

  requests(): RequestRecord[] {
    return this.log.slice(-LOG_LIMIT);
  }

  stats(): TrafficStats {
    return {
      requests: this.count,
      byPath: Object.fromEntries(this.byPath),
      byStatus: Object.fromEntries(this.byStatus),
    };
  }

  reset(): void {
    this.log = [];
    this.count = 0;
    this.byPath.clear();
    this.byStatus.clear();
    this.lastAuthorization = undefined;
  }
}
