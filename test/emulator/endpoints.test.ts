// Every Partner API route and error of the emulator, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { call, errorsOf, NOW } from '../support/emulator-http.ts';

let emulator: Emulator;
let shopify: string;
let salesforce: string;
let walmart: string;

beforeAll(async () => {
  emulator = await startEmulator({ now: NOW, token: 'test-token' });
  const byName = (name: string) => emulator.connectors().find((c) => c.name.startsWith(name))!._id;
  shopify = byName('Shopify');
  salesforce = byName('Salesforce');
  walmart = byName('Walmart');
});
afterAll(() => emulator.close());

const opts = {
  addonLicenses: [{ type: 'store', licenses: [{ addOnEdition: 'enterprise' }] }],
  connectorEdition: 'enterprise',
};

describe('auth', () => {
  it('answers 401 without a token, with a wrong token and with another scheme', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic dGVzdC10b2tlbg==']) {
      const response = await fetch(`${emulator.url}/connectors`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      const [error] = await errorsOf(response);
      expect(error?.code).toBe('unauthorized');
      expect(error?.message).toEqual(expect.any(String));
    }
  });

  it('reports the token user on /tokenInfo', async () => {
    const response = await call(emulator, '/tokenInfo');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      _userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      scope: 'full',
    });
  });
});

