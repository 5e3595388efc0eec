// Write routes over real HTTP: upstream first (the emulator), then the ledger and its history; bad bodies refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryPage, LicenseView } from '#api/schemas';
import { type ApiHarness, apiHarness, errorsOf, licenseWrites } from '../support/api-harness.ts';

const UNKNOWN_ID = 'abcdefabcdefabcdefabcdef';
const KNOWN_USER = 'new.customer@example.com';

let h: ApiHarness;
let cid: string;
let lids: string[];

beforeAll(async () => {
  h = await apiHarness();
  cid = h.emu.connectors()[0]!._id;
  lids = h.emu.licenses(cid).map((l) => l._id);
}, 60_000);
afterAll(() => h?.close());

const { put, post } = licenseWrites(
  () => h,
  () => cid,
);

describe('PUT /connectors/{cid}/licenses/{lid}', () => {
  it('changes the license upstream, records an updated version naming the changes, and answers the view', async () => {
    const lid = lids[0]!;
    const res = await put(lid, { expires: '2029-01-31T23:59:59.999Z' });
    expect(res.status).toBe(200);
    const view = LicenseView.parse(await res.json());
    expect(view).toMatchObject({
      id: lid,
      connectorId: cid,
      expires: '2029-01-31T23:59:59.999Z',
      expiry: 'ok',
    });
    expect(h.emu.licenses(cid).find((l) => l._id === lid)!.expires).toBe('2029-01-31T23:59:59.999Z');

    const history = HistoryPage.parse(await (await h.call(`/licenses/${lid}/history`)).json());
    expect(history.items.map((i) => i.change)).toEqual(['updated', 'created']);
    expect(history.items[0]!.changes).toEqual(['expires']);
    expect((history.items[0]!.license as { expires: string }).expires).toBe('2029-01-31T23:59:59.999Z');
    expect(LicenseView.parse(await (await h.call(`/licenses/${lid}`)).json())).toEqual(view);
  });

  it('sends opts through, accepts a date-only expiry, and a repeat changes nothing', async () => {
    const lid = lids[1]!;
    const opts = {
      connectorEdition: 'premium',
      addonLicenses: [{ type: 'store', licenses: [{ addOnEdition: 'premium' }] }],
    };
    const res = await put(lid, { expires: '2030-02-01', opts });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ edition: 'premium', expires: '2030-02-01T00:00:00.000Z' });
    const history = HistoryPage.parse(await (await h.call(`/licenses/${lid}/history`)).json());
    expect(history.items[0]!.changes).toEqual(expect.arrayContaining(['expires', 'opts.connectorEdition']));
    expect((await put(lid, { opts })).status).toBe(200);
    expect(HistoryPage.parse(await (await h.call(`/licenses/${lid}/history`)).json()).items).toHaveLength(2);
  });

  it('answers 404 when the Partner API has no such license or connector', async () => {
    for (const res of [
      await put(UNKNOWN_ID, { expires: '2030-01-01' }),
      await put(lids[0]!, { expires: '2030-01-01' }, UNKNOWN_ID),
    ]) {
      expect(res.status).toBe(404);
      expect((await errorsOf(res))[0]!.code).toBe('not_found');
    }
  });
});

describe('POST /connectors/{cid}/licenses', () => {
  it('creates the license upstream, records it, and answers 201 with the view and a Location', async () => {
    const before = h.emu.licenses(cid).length;
    const res = await post({
      email: KNOWN_USER,
      expires: '2027-12-31T18:29:59.999Z',
      opts: { connectorEdition: 'standard' },
    });
    expect(res.status).toBe(201);
    const view = LicenseView.parse(await res.json());
    expect(view).toMatchObject({
      connectorId: cid,
      email: KNOWN_USER,
      installed: false,
      edition: 'standard',
    });
    expect(res.headers.get('location')).toBe(`/licenses/${view.id}`);
    expect(h.emu.licenses(cid)).toHaveLength(before + 1);
    const history = HistoryPage.parse(await (await h.call(`/licenses/${view.id}/history`)).json());
    expect(history.items).toMatchObject([{ change: 'created', changes: [] }]);
    const connectors = (await (await h.call('/connectors')).json()) as {
      items: { id: string; licenses: number }[];
    };
    expect(connectors.items.find((c) => c.id === cid)!.licenses).toBe(121);
  });

  it('answers 422 invalid_user for an email that is no integrator.io user, and records nothing', async () => {
    const before = h.emu.licenses(cid).length;
    const res = await post({ email: 'nobody@example.com', expires: '2027-12-31', opts: {} });
    expect(res.status).toBe(422);
    expect((await errorsOf(res))[0]).toMatchObject({ code: 'invalid_user', field: 'email' });
    expect(h.emu.licenses(cid)).toHaveLength(before);
  });

  it('answers 404 for a connector the Partner API does not have', async () => {
    const res = await post({ email: KNOWN_USER, expires: '2027-12-31', opts: {} }, UNKNOWN_ID);
    expect(res.status).toBe(404);
    expect((await errorsOf(res))[0]!.code).toBe('not_found');
  });
});

