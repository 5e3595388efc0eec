// The account rule at the CLI's edge: a write to a connector whose partner account is no longer configured is
// refused with one line and exit 2, never sent with the remaining account's token.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const US_TOKEN = 'cli-rule-us-token';
const EU_TOKEN = 'cli-rule-eu-token';
let emu: Emulator;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await startEmulator({
    token: US_TOKEN,
    dataSet: { connectors: 1, licensesPerConnector: 3 },
    accounts: [{ token: EU_TOKEN, dataSet: { connectors: 1, licensesPerConnector: 3 }, seed: 'eu' }],
  });
  dir = mkdtempSync(join(tmpdir(), 'licensewatch-rule-'));
  const us = { name: 'us', apiUrl: emu.url, tokenEnv: 'LW_RULE_US_TOKEN' };
  const eu = { name: 'eu', apiUrl: emu.url, tokenEnv: 'LW_RULE_EU_TOKEN' };
  writeFileSync(join(dir, 'both.json'), JSON.stringify({ accounts: [us, eu] }));
  writeFileSync(join(dir, 'us-only.json'), JSON.stringify({ accounts: [us] }));
  env = {
    CELIGO_API_TOKEN: '',
    CELIGO_API_URL: '',
    LW_RULE_US_TOKEN: US_TOKEN,
    LW_RULE_EU_TOKEN: EU_TOKEN,
    LICENSEWATCH_ACCOUNTS_FILE: join(dir, 'both.json'),
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-rule-${randomBytes(4).toString('hex')}`,
  };
}, 60_000);
afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a write to a connector of an account no longer configured', { timeout: 120_000 }, () => {
  it('is refused with one line and exit 2, and nothing reaches the Partner API', async () => {
    expect((await cli(['sync'], env)).code).toBe(0);
    const cid = emu.account(EU_TOKEN).connectors()[0]!._id;
    const lid = emu.account(EU_TOKEN).licenses(cid)[0]!._id;
    const usOnly = { ...env, LICENSEWATCH_ACCOUNTS_FILE: join(dir, 'us-only.json') };

    const r = await cli(['delete-license', cid, lid, '--yes'], usOnly);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/connector .* is of partner account eu, which is no longer configured/);
    expect(
      emu
        .account(EU_TOKEN)
        .licenses(cid)
        .map((l) => l._id),
    ).toContain(lid);

    // Reads of that connector still work: the account keeps its history.
    const read = await cli(['license', lid, '--json'], usOnly);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ id: lid, connectorId: cid, account: 'eu' });
  });

  it('goes out with the connector own account while it is configured', async () => {
    const cid = emu.account(EU_TOKEN).connectors()[0]!._id;
    const lid = emu.account(EU_TOKEN).licenses(cid)[1]!._id;
    const r = await cli(['delete-license', cid, lid, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(
      emu
        .account(EU_TOKEN)
        .licenses(cid)
        .map((l) => l._id),
    ).not.toContain(lid);
  });
});
