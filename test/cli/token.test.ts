// The Partner API token from the command line, a file or the environment: precedence, a warning for --token
// (visible in `ps`), clear errors, and the token itself never printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const RIGHT = 'right-token-0123456789';
const WRONG = 'wrong-token-0123456789';
let emu: Emulator;
const dir = mkdtempSync(join(tmpdir(), 'lw-token-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};

beforeAll(async () => {
  emu = await startEmulator({ token: RIGHT, dataSet: 'empty' });
  emu.addConnector({ name: 'Only' });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string> = {}) =>
  cli(['fetch', 'connectors', '--json', '--api-url', emu.url, ...args], { CELIGO_API_TOKEN: '', ...env });

describe('the Partner API token', () => {
  it('is read from --token-file (trailing newline ignored), which wins over CELIGO_API_TOKEN', async () => {
    const r = await run(['--token-file', file('right', `${RIGHT}\n`)], { CELIGO_API_TOKEN: WRONG });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/warning/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(RIGHT);
  });

  it('--token wins over --token-file and the environment, with a warning that it shows in ps', async () => {
    const r = await run(['--token', RIGHT, '--token-file', file('wrong', WRONG)], {
      CELIGO_API_TOKEN: WRONG,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --token is visible to other users of this machine \(ps\)/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(RIGHT);
    const worse = await run(['--token', WRONG, '--token-file', file('right2', RIGHT)]);
    expect(worse.code).not.toBe(0);
    expect(worse.stderr).toMatch(/401/);
  });

  it('CELIGO_API_TOKEN alone still works, without a warning', async () => {
    const r = await run([], { CELIGO_API_TOKEN: RIGHT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a missing or empty token file is one line on stderr and a non-zero exit', async () => {
    for (const [path, message] of [
      [join(dir, 'nope'), /cannot read the token file .*nope \(ENOENT\)/],
      [file('empty', '  \n'), /the token file .*empty is empty/],
    ] as const) {
      const r = await run(['--token-file', path], { CELIGO_API_TOKEN: RIGHT });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
