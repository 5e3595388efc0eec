// skip/limit paging with RFC 5988 Link headers, the 1000 cap, and 204 for empty pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { call, errorsOf, NOW, nextLink, walk } from '../support/emulator-http.ts';

let emulator: Emulator;
let shopify: string;

beforeAll(async () => {
  emulator = await startEmulator({ now: NOW });
  shopify = emulator.connectors().find((c) => c.name === 'Shopify - NetSuite Connector')!._id;
});
afterAll(() => emulator.close());

describe('paging', () => {
  it('walks 1,250 licenses in two default pages by following Link', async () => {
    const { records, pages, urls } = await walk(emulator, `/connectors/${shopify}/licenses`);
    expect(pages).toBe(2);
    expect(records).toHaveLength(1250);
    expect(new Set(records.map((r) => r._id)).size).toBe(1250);
    expect(urls[1]).toBe(`${emulator.url}/connectors/${shopify}/licenses?skip=1000&limit=1000`);
    expect(records.map((r) => r._id)).toEqual(emulator.licenses(shopify).map((l) => l._id));
  });

  it('returns records in creation order, the same on every walk', async () => {
    const first = await walk(emulator, `/connectors/${shopify}/licenses?limit=300`);
    const second = await walk(emulator, `/connectors/${shopify}/licenses?limit=300`);
    expect(first.pages).toBe(5);
    expect(first.records).toEqual(second.records);
    const created = first.records.map((r) => r.created as string);
    expect([...created].sort()).toEqual(created);
  });

  it('builds an absolute next link from the request host and keeps the limit', async () => {
    const response = await call(emulator, `/connectors/${shopify}/licenses?skip=200&limit=100`);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(100);
    expect(response.headers.get('link')).toBe(
      `<${emulator.url}/connectors/${shopify}/licenses?skip=300&limit=100>; rel="next"`,
    );
    const viaLocalhost = await fetch(
      `http://localhost:${emulator.port}/v1/connectors/${shopify}/licenses?limit=100`,
      { headers: { authorization: `Bearer ${emulator.token}` } },
    );
    expect(nextLink(viaLocalhost)).toBe(
      `http://localhost:${emulator.port}/v1/connectors/${shopify}/licenses?skip=100&limit=100`,
    );
  });

  it('clamps a limit above 1000 to 1000', async () => {
    const response = await call(emulator, `/connectors/${shopify}/licenses?limit=5000`);
    expect(await response.json()).toHaveLength(1000);
    expect(nextLink(response)).toMatch(/\?skip=1000&limit=1000$/);
  });

  it('has no Link on the last page and answers 204 past the end', async () => {
    const last = await call(emulator, `/connectors/${shopify}/licenses?skip=1200&limit=100`);
    expect(await last.json()).toHaveLength(50);
    expect(last.headers.get('link')).toBeNull();
    const beyond = await call(emulator, `/connectors/${shopify}/licenses?skip=1250`);
    expect(beyond.status).toBe(204);
  });

  it('pages the connector list too', async () => {
    const response = await call(emulator, '/connectors?limit=2');
    expect(await response.json()).toHaveLength(2);
    const { records } = await walk(emulator, '/connectors?limit=2');
    expect(records.map((c) => c._id)).toEqual(emulator.connectors().map((c) => c._id));
  });

  it('answers 400 for a skip or limit that is not a number', async () => {
    for (const query of ['skip=-1', 'limit=abc', 'limit=0']) {
      const response = await call(emulator, `/connectors/${shopify}/licenses?${query}`);
      expect(response.status, query).toBe(400);
      expect((await errorsOf(response))[0]?.code).toBe('invalid_parameter');
    }
  });

  it('pages by a smaller cap when started with pageCap: the default page and the most a limit asks for', async () => {
    const small = await startEmulator({ now: NOW, pageCap: 100 });
    try {
      const { records, pages, urls } = await walk(small, `/connectors/${shopify}/licenses`);
      expect(pages).toBe(13);
      expect(records.map((r) => r._id)).toEqual(small.licenses(shopify).map((l) => l._id));
      expect(urls[1]).toBe(`${small.url}/connectors/${shopify}/licenses?skip=100&limit=100`);
      const asked = await call(small, `/connectors/${shopify}/licenses?limit=500`);
      expect(await asked.json()).toHaveLength(100);
      expect(nextLink(asked)).toMatch(/\?skip=100&limit=100$/);
      expect(await (await call(small, `/connectors/${shopify}/licenses?limit=40`)).json()).toHaveLength(40);
    } finally {
      await small.close();
    }
  });

  it('refuses a pageCap that is not a whole number from 1 to 1000', async () => {
    for (const pageCap of [0, 1001, 2.5]) {
      await expect(startEmulator({ pageCap }), String(pageCap)).rejects.toThrow(/pageCap/);
    }
  });

  it('answers 204 for the connector list of an empty account', async () => {
    const empty = await startEmulator({ dataSet: 'empty' });
    try {
      expect((await call(empty, '/connectors')).status).toBe(204);
    } finally {
      await empty.close();
    }
  });
});
