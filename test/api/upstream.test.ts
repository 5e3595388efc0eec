// Writes when the Partner API fails: 5xx, throttling, a refused token, bad records, timeouts, no token; each mapped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { fromPartnerApiError } from '#api/upstream';
import { createPartnerApi, type PartnerApi } from '#celigo/client';
import { PartnerApiError } from '#celigo/errors';
import { serveApp } from '#local/serve/server';
import { type ApiHarness, apiHarness, errorsOf, licenseWrites, TOKEN } from '../support/api-harness.ts';

const KNOWN_USER = 'new.customer@example.com';

let h: ApiHarness;
let cid: string;
let otherCid: string;
let lids: string[];

beforeAll(async () => {
  h = await apiHarness();
  [cid, otherCid] = h.emu.connectors().map((c) => c._id) as [string, string];
  lids = h.emu.licenses(cid).map((l) => l._id);
}, 60_000);
afterAll(() => h?.close());

const { put, post } = licenseWrites(
  () => h,
  () => cid,
);

/** A second app on the same ledger with its own Partner API wiring, served for one test. */
async function withApp(partnerApi: () => PartnerApi, run: (url: string) => Promise<void>) {
  const server = await serveApp(createApp({ ledger: h.ledger, partnerApi, log: () => undefined }), {
    port: 0,
  });
  try {
    await run(server.url);
  } finally {
    await server.close();
  }
}

describe('upstream failures', () => {
  it('answers 502 upstream_unavailable when the connector keeps failing with 5xx (after retries)', async () => {
    for (const [status, mode] of [
      [503, 'status'],
      [500, 'status'],
      [502, 'html'],
    ] as const) {
      h.emu.failConnector(otherCid, { status, mode });
      try {
        for (const res of [
          await put(h.emu.licenses(otherCid)[0]!._id, { expires: '2030-01-01' }, otherCid),
          await post({ email: KNOWN_USER, expires: '2030-01-01', opts: {} }, otherCid),
        ]) {
          expect(res.status, `${mode} ${status}`).toBe(502);
          expect((await errorsOf(res))[0]!.code).toBe('upstream_unavailable');
        }
      } finally {
        h.emu.clearFailures();
      }
    }
    expect((await put(h.emu.licenses(otherCid)[0]!._id, { expires: '2030-01-01' }, otherCid)).status).toBe(
      200,
    );
  });

  it('answers 503 upstream_rate_limited with Retry-After while the Partner API throttles', async () => {
    h.emu.throttle(5, 0);
    try {
      const res = await put(lids[2]!, { expires: '2030-01-01' });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await errorsOf(res))[0]!.code).toBe('upstream_rate_limited');
    } finally {
      h.emu.throttle(0);
    }
  });

  it('answers 502 upstream_unauthorized when the Partner API refuses the token', async () => {
    h.emu.setToken('rotated');
    try {
      const res = await put(lids[2]!, { expires: '2030-01-01' });
      expect(res.status).toBe(502);
      expect((await errorsOf(res))[0]!.code).toBe('upstream_unauthorized');
    } finally {
      h.emu.setToken(TOKEN);
    }
  });

  it('answers 502 upstream_invalid_response for a record of the wrong shape', async () => {
    h.emu.failConnector(cid, { mode: 'badTypes' });
    try {
      const res = await put(lids[2]!, { expires: '2030-01-01' });
      expect(res.status).toBe(502);
      expect((await errorsOf(res))[0]!.code).toBe('upstream_invalid_response');
    } finally {
      h.emu.clearFailures();
    }
  });

  it('answers 504 on timeout and 502 when unreachable', async () => {
    const slow = createPartnerApi({ apiUrl: h.emu.url, token: TOKEN, timeoutMs: 200, retries: 0 });
    h.emu.setLatency(1_000);
    try {
      await withApp(
        () => slow,
        async (url) => {
          const res = await fetch(`${url}/connectors/${cid}/licenses/${lids[3]}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ expires: '2030-01-01' }),
          });
          expect(res.status).toBe(504);
          expect((await errorsOf(res))[0]!.code).toBe('upstream_timeout');
        },
      );
    } finally {
      h.emu.setLatency(0);
    }
    const nowhere = createPartnerApi({ apiUrl: 'http://127.0.0.1:9/v1', token: TOKEN, retries: 0 });
    await withApp(
      () => nowhere,
      async (url) => {
        const res = await fetch(`${url}/connectors/${cid}/licenses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: KNOWN_USER, expires: '2030-01-01', opts: {} }),
        });
        expect(res.status).toBe(502);
        expect((await errorsOf(res))[0]!.code).toBe('upstream_unreachable');
      },
    );
  });

  it('answers 503 partner_api_not_configured for writes without a token, while reads work', async () => {
    await withApp(
      () => {
        throw new Error('no Partner API token: set CELIGO_API_TOKEN or pass --token');
      },
      async (url) => {
        expect((await fetch(`${url}/connectors`)).status).toBe(200);
        const res = await fetch(`${url}/connectors/${cid}/licenses/${lids[3]}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ expires: '2030-01-01' }),
        });
        expect(res.status).toBe(503);
        const [error] = await errorsOf(res);
        expect(error!.code).toBe('partner_api_not_configured');
        expect(error!.message).not.toContain('CELIGO_API_TOKEN');
      },
    );
  });

  it('maps Partner API errors to statuses and codes', () => {
    const cases: [PartnerApiError, number, string, string?][] = [
      [
        new PartnerApiError('invalid_user', 'x', 422, 'POST', [{ code: 'invalid_user', message: 'no user' }]),
        422,
        'invalid_user',
        'email',
      ],
      [new PartnerApiError('not_found', 'x', 404), 404, 'not_found'],
      [
        new PartnerApiError('invalid_date', 'x', 422, 'PUT', [
          { code: 'invalid_date', message: 'bad', field: 'expires' },
        ]),
        422,
        'invalid_date',
        'expires',
      ],
      [
        new PartnerApiError('missing_content_type', 'x', 400, 'PUT', [{ code: 'missing_content_type' }]),
        400,
        'missing_content_type',
      ],
      [new PartnerApiError('http_409', 'x', 409), 422, 'http_409'],
      [new PartnerApiError('unauthorized', 'x', 401), 502, 'upstream_unauthorized'],
      [new PartnerApiError('forbidden', 'x', 403), 502, 'upstream_unauthorized'],
      [new PartnerApiError('rate_limited', 'x', 429), 503, 'upstream_rate_limited'],
      [new PartnerApiError('upstream_error', 'x', 503), 502, 'upstream_unavailable'],
      [new PartnerApiError('timeout', 'x'), 504, 'upstream_timeout'],
      [new PartnerApiError('unreachable', 'x'), 502, 'upstream_unreachable'],
      [new PartnerApiError('invalid_response', 'x', 200), 502, 'upstream_invalid_response'],
    ];
    for (const [error, status, code, field] of cases) {
      const mapped = fromPartnerApiError(error);
      expect([mapped.status, mapped.errors[0]!.code, mapped.errors[0]!.field], error.code).toEqual([
        status,
        code,
        field,
      ]);
    }
  });
});
