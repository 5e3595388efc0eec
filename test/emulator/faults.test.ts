// Injected misbehaviour (throttling, failing connectors, latency) and the request log tests rely on.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { call, errorsOf, NOW, walk } from '../support/emulator-http.ts';

let emulator: Emulator;
let shopify: string;
let amazon: string;

beforeAll(async () => {
  emulator = await startEmulator({ now: NOW, token: 'fault-token' });
  shopify = emulator.connectors().find((c) => c.name.startsWith('Shopify'))!._id;
  amazon = emulator.connectors().find((c) => c.name.startsWith('Amazon'))!._id;
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.clearFailures();
  emulator.setLatency(0);
  emulator.throttle(0);
});

describe('throttle', () => {
  it('answers exactly N 429s with Retry-After, then recovers', async () => {
    emulator.throttle(3, 7);
    for (let i = 0; i < 3; i++) {
      const response = await call(emulator, '/connectors');
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect((await errorsOf(response))[0]?.code).toBe('rate_limited');
    }
    expect((await call(emulator, '/connectors')).status).toBe(200);
  });
});

describe('failConnector', () => {
  const licenses = () => `/connectors/${shopify}/licenses`;

  it('status: answers the status with an errors body, for that connector only', async () => {
    emulator.failConnector(shopify, { status: 503 });
    const response = await call(emulator, licenses());
    expect(response.status).toBe(503);
    expect((await errorsOf(response))[0]?.code).toEqual(expect.any(String));
    expect((await call(emulator, `/connectors/${amazon}/licenses`)).status).toBe(200);
    expect((await call(emulator, `/connectors/${shopify}`)).status).toBe(200);
  });

  it('afterPages: serves that many pages of a walk before failing', async () => {
    emulator.failConnector(shopify, { afterPages: 2 });
    expect((await call(emulator, `${licenses()}?limit=100`)).status).toBe(200);
    expect((await call(emulator, `${licenses()}?skip=100&limit=100`)).status).toBe(200);
    expect((await call(emulator, `${licenses()}?skip=200&limit=100`)).status).toBe(500);
    await expect(walk(emulator, `${licenses()}?limit=100`)).rejects.toThrow(/answered 500/);
  });

  it('times: fails that many requests, then recovers on its own', async () => {
    emulator.failConnector(shopify, { status: 502, times: 1 });
    expect((await call(emulator, licenses())).status).toBe(502);
    expect((await call(emulator, licenses())).status).toBe(200);
  });

  it('reset: drops the connection without an answer', async () => {
    emulator.failConnector(shopify, { mode: 'reset' });
    await expect(call(emulator, licenses())).rejects.toThrow();
    emulator.clearFailures();
    expect((await call(emulator, licenses())).status).toBe(200);
    expect(emulator.requests().at(-2)?.status).toBe(0);
  });

  it('truncated: sends a 200 whose JSON is cut off', async () => {
    emulator.failConnector(shopify, { mode: 'truncated' });
    const response = await call(emulator, licenses());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/json/);
    const text = await response.text();
    expect(text.startsWith('[{"_id":')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('html: sends a 502 text/html page', async () => {
    emulator.failConnector(shopify, { mode: 'html' });
    const response = await call(emulator, licenses());
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<html>');
  });

  it('badTypes: sends records with wrong field types', async () => {
    emulator.failConnector(shopify, { mode: 'badTypes', afterPages: 1 });
    const first = await call(emulator, `${licenses()}?limit=10`);
    expect(((await first.json()) as { expires: unknown }[])[0]?.expires).toEqual(expect.any(String));
    const second = await call(emulator, `${licenses()}?skip=10&limit=10`);
    expect(second.status).toBe(200);
    const records = (await second.json()) as { expires: unknown; user: unknown }[];
    expect(records).toHaveLength(10);
    expect(records[0]).toMatchObject({ expires: 12345, user: 'x' });
  });

  it('also fails single-license requests, before changing anything', async () => {
    const license = emulator.licenses(shopify)[0]!;
    emulator.failConnector(shopify, { status: 500 });
    const path = `/connectors/${shopify}/licenses/${license._id}`;
    expect((await call(emulator, path)).status).toBe(500);
    expect((await call(emulator, path, { method: 'DELETE' })).status).toBe(500);
    expect(emulator.licenses(shopify)[0]?._id).toBe(license._id);
  });
});

describe('latency and the request log', () => {
  it('delays every response by latencyMs', async () => {
    emulator.setLatency(150);
    const started = performance.now();
    await call(emulator, '/tokenInfo');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('takes latency as a start option too', async () => {
    const slow = await startEmulator({ now: NOW, latencyMs: 120, dataSet: 'empty' });
    try {
      const started = performance.now();
      expect((await call(slow, '/connectors')).status).toBe(204);
      expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });

  it('records method, path, query, auth and status of every request', async () => {
    emulator.resetStats();
    await walk(emulator, `/connectors/${shopify}/licenses?limit=500`);
    await fetch(`${emulator.url}/connectors`);
    const log = emulator.requests();
    expect(log.map((r) => [r.method, r.query.skip ?? '0', r.auth, r.status])).toEqual([
      ['GET', '0', 'valid', 200],
      ['GET', '500', 'valid', 200],
      ['GET', '1000', 'valid', 200],
      ['GET', '0', 'missing', 401],
    ]);
    expect(log[0]?.path).toBe(`/v1/connectors/${shopify}/licenses`);
    expect(emulator.stats()).toEqual({
      requests: 4,
      byPath: { [`GET /v1/connectors/${shopify}/licenses`]: 3, 'GET /v1/connectors': 1 },
      byStatus: { 200: 3, 401: 1 },
    });
    await call(emulator, '/tokenInfo');
    expect(emulator.lastAuthorization).toBe('Bearer fault-token');
  });

  it('accepts a rotated token and rejects the old one', async () => {
    emulator.setToken('rotated');
    try {
      expect(
        (await fetch(`${emulator.url}/tokenInfo`, { headers: { authorization: 'Bearer fault-token' } }))
          .status,
      ).toBe(401);
      expect((await call(emulator, '/tokenInfo')).status).toBe(200);
    } finally {
      emulator.setToken('fault-token');
    }
  });
});
