// The served HTTP API's front door over real HTTP: forged Host and Origin headers, as a DNS-rebinding or cross-site page sends them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#api/app';
import { type ServedApp, serveApp } from '#local/serve/server';
import { type ApiHarness, apiHarness } from '../support/api-harness.ts';
import { rawRequest, rawSocket, refusalOf } from '../support/raw-http.ts';

let h: ApiHarness;
let port: number;
let cid: string;
let lids: string[];
/** Served beside the harness's server with hosts added, as behind a reverse proxy; its refusals logged. */
let proxied: ServedApp;
const logs: string[] = [];

beforeAll(async () => {
  h = await apiHarness({ dataSet: { connectors: 1, licensesPerConnector: 8 } });
  port = h.server.port;
  cid = h.emu.connectors()[0]!._id;
  lids = h.emu.licenses(cid).map((l) => l._id);
  proxied = await serveApp(createApp({ ledger: h.ledger, partnerApi: () => h.api, log: () => undefined }), {
    port: 0,
    allowedHosts: ['proxy.example', 'lan.example:8080'],
    log: (line) => logs.push(line),
  });
}, 60_000);
afterAll(async () => {
  await proxied?.close();
  await h?.close();
});

const get = (host: string, path = '/connectors') => rawRequest(port, { path, headers: { host } });

describe('Host', () => {
  it('answers 127.0.0.1 and localhost on the bound port, and refuses every other Host with 403 forbidden_host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
      expect((await get(host)).status, host).toBe(200);
    }
    for (const host of [
      `localhost:${port + 1}`,
      'localhost', // no port: port 80
      '127.0.0.1',
      `127.0.0.2:${port}`,
      `0.0.0.0:${port}`,
      `[::1]:${port}`, // not bound, so not ours
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `127.0.0.1:${port}@evil.example`,
      '',
    ]) {
      const refusal = refusalOf(await get(host));
      expect(refusal.code, host).toBe('forbidden_host');
      expect(refusal.message).toContain(`127.0.0.1:${port} or localhost:${port}`);
    }
  });

  it('refuses a rebinding page (Host evil.example:<port>) everywhere: reads, writes, 404s, the dashboard, /openapi.json', async () => {
    const host = `evil.example:${port}`;
    const email = h.emu.licenses(cid)[0]!.user.email;
    const upstreamBefore = h.emu.requests().length;
    for (const path of [
      `/licenses?email=${encodeURIComponent(email)}`,
      '/connectors',
      `/licenses/${lids[0]}/history`,
      '/reports/expiring.csv',
      '/',
      '/openapi.json',
      '/no-such-route',
    ]) {
      const res = await get(host, path);
      expect(refusalOf(res).code, path).toBe('forbidden_host');
      expect(res.body).not.toContain(email);
    }
    const before = h.emu.licenses(cid);
    const put = await rawRequest(port, {
      method: 'PUT',
      path: `/connectors/${cid}/licenses/${lids[0]}`,
      headers: { host },
      json: { expires: '2031-01-01T00:00:00.000Z' },
    });
    expect(refusalOf(put).code).toBe('forbidden_host');
    // Nothing reached the Partner API: the token was never used for the rebinding page.
    expect(h.emu.requests().length).toBe(upstreamBefore);
    expect(h.emu.licenses(cid)).toEqual(before);
  });

  it('refuses a request with no Host (HTTP/1.0 or 1.1), two Hosts, or a foreign host in an absolute target', async () => {
    const noHost10 = refusalOf(await rawSocket(port, 'GET /connectors HTTP/1.0'));
    expect(noHost10).toMatchObject({
      code: 'forbidden_host',
      message: expect.stringMatching(/no Host header/),
    });
    // Node alone would answer this one with an empty 400.
    const noHost11 = refusalOf(await rawRequest(port, { path: '/connectors' }));
    expect(noHost11).toMatchObject({
      code: 'forbidden_host',
      message: expect.stringMatching(/no Host header/),
    });
    const twice = await rawSocket(
      port,
      `GET /connectors HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example`,
    );
    expect(refusalOf(twice).message).toMatch(/more than one Host header/);
    const absolute = await rawSocket(
      port,
      `GET http://evil.example:${port}/connectors HTTP/1.1\r\nHost: 127.0.0.1:${port}`,
    );
    expect(refusalOf(absolute).code).toBe('forbidden_host');
    const ours = await rawSocket(
      port,
      `GET http://localhost:${port}/connectors HTTP/1.1\r\nHost: 127.0.0.1:${port}`,
    );
    expect(ours.status).toBe(200);
  });

  it('answers hosts added with allowedHosts: a bare name on any port, host:port on that port only', async () => {
    const at = (host: string) => rawRequest(proxied.port, { path: '/connectors', headers: { host } });
    for (const host of [
      'proxy.example',
      'proxy.example:443',
      'PROXY.example:8443',
      'lan.example:8080',
      `127.0.0.1:${proxied.port}`,
    ]) {
      expect((await at(host)).status, host).toBe(200);
    }
    for (const host of [
      'lan.example:9090',
      'lan.example',
      'sub.proxy.example',
      `evil.example:${proxied.port}`,
    ]) {
      expect(refusalOf(await at(host)).code, host).toBe('forbidden_host');
    }
    await expect(
      serveApp(createApp({ ledger: h.ledger, partnerApi: () => h.api }), {
        port: 0,
        allowedHosts: ['https://proxy.example'],
      }),
    ).rejects.toThrow(
      /allowedHosts: "https:\/\/proxy.example" is not a host name or host:port; give a host, not a URL/,
    );
  });

  it('logs each refusal on one line with the forged values cleaned and bounded', async () => {
    logs.length = 0;
    // Node's parser already refuses control characters in headers; a tab, a quote, a backslash and Latin-1 bytes get
    // through, and the value is far too long: none of it may reach the log as sent.
    const forged = `evil"\\\t\u00e9\u00ff.example:${proxied.port}${'x'.repeat(500)}`;
    const res = await rawSocket(proxied.port, `GET /connectors?q=%1B HTTP/1.1\r\nHost: ${forged}`);
    expect(refusalOf(res).code).toBe('forbidden_host');
    expect(logs).toHaveLength(1);
    const line = logs[0]!;
    expect(line).toContain(
      `refused GET "/connectors?q=%1B": forbidden_host (Host "evil\\"\\\\???.example:${proxied.port}xxx`,
    );
    expect(line).toMatch(/x\.\.\." is not allowed\)$/);
    expect(line).not.toMatch(/[^\x20-\x7e]/);
    expect(line.length).toBeLessThan(400);
    expect(res.body).not.toContain('x'.repeat(101));
  });
});

