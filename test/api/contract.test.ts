// The API's contract over real HTTP: bad input answers 400/404/405 in the error shape, 500 hides internals,
// the OpenAPI document lists every route and each answers, and the request log keeps to one line per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { ErrorBody } from '#api/schemas';
import { cursor } from '#ledger/cursor';
import type { LedgerStore as Ledger } from '#ledger/store/port';
import { serveApp } from '#local/serve/server';
import { type ApiHarness, apiHarness, errorsOf } from '../support/api-harness.ts';

const YEAR_ONE = '0001-01-01T00:00:00.000Z';
const FAR = '2999-01-01T00:00:00.000Z';

let h: ApiHarness;
let cid: string;
let otherCid: string;
let trickyId: string;

beforeAll(async () => {
  h = await apiHarness({ dataSet: { connectors: 2, licensesPerConnector: 10 } });
  [cid, otherCid] = h.emu.connectors().map((c) => c._id) as [string, string];
  trickyId = h.emu.licenses(cid)[0]!._id;
}, 60_000);
afterAll(() => h?.close());

describe('bad input', () => {
  it('answers 400 naming the parameter for bad query values and path ids', async () => {
    const cases: [string, string, string][] = [
      ['/connectors?limit=0', 'invalid_parameter', 'limit'],
      ['/connectors?limit=1001', 'invalid_parameter', 'limit'],
      ['/connectors?limit=1e2', 'invalid_parameter', 'limit'],
      ['/connectors?limit=-1', 'invalid_parameter', 'limit'],
      ['/connectors?limit=1&limit=2', 'invalid_parameter', 'limit'],
      ['/reports/expiring?withinDays=3651', 'invalid_parameter', 'withinDays'],
      ['/reports/expired?withinDays=1.5', 'invalid_parameter', 'withinDays'],
      ['/reports/not-installed?olderThanDays=', 'invalid_parameter', 'olderThanDays'],
      [`/connectors/${cid}/licenses?includeDeleted=yes`, 'invalid_parameter', 'includeDeleted'],
      ['/reports/expiring?withinday=5', 'unknown_parameter', 'withinday'],
      ['/licenses/not%20an%20id', 'invalid_parameter', 'lid'],
      ['/licenses/a%23b', 'invalid_parameter', 'lid'],
      [`/licenses/${'a'.repeat(65)}`, 'invalid_parameter', 'lid'],
      ['/connectors/tab%09id/licenses', 'invalid_parameter', 'cid'],
      [`/connectors/${cid}/licenses?cursor=nope`, 'bad_cursor', 'cursor'],
      [`/connectors/${cid}/licenses?cursor=${b64({ PK: 'X', SK: 'Y', foo: 1 })}`, 'bad_cursor', 'cursor'],
      [
        `/connectors/${cid}/licenses?cursor=${b64({ PK: `CONNECTOR#${otherCid}`, SK: 'LICENSE#1' })}`,
        'bad_cursor',
        'cursor',
      ],
      ['/reports/expiring?cursor=nope', 'bad_cursor', 'cursor'],
      // Well-formed cursors of the right list, dated in year 1: followed, they would make the report read one
      // month partition per month since then. They point outside the request's own range.
      [`/reports/expiring?cursor=${cursor.encode('expiring|30', [YEAR_ONE, 'a'])}`, 'bad_cursor', 'cursor'],
      [`/reports/expired?cursor=${cursor.encode('expired|30', [YEAR_ONE, 'a'])}`, 'bad_cursor', 'cursor'],
      [
        `/reports/expiring.csv?cursor=${cursor.encode('expiring|30', [YEAR_ONE, 'a'])}`,
        'bad_cursor',
        'cursor',
      ],
      [
        `/reports/expiring?withinDays=5&cursor=${cursor.encode('expiring|30', [FAR, 'a'])}`,
        'bad_cursor',
        'cursor',
      ],
      [`/reports/expiring?cursor=${b64({ after: [1, 2] })}`, 'bad_cursor', 'cursor'],
      [`/alerts?cursor=${b64({ PK: 1 })}`, 'bad_cursor', 'cursor'],
    ];
    for (const [path, code, field] of cases) {
      const res = await h.call(path);
      expect(res.status, path).toBe(400);
      const errors = await errorsOf(res);
      expect(errors[0], path).toMatchObject({ code, field });
    }
  });

  it('answers 404 for unknown routes and 405 with Allow for known paths', async () => {
    for (const path of ['/nope', '/connectors/', '/reports', '/reports/expiring.xml', '/openapi.yaml']) {
      const res = await h.call(path);
      expect(res.status, path).toBe(404);
      expect((await errorsOf(res))[0]!.code).toBe('route_not_found');
    }
    const cases: [string, string, string][] = [
      ['DELETE', `/licenses/${trickyId}`, 'GET, HEAD'],
      ['POST', '/connectors', 'GET, HEAD'],
      ['PATCH', `/connectors/${cid}/licenses/${trickyId}`, 'PUT, DELETE'],
      ['DELETE', `/connectors/${cid}/licenses`, 'GET, HEAD, POST'],
      ['PUT', '/reports/expiring.csv', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await h.call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect((await errorsOf(res))[0]!.code).toBe('method_not_allowed');
    }
    const head = await h.call('/connectors', { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('answers 500 without internals, logs the cause with the request id, and keeps serving', async () => {
    // A store whose every call fails the way a broken database would.
    const failing = new Proxy(h.ledger, {
      get: (store, name) =>
        name === 'now' ? store.now : () => Promise.reject(new Error('db password is hunter2')),
    }) as Ledger;
    const logs: string[] = [];
    const server = await serveApp(
      createApp({ ledger: failing, partnerApi: () => h.api, log: (l) => logs.push(l) }),
      { port: 0 },
    );
    try {
      const res = await fetch(`${server.url}/connectors`);
      expect(res.status).toBe(500);
      const id = res.headers.get('x-request-id')!;
      const text = await res.text();
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('at ');
      expect(ErrorBody.parse(JSON.parse(text)).errors).toMatchObject([{ code: 'internal_error' }]);
      expect(text).toContain(id);
      expect(logs.some((l) => l.startsWith(`error id=${id}`) && l.includes('hunter2'))).toBe(true);
      expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('OpenAPI document', () => {
  const ISSUE_ROUTES = [
    'get /',
    'delete /connectors/{cid}/licenses/{lid}',
    'get /connectors',
    'get /connectors/{cid}/licenses',
    'post /connectors/{cid}/licenses',
    'put /connectors/{cid}/licenses/{lid}',
    'get /licenses',
    'get /licenses/{lid}',
    'get /licenses/{lid}/history',
    'get /changes',
    'get /changes.csv',
    'get /changes/feed',
    'get /reports/expiring',
    'get /reports/expiring.csv',
    'get /reports/expired',
    'get /reports/expired.csv',
    'get /reports/not-installed',
    'get /reports/not-installed.csv',
    'get /alerts',
    'get /sync-runs',
    'get /metrics/monthly',
    'get /metrics/monthly.csv',
    'get /customers',
    'get /reports/trials',
    'get /reports/trials.csv',
    'get /installs',
    'get /connectors/{cid}/installs',
    'post /connectors/{cid}/pushes',
    'get /pushes',
    'get /pushes/{id}',
  ];

  let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  beforeAll(async () => {
    const res = await h.call('/openapi.json');
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });

  it('is OpenAPI 3.1 and documents every route of the API, with its errors', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(documented.sort()).toEqual([...ISSUE_ROUTES].sort());
    for (const [, ops] of Object.entries(doc.paths))
      for (const op of Object.values(ops)) expect(Object.keys(op.responses)).toContain('500');
  });

  it('every documented route answers (no 404 or 405) over HTTP', async () => {
    // The one route with a required choice of parameters gets one.
    const fill = (path: string) =>
      path === '/licenses'
        ? '/licenses?domain=example.com'
        : path.replace('{cid}', cid).replace('{lid}', trickyId).replace('{id}', '20261206T120000000Z-a1b2c3');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const write = method === 'post' || method === 'put';
        // Writes get an empty object: validation answers, nothing reaches the Partner API.
        const res = await h.call(fill(path), {
          method: method.toUpperCase(),
          ...(write ? { json: {} } : {}),
        });
        if (path === '/pushes/{id}') {
          // The one route whose id names nothing here yet: the route answers, and says so in the domain's words.
          expect(res.status, `${method} ${path}`).toBe(404);
          expect(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('not_found');
          continue;
        }
        expect(res.status, `${method} ${path}`).toBe(write ? 400 : 200);
        await res.arrayBuffer();
      }
    }
  });
});

it('logs one line per request: method, path, status, time, id; never the query string', async () => {
  const { nextCursor } = (await (await h.call('/connectors?limit=1')).json()) as { nextCursor: string };
  h.logs.length = 0;
  await (await h.call(`/connectors?limit=2&cursor=${nextCursor}`)).text();
  await (await h.call('/nope')).text();
  expect(h.logs).toHaveLength(2);
  expect(h.logs[0]).toMatch(/^GET \/connectors 200 \d+\.\dms id=[\w-]+$/);
  expect(h.logs[1]).toMatch(/^GET \/nope 404 \d+\.\dms id=[\w-]+$/);
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
