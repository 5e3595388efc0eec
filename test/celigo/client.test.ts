// The Partner API client against the emulator over real HTTP: paging, 204, Retry-After, retries, timeouts, secrecy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, createPartnerApi, resolveApiUrl } from '#celigo/client';
import { PartnerApiError } from '#celigo/errors';
import { nextLink } from '#celigo/link';
import { type Emulator, startEmulator } from '#local/emulator/index';

const TOKEN = 'tok-5ecr3t-never-print-me';
let emu: Emulator;
let big: string; // the connector with more than 1000 licenses
let empty: string; // the connector with none

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, now: new Date('2026-06-15T12:00:00Z') });
  const counts = emu.connectors().map((c) => ({ id: c._id, n: emu.licenses(c._id).length }));
  big = counts.find((c) => c.n > 1000)!.id;
  empty = counts.find((c) => c.n === 0)!.id;
});
afterAll(() => emu.close());
afterEach(() => {
  emu.clearFailures();
  emu.setLatency(0);
  emu.throttle(0);
  emu.resetStats();
});

const client = (over: Partial<Parameters<typeof createPartnerApi>[0]> = {}) =>
  createPartnerApi({ apiUrl: emu.url, token: TOKEN, backoffMs: 5, ...over });

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<PartnerApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerApiError);
  return error as PartnerApiError;
}

describe('listing', () => {
  it('follows Link rel="next" across pages, page by page, with the token on every request', async () => {
    const pages = [];
    for await (const page of client().licensePages(big)) pages.push(page);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0]!.records).toHaveLength(1000);
    const ids = pages.flatMap((p) => p.records.map((r) => (r as { _id: string })._id));
    expect(ids).toEqual(emu.licenses(big).map((l) => l._id));
    expect(new Set(ids).size).toBe(ids.length);
    const requests = emu.requests();
    expect(requests).toHaveLength(pages.length);
    expect(requests.every((r) => r.auth === 'valid')).toBe(true);
    expect(emu.lastAuthorization).toBe(`Bearer ${TOKEN}`);
  });

  it('treats 204 No Content as an empty list', async () => {
    const pages = [];
    for await (const page of client().licensePages(empty)) pages.push(page);
    expect(pages).toEqual([{ index: 0, records: [], digest: expect.any(String) }]);
    expect(await collect(client().licensePages(empty))).toEqual([]);
  });

  it('digests each page body: same page, same digest; a changed record, another', async () => {
    const digests = async () => {
      const out: string[] = [];
      for await (const page of client().licensePages(big)) out.push(page.digest);
      return out;
    };
    const first = await digests();
    expect(await digests()).toEqual(first);
    const last = emu.licenses(big).at(-1)!;
    emu.mutateLicense(big, last._id, { opts: { connectorEdition: 'digest-test' } });
    const after = await digests();
    expect(after[0]).toBe(first[0]);
    expect(after.at(-1)).not.toBe(first.at(-1));
  });

  it('keeps every record exactly as sent, unknown fields and key order included', async () => {
    const records = await collect(client().licensePages(big));
    expect(JSON.stringify(records)).toBe(JSON.stringify(emu.licenses(big)));
    const connectors = await collect(client().connectorPages());
    expect(connectors).toEqual(emu.connectors());
  });

  it('refuses to follow a next link to another host (the token would go with it)', async () => {
    const server: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('link', '<https://elsewhere.example/v1/connectors?skip=1>; rel="next"');
      res.end('[{"_id":"a"}]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const error = await failure(collect(createPartnerApi({ apiUrl: url, token: TOKEN }).connectorPages()));
      expect(error.message).toMatch(/another host/);
    } finally {
      server.close();
    }
  });
});

describe('single records', () => {
  it('creates, reads, updates and deletes a license', async () => {
    const cid = emu.connectors()[0]!._id;
    const api = client();
    const created = await api.createLicense(cid, {
      email: 'new.customer@example.com',
      expires: '2027-01-31T23:59:59.999Z',
      opts: { connectorEdition: 'standard', addonLicenses: [] },
    });
    expect(created.user).toEqual({ email: 'new.customer@example.com' });
    const updated = await api.updateLicense(cid, created._id, {
      expires: '2028-01-31T23:59:59.999Z',
      opts: { connectorEdition: 'premium' },
    });
    expect(updated.expires).toBe('2028-01-31T23:59:59.999Z');
    expect((await api.getLicense(cid, created._id)).opts?.connectorEdition).toBe('premium');
    await api.deleteLicense(cid, created._id);
    expect((await failure(api.getLicense(cid, created._id))).status).toBe(404);
    expect((await api.getConnector(cid))._id).toBe(cid);
  });

  it('carries the upstream error code: invalid_user on create for an unknown email', async () => {
    const cid = emu.connectors()[0]!._id;
    const error = await failure(
      client().createLicense(cid, {
        email: 'nobody@nowhere.example',
        expires: '2027-01-01T00:00:00.000Z',
        opts: {},
      }),
    );
    expect(error.code).toBe('invalid_user');
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(500);
  });

  it('answers 404 as not_found with the request named', async () => {
    const error = await failure(client().getConnector('000000000000000000000000'));
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(error.message).toContain('/v1/connectors/000000000000000000000000');
  });
});

