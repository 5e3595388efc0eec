// The local servers' host rules without a server: which Host names parse, which a server bound to an address
// answers, and the guard's verdict on a request (foreign Host -> forbidden_host, a foreign page's write ->
// forbidden_origin, reads and clients without Origin let through).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestGuard } from '#local/serve/guard';
import { isAllowed, loopbackHosts, parseAllowedHosts, parseHost } from '#local/serve/hosts';

describe('parseHost', () => {
  it('reads name, name:port and bracketed IPv6, lower-cased', () => {
    expect(parseHost('LocalHost')).toEqual({ name: 'localhost' });
    expect(parseHost('proxy.example.com:8443')).toEqual({ name: 'proxy.example.com', port: 8443 });
    expect(parseHost('[::1]:3000')).toEqual({ name: '[::1]', port: 3000 });
    expect(parseHost('[FE80::1]')).toEqual({ name: '[fe80::1]' });
    expect(parseHost('my_container')).toEqual({ name: 'my_container' });
    expect(parseHost('host:65535')).toEqual({ name: 'host', port: 65535 });
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'host:0',
      'host:65536',
      'host:',
      '::1',
      'http://host',
      'host/path',
      'a b',
      '-host',
      'host.',
      'user@host',
      'host:80:80',
    ])
      expect(parseHost(bad), bad).toBeUndefined();
  });
});

describe('parseAllowedHosts', () => {
  it('reads repeated and comma-separated values, skipping blanks', () => {
    expect(parseAllowedHosts(['a.example, b.example:81', ' ', 'C.example,'], '--allowed-host')).toEqual([
      { name: 'a.example' },
      { name: 'b.example', port: 81 },
      { name: 'c.example' },
    ]);
    expect(parseAllowedHosts([''], 'LICENSEWATCH_ALLOWED_HOSTS')).toEqual([]);
  });

  it('throws one line naming the source and the bad item, with a hint for a URL', () => {
    expect(() => parseAllowedHosts(['ok.example,bad host'], 'LICENSEWATCH_ALLOWED_HOSTS')).toThrow(
      /^LICENSEWATCH_ALLOWED_HOSTS: "bad host" is not a host name or host:port; expected host or host:port/,
    );
    expect(() => parseAllowedHosts(['https://proxy.example'], '--allowed-host')).toThrow(
      '--allowed-host: "https://proxy.example" is not a host name or host:port; give a host, not a URL',
    );
  });
});

describe('loopbackHosts and isAllowed', () => {
  it('answers 127.0.0.1 and localhost on the bound port, plus the bound address unless a wildcard', () => {
    expect(loopbackHosts('127.0.0.1', 3000)).toEqual([
      { name: '127.0.0.1', port: 3000 },
      { name: 'localhost', port: 3000 },
    ]);
    expect(loopbackHosts('0.0.0.0', 3000)).toHaveLength(2);
    expect(loopbackHosts('::', 3000)).toHaveLength(2);
    expect(loopbackHosts('::1', 3000)).toContainEqual({ name: '[::1]', port: 3000 });
    expect(loopbackHosts('192.168.1.5', 3000)).toContainEqual({ name: '192.168.1.5', port: 3000 });
  });

  it('matches a port exactly when the entry has one, any port when not; no port in Host means 80', () => {
    const allowed = [{ name: 'localhost', port: 3000 }, { name: 'proxy.example' }, { name: 'web', port: 80 }];
    expect(isAllowed({ name: 'localhost', port: 3000 }, allowed)).toBe(true);
    expect(isAllowed({ name: 'localhost', port: 3001 }, allowed)).toBe(false);
    expect(isAllowed({ name: 'localhost' }, allowed)).toBe(false);
    expect(isAllowed({ name: 'proxy.example', port: 8443 }, allowed)).toBe(true);
    expect(isAllowed({ name: 'proxy.example' }, allowed)).toBe(true);
    expect(isAllowed({ name: 'web' }, allowed)).toBe(true);
    expect(isAllowed({ name: 'evil.example', port: 3000 }, allowed)).toBe(false);
  });
});