describe('connectors', () => {
  it('lists connectors shaped like the seed', async () => {
    const response = await call(emulator, '/connectors');
    expect(response.status).toBe(200);
    expect(response.headers.get('link')).toBeNull();
    const connectors = (await response.json()) as Record<string, unknown>[];
    expect(connectors.length).toBeGreaterThanOrEqual(4);
    for (const connector of connectors) {
      expect(connector).toMatchObject({
        _id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: expect.any(String),
        description: expect.any(String),
        handle: expect.any(String),
        published: expect.any(Boolean),
        _integrationId: expect.stringMatching(/^[0-9a-f]{24}$/),
        lastModified: expect.stringMatching(/Z$/),
        applications: expect.arrayContaining(['netsuite']),
      });
    }
  });

  it('gets one connector and 404s an unknown one', async () => {
    const response = await call(emulator, `/connectors/${shopify}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      _id: shopify,
      name: 'Shopify - NetSuite Connector',
      handle: 'sc4n',
    });

    const missing = await call(emulator, '/connectors/000000000000000000000000');
    expect(missing.status).toBe(404);
    expect((await errorsOf(missing))[0]?.code).toBe('not_found');
  });
});

describe('licenses', () => {
  it('answers 204 with no body for a connector without licenses', async () => {
    const response = await call(emulator, `/connectors/${walmart}/licenses`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('404s the licenses of an unknown connector, an unknown license and an unknown route', async () => {
    for (const path of [
      '/connectors/000000000000000000000000/licenses',
      `/connectors/${shopify}/licenses/000000000000000000000000`,
      `/connectors/${walmart}/licenses/${emulator.licenses(shopify)[0]!._id}`,
      '/nope',
      '/connectors/x/y/z/w',
    ]) {
      const response = await call(emulator, path);
      expect(response.status, path).toBe(404);
      expect((await errorsOf(response))[0]?.code).toBe('not_found');
    }
    const outside = await fetch(emulator.url.replace('/v1', '/v2/connectors'), {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    expect(outside.status).toBe(404);
  });

  it('gets one license, unicode intact', async () => {
    const license = emulator.licenses(shopify).find((l) => l.user.name === '山田太郎')!;
    expect(license).toBeDefined();
    const response = await call(emulator, `/connectors/${shopify}/licenses/${license._id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual(license);
  });

  it('creates a license that is not installed yet', async () => {
    const response = await call(emulator, `/connectors/${salesforce}/licenses`, {
      method: 'POST',
      json: { email: 'test@domain.com', expires: '2026-11-01T18:29:59.999+00:00', opts },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      expires: '2026-11-01T18:29:59.999Z',
      created: NOW.toISOString(),
      opts,
      user: { email: 'test@domain.com' },
    });
    const fetched = await call(emulator, `/connectors/${salesforce}/licenses/${created._id}`);
    expect(await fetched.json()).toEqual(created);
    expect(emulator.licenses(salesforce).at(-1)?._id).toBe(created._id);
  });

  it('rejects a POST for an email that is no integrator.io user', async () => {
    const response = await call(emulator, `/connectors/${salesforce}/licenses`, {
      method: 'POST',
      json: { email: 'does_not_exist@domain.com', expires: '2026-11-01T18:29:59.999Z', opts },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      errors: [
        {
          code: 'invalid_user',
          message:
            'We were not able to find any user with the provided email address. Please ask the user to first create an integrator.io account.',
        },
      ],
    });
  });

  it('names the missing field of a POST and rejects a bad date', async () => {
    const full = { email: 'new.customer@example.com', expires: '2026-01-01T00:00:00.000Z', opts };
    for (const field of ['email', 'expires', 'opts'] as const) {
      const { [field]: _dropped, ...body } = full;
      const response = await call(emulator, `/connectors/${salesforce}/licenses`, {
        method: 'POST',
        json: body,
      });
      expect(response.status).toBe(422);
      expect(await errorsOf(response)).toEqual([
        { code: 'missing_field', message: expect.any(String), field },
      ]);
    }
    const badDate = await call(emulator, `/connectors/${salesforce}/licenses`, {
      method: 'POST',
      json: { ...full, expires: 'next tuesday' },
    });
    expect(badDate.status).toBe(422);
    expect(await errorsOf(badDate)).toEqual([
      { code: 'invalid_date', message: expect.any(String), field: 'expires' },
    ]);
  });

  it('answers 400 for malformed JSON and a missing content type', async () => {
    const path = `/connectors/${salesforce}/licenses`;
    const malformed = await call(emulator, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "test@domain.com",',
    });
    expect(malformed.status).toBe(400);
    expect((await errorsOf(malformed))[0]?.code).toBe('malformed_json');

    const untyped = await call(emulator, path, {
      method: 'POST',
      body: new Uint8Array(Buffer.from('{"email":"test@domain.com"}')),
    });
    expect(untyped.status).toBe(400);
    expect((await errorsOf(untyped))[0]?.code).toBe('missing_content_type');
  });

  it('updates expires and opts with PUT, ignoring email, user and _id', async () => {
    const license = emulator.licenses(shopify).find((l) => l._integrationId)!;
    const path = `/connectors/${shopify}/licenses/${license._id}`;
    const response = await call(emulator, path, {
      method: 'PUT',
      json: {
        expires: '2030-01-31T18:29:59.999Z',
        opts,
        email: 'x@y.z',
        user: { email: 'x@y.z' },
        _id: 'abc',
      },
    });
    expect(response.status).toBe(200);
    const expected = { ...license, expires: '2030-01-31T18:29:59.999Z', opts };
    expect(await response.json()).toEqual(expected);
    expect(await (await call(emulator, path)).json()).toEqual(expected);

    const badDate = await call(emulator, path, { method: 'PUT', json: { expires: 12 } });
    expect(badDate.status).toBe(422);
    expect((await errorsOf(badDate))[0]).toMatchObject({ code: 'invalid_date', field: 'expires' });
    const malformed = await call(emulator, path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(malformed.status).toBe(400);
    expect((await errorsOf(malformed))[0]?.code).toBe('malformed_json');
    const untyped = await call(emulator, path, { method: 'PUT', body: new Uint8Array(Buffer.from('{}')) });
    expect(untyped.status).toBe(400);
  });

  it('deletes a license, after which it is gone', async () => {
    const license = emulator.licenses(salesforce)[0]!;
    const path = `/connectors/${salesforce}/licenses/${license._id}`;
    const response = await call(emulator, path, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect((await call(emulator, path)).status).toBe(404);
    expect((await call(emulator, path, { method: 'DELETE' })).status).toBe(404);
    expect(emulator.licenses(salesforce).some((l) => l._id === license._id)).toBe(false);
  });
});

describe('control helpers', () => {
  it('mutates, adds, replaces and deletes records behind the API', async () => {
    const [first, second] = emulator.licenses(salesforce);
    const mutated = emulator.mutateLicense(salesforce, first!._id, {
      expires: '2020-01-01T00:00:00.000Z',
      user: { name: 'Ünïcødé Renamed', _id: undefined },
    });
    expect(mutated.user).toEqual({ email: first!.user.email, name: 'Ünïcødé Renamed' });
    expect(mutated.opts).toEqual(first!.opts);
    const fetched = await call(emulator, `/connectors/${salesforce}/licenses/${first!._id}`);
    expect(await fetched.json()).toEqual(mutated);

    const added = emulator.addLicense(salesforce, { user: { email: 'added@example.com' } });
    expect(added.user).toEqual({ email: 'added@example.com' });
    expect((await call(emulator, `/connectors/${salesforce}/licenses/${added._id}`)).status).toBe(200);

    emulator.deleteLicense(salesforce, second!._id);
    expect((await call(emulator, `/connectors/${salesforce}/licenses/${second!._id}`)).status).toBe(404);

    const connector = emulator.addConnector({ name: 'Added Connector' }, [added]);
    const list = await call(emulator, `/connectors/${connector._id}/licenses`);
    expect(await list.json()).toEqual([added]);
    emulator.setLicenses(connector._id, []);
    expect((await call(emulator, `/connectors/${connector._id}/licenses`)).status).toBe(204);
    expect(() => emulator.licenses('000000000000000000000000')).toThrow();
  });

  it('hands out copies, so changing them does not change the emulator', () => {
    const license = emulator.licenses(shopify)[0]!;
    license.expires = 'changed';
    expect(emulator.licenses(shopify)[0]!.expires).not.toBe('changed');
  });
});