describe('bad write requests', () => {
  it('answers 400 naming the field for invalid bodies, before anything reaches the Partner API', async () => {
    h.emu.resetStats();
    const lid = lids[4]!;
    const cases: [Promise<Response>, string, string?][] = [
      [post({ email: 'not-an-email', expires: '2030-01-01', opts: {} }), 'invalid_field', 'email'],
      [post({ email: KNOWN_USER, expires: 'next tuesday', opts: {} }), 'invalid_field', 'expires'],
      [post({ email: KNOWN_USER, expires: '2030-01-01T00:00:00', opts: {} }), 'invalid_field', 'expires'],
      [post({ email: KNOWN_USER, expires: '2030-01-01' }), 'invalid_field', 'opts'],
      [post({ email: KNOWN_USER, expires: '2030-01-01', opts: [] }), 'invalid_field', 'opts'],
      [
        post({ email: KNOWN_USER, expires: '2030-01-01', opts: { addonLicenses: [{ type: 1 }] } }),
        'invalid_field',
        'opts.addonLicenses.0.type',
      ],
      [post({ email: KNOWN_USER, expires: '2030-01-01', opts: {}, expiry: 'x' }), 'unknown_field', 'expiry'],
      [post([1, 2]), 'invalid_body'],
      [post('just a string'), 'invalid_body'],
      [post(null), 'invalid_body'],
      [put(lid, {}), 'invalid_body'],
      [put(lid, { email: KNOWN_USER }), 'unknown_field', 'email'],
      [put(lid, { expires: 20300101 }), 'invalid_field', 'expires'],
      [put('x%20y', { expires: '2030-01-01' }), 'invalid_parameter', 'lid'],
    ];
    for (const [pending, code, field] of cases) {
      const res = await pending;
      expect(res.status, code).toBe(400);
      const [error] = await errorsOf(res);
      expect(error, `${code} ${field}`).toMatchObject({ code, ...(field ? { field } : {}) });
    }
    expect(h.emu.stats().requests).toBe(0);
  });

  it('answers 400 invalid_json, 415 for other content types, 413 over 256 KB, and keeps serving', async () => {
    const url = `/connectors/${cid}/licenses/${lids[4]}`;
    const send = (body: string, type?: string) =>
      h.call(url, { method: 'PUT', body, headers: type ? { 'content-type': type } : {} });
    const cases: [Promise<Response>, number, string][] = [
      [send('{"expires": ', 'application/json'), 400, 'invalid_json'],
      [send('{"expires": "2030-01-01"', 'application/json; charset=utf-8'), 400, 'invalid_json'],
      [send('', 'application/json'), 400, 'invalid_json'],
      [send('expires=2030-01-01', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type'],
      [send('{"expires":"2030-01-01"}', 'text/plain'), 415, 'unsupported_media_type'],
      [
        send(
          JSON.stringify({ expires: '2030-01-01', opts: { pad: 'x'.repeat(257 * 1024) } }),
          'application/json',
        ),
        413,
        'payload_too_large',
      ],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect(res.status, code).toBe(status);
      expect((await errorsOf(res))[0]!.code).toBe(code);
    }
    const under = await send(
      JSON.stringify({ expires: '2030-01-01', bogus: 'x'.repeat(250 * 1024) }),
      'application/json',
    );
    expect(under.status).toBe(400); // within the limit: judged on content
    expect((await h.call('/connectors')).status).toBe(200);
  });
});