describe('Origin', () => {
  const write = (method: string, origin: string | undefined, host = `127.0.0.1:${port}`, lid = lids[1]!) => {
    const headers: Record<string, string> = { host, ...(origin ? { origin } : {}) };
    if (method === 'POST')
      return rawRequest(port, {
        method,
        path: `/connectors/${cid}/licenses`,
        headers,
        json: { email: 'new.customer@example.com', expires: '2030-01-01', opts: {} },
      });
    return rawRequest(port, {
      method,
      path: `/connectors/${cid}/licenses/${lid}`,
      headers,
      ...(method === 'DELETE' ? {} : { json: { expires: '2032-02-02T00:00:00.000Z' } }),
    });
  };

  it('refuses PUT, POST, DELETE and PATCH from a foreign Origin with 403 forbidden_origin, and takes them from its own origin or with no Origin', async () => {
    h.emu.addUser('new.customer@example.com');
    const before = h.emu.licenses(cid);
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `http://127.0.0.1:${port + 1}`,
      `https://127.0.0.1:${port}`, // we serve no TLS on loopback
      `http://127.0.0.1:${port}/path`,
      `http://127.0.0.1:${port}, http://evil.example`,
    ]) {
      for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
        const refusal = refusalOf(await write(method, origin));
        expect(refusal.code, `${method} ${origin}`).toBe('forbidden_origin');
      }
    }
    expect(h.emu.licenses(cid)).toEqual(before);

    expect((await write('PUT', `http://127.0.0.1:${port}`)).status).toBe(200);
    expect((await write('PUT', `http://localhost:${port}`, `localhost:${port}`)).status).toBe(200);
    expect((await write('PUT', undefined)).status).toBe(200);
    const created = await write('POST', `http://127.0.0.1:${port}`);
    expect(created.status, created.body).toBe(201);
    // Past the guard: the app deletes it upstream and answers the license as recorded, not a 403.
    const removed = await write('DELETE', `http://localhost:${port}`, `localhost:${port}`, lids[2]);
    expect(removed.status, removed.body).toBe(200);
    expect(h.emu.licenses(cid).some((l) => l._id === lids[2])).toBe(false);
    expect(h.emu.licenses(cid).find((l) => l._id === lids[1])!.expires).toBe('2032-02-02T00:00:00.000Z');
  });

  it('still answers a GET with a foreign Origin', async () => {
    // Reads are not where the Origin check acts: a cross-site page's GET carries our Host, but the browser keeps the
    // answer from it (we send no CORS headers); a rebinding page, which could read it, sends its own Host, refused above.
    const res = await rawRequest(port, {
      path: '/connectors',
      headers: { host: `127.0.0.1:${port}`, origin: 'http://evil.example' },
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('forbidden');
    // The Host check still holds for that GET.
    const rebound = await rawRequest(port, {
      path: '/connectors',
      headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
    });
    expect(refusalOf(rebound).code).toBe('forbidden_host');
  });

  it('takes https:// origins of hosts added for a TLS-terminating proxy, not of others', async () => {
    const put = (host: string, origin: string) =>
      rawRequest(proxied.port, {
        method: 'PUT',
        path: `/connectors/${cid}/licenses/${lids[3]}`,
        headers: { host, origin },
        json: { expires: '2033-03-03T00:00:00.000Z' },
      });
    expect((await put('proxy.example', 'https://proxy.example')).status).toBe(200);
    expect((await put('lan.example:8080', 'http://lan.example:8080')).status).toBe(200);
    expect(refusalOf(await put('proxy.example', 'https://evil.example')).code).toBe('forbidden_origin');
    expect(refusalOf(await put('lan.example:8080', 'https://lan.example:8443')).code).toBe(
      'forbidden_origin',
    );
  });
});
