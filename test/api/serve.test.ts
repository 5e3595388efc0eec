// `licensewatch serve` end to end: a ledger synced by the CLI from a Partner API it has not seen, served until SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { errorsOf } from '../support/api-harness.ts';
import { cli } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/licensewatch.js', import.meta.url));
const TOKEN = 'serve-test-token-s3cr3t';

let emu: Emulator;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: { connectors: 2, licensesPerConnector: 40 } });
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `serve-${randomBytes(4).toString('hex')}`,
  };
  const sync = await cli(['sync', '--json'], env);
  expect(sync.code, sync.stderr).toBe(0);
}, 120_000);
afterAll(() => emu?.close());

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts `licensewatch serve` and waits for the URL it prints on stderr. */
function serve(args: string[], extraEnv: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, ...env, ...extraEnv, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /licensewatch API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({
          child,
          url,
          stderr: () => stderr,
          stop: (signal) => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

describe('licensewatch serve', () => {
  it('serves every read with no token, answers writes 503 partner_api_not_configured, stops on SIGTERM', async () => {
    const served = await serve(['--port', '0'], { CELIGO_API_TOKEN: '' });
    try {
      const connectors = (await (await fetch(`${served.url}/connectors`)).json()) as {
        items: { id: string }[];
      };
      expect(connectors.items.map((c) => c.id).sort()).toEqual(
        emu
          .connectors()
          .map((c) => c._id)
          .sort(),
      );
      const cid = connectors.items[0]!.id;
      const lid = emu.licenses(cid)[0]!._id;
      for (const path of [
        '/',
        '/openapi.json',
        `/connectors/${cid}/licenses`,
        `/licenses/${lid}`,
        `/licenses/${lid}/history`,
        '/reports/expiring',
        '/reports/expired.csv',
        '/reports/not-installed?olderThanDays=0',
        '/alerts',
        '/sync-runs',
      ]) {
        const res = await fetch(`${served.url}${path}`);
        expect(res.status, path).toBe(200);
        await res.arrayBuffer();
      }
      const write = await fetch(`${served.url}/connectors/${cid}/licenses/${lid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ expires: '2031-01-01' }),
      });
      expect(write.status).toBe(503);
      expect((await errorsOf(write))[0]!.code).toBe('partner_api_not_configured');
      // A request log line per request on stderr.
      expect(served.stderr()).toMatch(/^GET \/connectors 200 [\d.]+ms id=/m);
    } finally {
      expect(await served.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('sends writes upstream with the token (PORT as the port), records them, and stops on SIGINT', async () => {
    const served = await serve([], { PORT: '0' });
    try {
      const cid = emu.connectors()[1]!._id;
      const lid = emu.licenses(cid)[3]!._id;
      const res = await fetch(`${served.url}/connectors/${cid}/licenses/${lid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ expires: '2031-01-01T00:00:00Z' }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { expires: string }).expires).toBe('2031-01-01T00:00:00.000Z');
      expect(emu.licenses(cid)[3]!.expires).toBe('2031-01-01T00:00:00.000Z');
      const history = (await (await fetch(`${served.url}/licenses/${lid}/history`)).json()) as {
        items: { change: string; changes: string[] }[];
      };
      expect(history.items[0]).toMatchObject({ change: 'updated', changes: ['expires'] });
      expect(served.stderr()).not.toContain(TOKEN);
    } finally {
      expect(await served.stop('SIGINT')).toBe(0);
    }
  }, 60_000);
});
