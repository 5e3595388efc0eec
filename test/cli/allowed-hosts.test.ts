// --allowed-host and LICENSEWATCH_ALLOWED_HOSTS through the real binary: they reach the guard of serve and emulator, and bad values fail at once.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { rawRequest, refusalOf } from '../support/raw-http.ts';

const BIN = fileURLToPath(new URL('../../bin/licensewatch.js', import.meta.url));

interface Running {
  port: number;
  stderr: () => string;
}

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** Starts a long-running command and waits for the URL it prints on stderr. */
function start(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0'], {
    env: { ...process.env, LICENSEWATCH_ALLOWED_HOSTS: '', ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const port = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ port: Number(port), stderr: () => stderr });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${stderr}`)));
  });
}

const status = (port: number, host: string, path: string, authorization?: string) =>
  rawRequest(port, { path, headers: { host, ...(authorization ? { authorization } : {}) } });

describe('--allowed-host', () => {
  it('serve answers hosts from repeated and comma-separated flags (which replace the env list), and logs refusals', async () => {
    const served = await start(
      ['serve', '--allowed-host', 'proxy.example', '--allowed-host', 'a.example, b.example:8080'],
      {
        LICENSEWATCH_STORE: inject('dynamoEndpoint'),
        LICENSEWATCH_TABLE: `hosts-${randomBytes(4).toString('hex')}`,
        LICENSEWATCH_ALLOWED_HOSTS: 'env.example',
      },
    );
    const { port } = served;
    for (const host of [`127.0.0.1:${port}`, 'proxy.example', 'a.example:443', 'b.example:8080'])
      expect((await status(port, host, '/connectors')).status, host).toBe(200);
    for (const host of ['env.example', 'b.example:9090', `evil.example:${port}`])
      expect(refusalOf(await status(port, host, '/connectors')).code, host).toBe('forbidden_host');
    // The line is written before the refusal is sent, but its pipe and the response's socket reach us in either order.
    await expect
      .poll(served.stderr)
      .toMatch(
        new RegExp(
          `^refused GET "/connectors": forbidden_host \\(Host "evil\\.example:${port}" is not allowed\\)$`,
          'm',
        ),
      );
  }, 60_000);

  it('emulator answers hosts from LICENSEWATCH_ALLOWED_HOSTS', async () => {
    const token = 'Bearer local-dev-token';
    const emu = await start(['emulator'], {
      CELIGO_API_TOKEN: '',
      LICENSEWATCH_ALLOWED_HOSTS: 'partner-api.internal,emu.example:4010',
    });
    for (const host of ['partner-api.internal:8443', 'emu.example:4010'])
      expect((await status(emu.port, host, '/v1/connectors', token)).status, host).toBe(200);
    expect(refusalOf(await status(emu.port, 'emu.example:4011', '/v1/connectors', token)).code).toBe(
      'forbidden_host',
    );
  }, 30_000);

  it('fails at once with one line on stderr for an empty or malformed host, from the flag or the env', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['serve', '--allowed-host', ''], {}, /--allowed-host: empty value/],
      [['demo', '--allowed-host', ' , '], {}, /--allowed-host: empty value/],
      [['emulator', '--allowed-host', 'http://proxy.example'], {}, /give a host, not a URL/],
      [
        ['serve'],
        { LICENSEWATCH_ALLOWED_HOSTS: 'ok.example,two words' },
        /LICENSEWATCH_ALLOWED_HOSTS: "two words"/,
      ],
      [['emulator', '--allowed-host', 'proxy.example:99999'], {}, /"proxy.example:99999" is not a host/],
    ];
    for (const [args, env, message] of cases) {
      // The embedded store is never started: the values are checked before anything else.
      const r = await cli(
        [...args, '--port', '0'],
        { LICENSEWATCH_STORE: 'http://127.0.0.1:9', ...env },
        20_000,
      );
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});
