// The emulator's front door over real HTTP: only its own Host, no writes from a foreign Origin, in the Partner API's error envelope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { NOW } from '../support/emulator-http.ts';
import { rawRequest, rawSocket, refusalOf } from '../support/raw-http.ts';

const TOKEN = 'hosts-test-token';
let emulator: Emulator;
let cid: string;
const logs: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ now: NOW, token: TOKEN, log: (line) => logs.push(line) });
  cid = emulator.connectors()[0]!._id;
});
afterAll(() => emulator.close());

const authorization = `Bearer ${TOKEN}`;

describe('emulator Host', () => {
  it('answers 127.0.0.1 and localhost on its port, and refuses any other Host with 403 forbidden_host before looking at the token', async () => {
    const { port } = emulator;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await rawRequest(port, { path: '/v1/connectors', headers: { host, authorization } });
      expect(res.status, host).toBe(200);
    }
    emulator.resetStats();
    const rebinding = `evil.example:${port}`;
    for (const [path, headers] of [
      ['/v1/connectors', { host: rebinding, authorization }],
      [`/v1/connectors/${cid}/licenses`, { host: rebinding }], // no token: 403, not 401
      ['/no-such-route', { host: rebinding, authorization }],
      ['/v1/connectors', { host: `localhost:${port + 1}`, authorization }],
    ] as const) {
      const refusal = refusalOf(await rawRequest(port, { path, headers }));
      expect(refusal.code, `${headers.host} ${path}`).toBe('forbidden_host');
      expect(refusal.message).toContain(`127.0.0.1:${port} or localhost:${port}`);
    }
    const noHost = refusalOf(
      await rawSocket(port, `GET /v1/connectors HTTP/1.0\r\nAuthorization: ${authorization}`),
    );
    expect(noHost.message).toMatch(/no Host header/);
    // None of them reached the Partner API's routes.
    expect(emulator.requests()).toEqual([]);
    expect(logs.filter((l) => l.includes('forbidden_host'))).toHaveLength(5);
  });

  it('answers the hosts given as allowedHosts, and refuses a malformed one at start', async () => {
    const proxied = await startEmulator({
      now: NOW,
      token: TOKEN,
      allowedHosts: ['partner-api', 'emu.internal:8443'],
    });
    try {
      const at = (host: string) =>
        rawRequest(proxied.port, { path: '/v1/connectors', headers: { host, authorization } });
      for (const host of ['partner-api', 'partner-api:4010', 'emu.internal:8443'])
        expect((await at(host)).status, host).toBe(200);
      for (const host of ['emu.internal:9443', 'emu.internal', `evil.example:${proxied.port}`])
        expect(refusalOf(await at(host)).code, host).toBe('forbidden_host');
    } finally {
      await proxied.close();
    }
    await expect(startEmulator({ allowedHosts: ['two words'] })).rejects.toThrow(
      /allowedHosts: "two words" is not a host name or host:port/,
    );
  });
});

describe('emulator Origin', () => {
  it('refuses PUT, POST and DELETE from a foreign Origin with 403 forbidden_origin; its own origin, no Origin and reads pass', async () => {
    const { port } = emulator;
    const host = `127.0.0.1:${port}`;
    const [first, second] = emulator.licenses(cid);
    emulator.addUser('someone@example.com');
    const before = emulator.licenses(cid);
    const writes = (origin?: string) => {
      const headers = { host, authorization, ...(origin ? { origin } : {}) };
      return [
        rawRequest(port, {
          method: 'PUT',
          path: `/v1/connectors/${cid}/licenses/${first!._id}`,
          headers,
          json: { expires: '2031-01-01T00:00:00.000Z' },
        }),
        rawRequest(port, {
          method: 'POST',
          path: `/v1/connectors/${cid}/licenses`,
          headers,
          json: { email: 'someone@example.com', expires: '2030-01-01T00:00:00.000Z', opts: {} },
        }),
        rawRequest(port, {
          method: 'DELETE',
          path: `/v1/connectors/${cid}/licenses/${second!._id}`,
          headers,
        }),
      ];
    };
    for (const origin of ['http://evil.example', 'null', `http://evil.example:${port}`]) {
      for (const res of await Promise.all(writes(origin))) {
        expect(refusalOf(res).code, origin).toBe('forbidden_origin');
      }
    }
    expect(emulator.licenses(cid)).toEqual(before);

    // A GET from a foreign page is answered: the browser keeps the answer from that page (no CORS headers), and a
    // rebinding page, which could read it, is refused by the Host check above.
    const read = await rawRequest(port, {
      path: `/v1/connectors/${cid}/licenses`,
      headers: { host, authorization, origin: 'http://evil.example' },
    });
    expect(read.status).toBe(200);

    const [put, post, del] = await Promise.all(writes(`http://127.0.0.1:${port}`));
    expect([put!.status, post!.status, del!.status]).toEqual([200, 201, 204]);
    // With no Origin (curl, scripts) too; the DELETE reaches the emulator and finds the license already gone.
    const plain = await Promise.all(writes(undefined));
    expect(plain.map((r) => r.status)).toEqual([200, 201, 404]);
    expect(emulator.licenses(cid).find((l) => l._id === first!._id)!.expires).toBe(
      '2031-01-01T00:00:00.000Z',
    );
  });
});