describe('throttling, retries and timeouts', () => {
  it('waits for Retry-After on 429, then succeeds', async () => {
    emu.throttle(1, 1);
    const started = Date.now();
    const records = await collect(client().licensePages(empty));
    expect(records).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emu.stats().requests).toBe(2);
  });

  it('caps a long Retry-After, and gives up with rate_limited when the 429s persist', async () => {
    emu.throttle(10, 30);
    const started = Date.now();
    const error = await failure(collect(client({ maxRetryAfterMs: 100, retries: 2 }).licensePages(empty)));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(emu.stats().requests).toBe(3);
  });

  it('retries 5xx with backoff, then gives up with a typed error', async () => {
    emu.failConnector(big, { status: 503, mode: 'status' });
    const error = await failure(collect(client({ retries: 2 }).licensePages(big)));
    expect(error.status).toBe(503);
    expect(emu.stats().requests).toBe(3);
  });

  it('recovers when a 5xx is transient', async () => {
    emu.failConnector(big, { status: 500, times: 1 });
    expect((await collect(client().licensePages(big))).length).toBe(emu.licenses(big).length);
  });

  it('retries a connection reset and a truncated body, then reports them clearly', async () => {
    emu.failConnector(big, { mode: 'reset' });
    expect((await failure(collect(client({ retries: 1 }).licensePages(big)))).code).toBe('unreachable');
    emu.failConnector(big, { mode: 'truncated' });
    const cut = await failure(collect(client({ retries: 1 }).licensePages(big)));
    expect(cut.code).toBe('invalid_response');
    expect(cut.message).toMatch(/not JSON/);
  });

  it('names an HTML error page by its status, without the page', async () => {
    emu.failConnector(big, { mode: 'html', status: 502 });
    const error = await failure(collect(client({ retries: 0 }).licensePages(big)));
    expect(error.status).toBe(502);
    expect(error.message).not.toContain('<');
  });

  it('times out each attempt', async () => {
    emu.setLatency(400);
    const error = await failure(collect(client({ timeoutMs: 100, retries: 1 }).licensePages(empty)));
    expect(error.code).toBe('timeout');
    expect(emu.stats().requests).toBe(2);
  });

  it('keeps requests under the configured rate', async () => {
    const api = client({ requestsPerSecond: 20 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => api.getConnector(big)));
    // 20/s in windows of 100 ms: two starts per window, so ten requests span at least four windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(api.requestCount).toBe(10);
  });
});

describe('secrecy', () => {
  it('never puts the token in an error, whatever failed', async () => {
    const errors = [
      await failure(collect(createPartnerApi({ apiUrl: emu.url, token: `${TOKEN}-wrong` }).connectorPages())),
      await failure(
        collect(
          createPartnerApi({
            apiUrl: `http://127.0.0.1:${await closedPort()}/v1`,
            token: TOKEN,
            retries: 0,
          }).connectorPages(),
        ),
      ),
      await failure(client().getLicense(big, 'nope')),
    ];
    expect(errors[0]).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(errors[0]!.message).toMatch(/^401 unauthorized: check CELIGO_API_TOKEN/);
    expect(errors[1]!.message).toMatch(
      /^cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/connectors: connection refused/,
    );
    for (const e of errors) {
      expect(`${e.message} ${JSON.stringify(e)} ${e.stack}`).not.toContain(TOKEN);
    }
  });
});

describe('urls and links', () => {
  it('resolves regions and rejects what is not a URL', () => {
    expect(resolveApiUrl('us')).toBe('https://api.integrator.io/v1');
    expect(resolveApiUrl('EU')).toBe('https://api.eu.integrator.io/v1');
    expect(resolveApiUrl('http://localhost:4010/v1/')).toBe('http://localhost:4010/v1');
    expect(() => resolveApiUrl('ftp://x')).toThrow(/http/);
    expect(() => resolveApiUrl('nonsense')).toThrow(/not a URL/);
  });

  it('parses rel="next" among other relations', () => {
    const base = 'https://api.integrator.io/v1/connectors';
    expect(nextLink('<https://a/x?skip=2>; rel="prev", <https://a/x?skip=4>; rel="next"', base)).toBe(
      'https://a/x?skip=4',
    );
    expect(nextLink('</v1/connectors?skip=1000&limit=1000>; rel=next', base)).toBe(
      'https://api.integrator.io/v1/connectors?skip=1000&limit=1000',
    );
    expect(nextLink('<https://a/x>; rel="last"', base)).toBeUndefined();
    expect(nextLink(null, base)).toBeUndefined();
  });
});
