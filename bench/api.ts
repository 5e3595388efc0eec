// API latency under load: autocannon against `licensewatch serve` over a ledger the sync benchmark filled.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const BIN = fileURLToPath(new URL('../bin/licensewatch.js', import.meta.url));

export interface Latency {
  route: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Mean response size, bytes. */
  meanBytes: number;
}

/** Serves the table, then loads each route for `seconds` with `connections` clients, cycling through the given ids. */
/** What the lookups cycle through: licenses, their customers' addresses and domains, connectors. */
export interface Sample {
  licenseIds: string[];
  emails: string[];
  domains: string[];
  connectorIds: string[];
}

/** Every GET route that answers JSON, at its default page size, each request's parameters taken in turn from the sample. */
export function jsonRoutes(s: Sample): [string, (i: number) => string][] {
  const at = <T>(xs: T[], i: number) => xs[i % xs.length]!;
  const q = encodeURIComponent;
  return [
    ['GET /connectors', () => '/connectors'],
    ['GET /connectors/{cid}/licenses', (i) => `/connectors/${at(s.connectorIds, i)}/licenses`],
    ['GET /licenses/{id}', (i) => `/licenses/${at(s.licenseIds, i)}`],
    ['GET /licenses/{id}/history', (i) => `/licenses/${at(s.licenseIds, i)}/history`],
    ['GET /licenses?email=', (i) => `/licenses?email=${q(at(s.emails, i))}`],
    ['GET /licenses?domain=', (i) => `/licenses?domain=${q(at(s.domains, i))}`],
    ['GET /changes', () => '/changes'],
    ['GET /changes?includeBaseline=true', () => '/changes?includeBaseline=true'],
    ['GET /reports/expiring?withinDays=30', () => '/reports/expiring?withinDays=30'],
    ['GET /reports/expired?withinDays=30', () => '/reports/expired?withinDays=30'],
    ['GET /reports/not-installed', () => '/reports/not-installed'],
    ['GET /alerts', () => '/alerts'],
    ['GET /sync-runs', () => '/sync-runs'],
  ];
}

export async function apiLatency(
  endpoint: string,
  table: string,
  sample: Sample,
  {
    seconds = 10,
    connections = 10,
    only,
    limits = [],
  }: { seconds?: number; connections?: number; only?: RegExp; limits?: number[] } = {},
): Promise<Latency[]> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--store', endpoint, '--table', table],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    const chosen = jsonRoutes(sample).filter(([route]) => !only || only.test(route));
    // `limits`: each list route again at these page sizes, to see what a default would cost.
    const lists = chosen.filter(([route]) => !route.includes('{id}'));
    const routes = [
      ...chosen,
      ...limits.flatMap((n) =>
        lists.map(([route, path]): [string, (i: number) => string] => [
          `${route}${route.includes('?') ? '&' : '?'}limit=${n}`,
          (i) => `${path(i)}${path(i).includes('?') ? '&' : '?'}limit=${n}`,
        ]),
      ),
    ];
    const out: Latency[] = [];
    for (const [route, path] of routes) {
      let n = 0;
      // A short warm-up so the first figures are not the JIT's.
      await autocannon({
        url,
        connections: 2,
        duration: 2,
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: path(n++) }) }],
      });
      const result = await autocannon({
        url,
        connections,
        duration: seconds,
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: path(n++) }) }],
      });
      out.push({
        route,
        requests: result.requests.total,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p95: result.latency.p97_5 !== undefined ? percentile(result, 95) : result.latency.p90,
        p99: result.latency.p99,
        meanBytes: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
        errors: result.errors,
        non2xx: result.non2xx,
      });
    }
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}

/** autocannon reports p90 and p97.5 but not p95: interpolate between them (its histogram is HDR, so close enough). */
function percentile(result: autocannon.Result, p: 95): number {
  const { p90, p97_5 } = result.latency;
  return Math.round((p90 + ((p97_5 - p90) * (p - 90)) / 7.5) * 100) / 100;
}
