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
}

/** Serves the table, then loads each route for `seconds` with `connections` clients, cycling through the given ids. */
export async function apiLatency(
  endpoint: string,
  table: string,
  licenseIds: string[],
  { seconds = 10, connections = 10 } = {},
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
    const routes: [string, (i: number) => string][] = [
      ['GET /licenses/{id}', (i) => `/licenses/${licenseIds[i % licenseIds.length]}`],
      ['GET /licenses/{id}/history', (i) => `/licenses/${licenseIds[i % licenseIds.length]}/history`],
      ['GET /reports/expiring?withinDays=30', () => '/reports/expiring?withinDays=30'],
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
