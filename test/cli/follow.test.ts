// `licensewatch changes --follow`: the real CLI polls the change feed while another CLI process syncs, prints one
// JSON line per change as it comes, and stops cleanly on Ctrl-C (SIGINT), against DynamoDB Local and the emulator.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/licensewatch.js', import.meta.url));
const TOKEN = 'cli-follow-token';
let emu: Emulator;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: { connectors: 2, licensesPerConnector: 12 } });
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `follow-${randomBytes(4).toString('hex')}`,
  };
});
afterAll(() => emu?.close());

describe('licensewatch changes --follow', { timeout: 120_000 }, () => {
  it('prints every change a later sync commits, one JSON line each, and exits 0 on Ctrl-C', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'changes', '--follow', '--json', '--include-baseline', '--interval', '1', '--settle', '1'],
      { env: { ...process.env, ...env, FORCE_COLOR: '0' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (ok: () => boolean, what: string) => {
      for (const end = Date.now() + 60_000; !ok(); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${stderr}`);
    };
    try {
      await until(() => stderr.includes('following the changes'), 'the first poll');
      expect(stdout).toBe('');
      const sync = await cli(['sync', '--json'], env);
      expect(sync.code).toBe(0);
      await until(() => stdout.split('\n').filter(Boolean).length >= 24, 'the baseline');
      const lid = emu.licenses(emu.connectors()[0]!._id)[0]!;
      emu.mutateLicense(emu.connectors()[0]!._id, lid._id, { expires: '2031-01-31T18:29:59.999Z' });
      expect((await cli(['sync', '--json'], env)).code).toBe(0);
      await until(() => stdout.split('\n').filter(Boolean).length >= 25, 'the renewal');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    const items = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(items).toHaveLength(25);
    expect(items.slice(0, 24).every((i) => i.kind === 'created' && i.baseline === true)).toBe(true);
    expect(items[24]).toMatchObject({ kind: 'renewed', baseline: false, account: 'default' });
    expect(new Set(items.map((i) => `${i.licenseId}|${i.observedAt}`)).size).toBe(25);
  });

  it('refuses a bad interval with one line on stderr', async () => {
    const r = await cli(['changes', '--follow', '--interval', '0'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
