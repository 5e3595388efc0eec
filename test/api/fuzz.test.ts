// Fuzzed requests (fast-check) against the served API: never a 500, always the error shape, and it keeps serving.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../support/api-harness.ts';

let h: ApiHarness;
let cid: string;
let lid: string;

beforeAll(async () => {
  h = await apiHarness({ dataSet: { connectors: 1, licensesPerConnector: 30 } });
  cid = h.emu.connectors()[0]!._id;
  lid = h.emu.licenses(cid)[0]!._id;
}, 60_000);
afterAll(() => h?.close());

const segment = () =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('connectors', 'licenses', 'history', 'reports', 'alerts', 'sync-runs'),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'expiring',
        'expired',
        'not-installed',
        'expiring.csv',
        'expired.csv',
        'not-installed.csv',
        'openapi.json',
      ),
    },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(
          () => cid,
          () => lid,
          () => 'abcdefabcdefabcdefabcdef',
        )
        .map((f) => f()),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        '..',
        '.',
        '%00',
        '%ZZ',
        '%2F',
        '%E0%A4%A',
        '\u202e',
        'ä',
        '<script>',
        "' OR 1=1",
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }).map(encodeURIComponent) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 23, maxLength: 25 }),
    },
  );

const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 5000 }).map(String),
  fc.constantFrom('', 'true', 'false', '1e3', '0x10', ' 5', '1.5', 'NaN', '%', '%ZZ'),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v ?? null)).toString('base64url')),
);
const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'withinDays', 'olderThanDays', 'includeDeleted'),
        fc.string({ maxLength: 10 }),
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ''));

const licenseLike = fc.record(
  {
    email: fc.oneof(fc.emailAddress(), fc.string(), fc.integer()),
    expires: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
      fc.constantFrom('2030-01-01', '2030-02-30', '9999-12-31T23:59:59Z'),
    ),
    opts: fc.oneof(fc.object(), fc.record({ connectorEdition: fc.string(), addonLicenses: fc.jsonValue() })),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  licenseLike.map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.constantFrom('', '{', '{"expires":', 'null', '[]', '\u0000', '{"__proto__":{"x":1}}'),
);

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1; x=1',
  ),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: fc.array(segment(), { minLength: 0, maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
  query,
  body,
  contentType,
});

it('answers fuzzed requests with a 2xx or a 4xx error body, never a 5xx', async () => {
  h.logs.length = 0;
  let count = 0;
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const hasBody = r.method !== 'GET' && r.method !== 'HEAD';
      const res = await fetch(`${h.server.url}${r.path}${r.query}`, {
        method: r.method,
        headers: r.contentType && hasBody ? { 'content-type': r.contentType } : {},
        body: hasBody ? r.body : undefined,
      });
      const text = await res.text();
      count++;
      expect(res.status, `${r.method} ${r.path}${r.query}: ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      if (res.status >= 400 && r.method !== 'HEAD') {
        const parsed = JSON.parse(text) as { errors: { code: string; message: string }[] };
        expect(parsed.errors.length).toBeGreaterThan(0);
        for (const e of parsed.errors)
          expect(typeof e.code === 'string' && typeof e.message === 'string').toBe(true);
      }
    }),
    { numRuns: 300 },
  );
  expect((await fetch(`${h.server.url}/connectors`)).status).toBe(200);
  // One line per request, each a single line without the query string.
  expect(h.logs.length).toBeGreaterThanOrEqual(count);
  for (const line of h.logs) {
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toMatch(/^[A-Z]+ \/\S* \d{3} [\d.]+ms id=/);
  }
}, 120_000);

/** Sends bytes on a fresh socket and resolves with the response's status line. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.write(bytes, 'latin1');
  });
}

it('answers malformed raw HTTP without a 5xx and keeps serving', async () => {
  const { port } = h.server;
  const long = 'a'.repeat(8_000);
  const cases = [
    'GET /licenses/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET /%00/%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    `GET /connectors/${long} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    'GET /connectors?limit=%FF%FE&cursor=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET //connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'GET http://elsewhere.example/connectors HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    `PUT /connectors/${cid}/licenses/${lid} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"exp`,
    `POST /connectors/${cid}/licenses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\nnot a chunk\r\n0\r\n\r\n`,
    'GARBAGE\r\n\r\n',
  ];
  for (const bytes of cases) {
    const status = await rawRequest(port, bytes);
    const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(status)?.[1] ?? 0);
    // Node itself answers 400 (or just closes) for what it cannot parse; anything it passes on is ours.
    expect(code === 0 || code < 500, `${bytes.slice(0, 60)} -> ${status}`).toBe(true);
  }
  expect((await fetch(`${h.server.url}/connectors`)).status).toBe(200);
});