const PORT = 41234;
const guard = requestGuard({
  loopback: loopbackHosts('127.0.0.1', PORT),
  extra: parseAllowedHosts(['proxy.example'], '--allowed-host'),
});

/** Just what the guard reads of a request: method, target, the parsed headers and the raw ones. */
function request(method: string, headers: [string, string][], url = '/licenses'): IncomingMessage {
  const parsed: Record<string, string> = {};
  for (const [name, value] of headers) parsed[name.toLowerCase()] ??= value;
  return { method, url, headers: parsed, rawHeaders: headers.flat() } as unknown as IncomingMessage;
}
const host = `127.0.0.1:${PORT}`;

describe('requestGuard', () => {
  it('lets through reads and writes addressed to an allowed Host', () => {
    expect(guard(request('GET', [['Host', host]]))).toBeUndefined();
    expect(guard(request('GET', [['host', `LOCALHOST:${PORT}`]]))).toBeUndefined();
    expect(guard(request('POST', [['Host', 'proxy.example:443']]))).toBeUndefined();
  });

  it('refuses a foreign, missing or repeated Host, naming the hosts it answers', () => {
    const foreign = guard(request('GET', [['Host', `evil.example:${PORT}`]]));
    expect(foreign?.code).toBe('forbidden_host');
    expect(foreign?.message).toContain(`Host "evil.example:${PORT}" is not allowed`);
    expect(foreign?.message).toContain(`127.0.0.1:${PORT} or localhost:${PORT}`);
    expect(guard(request('GET', [['Host', `127.0.0.1:${PORT + 1}`]]))?.code).toBe('forbidden_host');
    expect(guard(request('GET', []))?.message).toContain('no Host header');
    expect(
      guard(
        request('GET', [
          ['Host', host],
          ['Host', 'evil.example'],
        ]),
      )?.message,
    ).toContain('more than one Host header');
    // An absolute target names the host the app sees: it must pass too.
    expect(guard(request('GET', [['Host', host]], 'http://evil.example/licenses'))?.code).toBe(
      'forbidden_host',
    );
    expect(guard(request('GET', [['Host', host]], `http://localhost:${PORT}/licenses`))).toBeUndefined();
  });

  it("refuses a write from another page's Origin, and lets one without Origin, or a read, through", () => {
    const write = guard(
      request('POST', [
        ['Host', host],
        ['Origin', 'http://evil.example'],
      ]),
    );
    expect(write?.code).toBe('forbidden_origin');
    expect(write?.message).toContain('POST from Origin "http://evil.example" is refused');
    for (const origin of ['null', `http://127.0.0.1:${PORT}/path`, `https://127.0.0.1:${PORT}`])
      expect(
        guard(
          request('DELETE', [
            ['Host', host],
            ['Origin', origin],
          ]),
        )?.code,
        origin,
      ).toBe('forbidden_origin');
    expect(
      guard(
        request('PUT', [
          ['Host', host],
          ['Origin', `http://localhost:${PORT}`],
        ]),
      ),
    ).toBeUndefined();
    // https only for the hosts added for a proxy, which may terminate TLS.
    expect(
      guard(
        request('POST', [
          ['Host', host],
          ['Origin', 'https://proxy.example'],
        ]),
      ),
    ).toBeUndefined();
    expect(guard(request('POST', [['Host', host]]))).toBeUndefined();
    expect(
      guard(
        request('GET', [
          ['Host', host],
          ['Origin', 'http://evil.example'],
        ]),
      ),
    ).toBeUndefined();
  });

  it('logs one printable line whatever the request carries', () => {
    const refusal = guard(request('GET', [['Host', 'evil\u0007.example']], '/a\nb'));
    expect(refusal?.logLine).toBe('refused GET "/a?b": forbidden_host (Host "evil?.example" is not allowed)');
  });
});
