// The CLI end to end with two partner accounts (an accounts file, one token from the environment and one from a
// file), `find`, `changes` and `--account`, against the emulator's US and EU accounts and a DynamoDB endpoint.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const US_TOKEN = 'cli-us-token-s3cr3t';
const EU_TOKEN = 'cli-eu-token-s3cr3t';
let emu: Emulator;
let dir: string;
let env: Record<string, string>;

const json = (stdout: string) => JSON.parse(stdout) as { items: Record<string, unknown>[] };
const oneLine = (r: { code: number; stderr: string; stdout: string }) => {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).toBe('');
};

beforeAll(async () => {
  // US: just over one page (1,000) of the change feed once its baseline is included; EU: small, with a customer
  // the US account has too.
  emu = await startEmulator({
    token: US_TOKEN,
    dataSet: { connectors: 2, licensesPerConnector: 510 },
    accounts: [{ token: EU_TOKEN, dataSet: { connectors: 2, licensesPerConnector: 15 }, seed: 'eu' }],
  });
  const euConnector = emu.account(EU_TOKEN).connectors()[0]!._id;
  emu.account(EU_TOKEN).addLicense(euConnector, { user: { email: 'someone@acme-supply.example' } });
  emu.addLicense(emu.connectors()[0]!._id, { user: { email: 'Someone.Else@Acme-Supply.example' } });
  dir = mkdtempSync(join(tmpdir(), 'licensewatch-accounts-'));
  writeFileSync(join(dir, 'eu.token'), `${EU_TOKEN}\n`);
  const accounts = [
    { name: 'us', apiUrl: emu.url, tokenEnv: 'LW_TEST_US_TOKEN' },
    { name: 'eu', apiUrl: emu.url, tokenFile: 'eu.token' }, // relative to the file
  ];
  writeFileSync(join(dir, 'accounts.json'), JSON.stringify({ accounts }));
  env = {
    CELIGO_API_TOKEN: '',
    CELIGO_API_URL: '',
    LW_TEST_US_TOKEN: US_TOKEN,
    LICENSEWATCH_ACCOUNTS_FILE: join(dir, 'accounts.json'),
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-accounts-${randomBytes(4).toString('hex')}`,
  };
}, 60_000);
afterAll(async () => {
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two partner accounts through the CLI', { timeout: 120_000 }, () => {
  it('syncs both accounts from the accounts file; each connector remembers its account', async () => {
    const r = await cli(['sync', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/s3cr3t/);
    const eu = json((await cli(['connectors', '--json', '--account', 'eu'], env)).stdout).items;
    expect(eu.map((c) => c.id).sort()).toEqual(
      emu
        .account(EU_TOKEN)
        .connectors()
        .map((c) => c._id)
        .sort(),
    );
    expect(eu.every((c) => c.account === 'eu')).toBe(true);
    const all = json((await cli(['connectors', '--json'], env)).stdout).items;
    expect(all).toHaveLength(emu.connectors().length + eu.length);
  });

  it('finds a customer across accounts, or in one; lists changes and follows every page of the CSV', async () => {
    const domain = 'acme-supply.example';
    const found = json((await cli(['find', `@${domain.toUpperCase()}`, '--json'], env)).stdout).items;
    expect(new Set(found.map((l) => l.account))).toEqual(new Set(['us', 'eu']));
    expect(found.every((l) => String(l.email).toLowerCase().endsWith(`@${domain}`))).toBe(true);
    const inEu = json((await cli(['find', `@${domain}`, '--json', '--account', 'eu'], env)).stdout).items;
    expect(inEu.length).toBeGreaterThan(0);
    expect(inEu.every((l) => l.account === 'eu')).toBe(true);

    const [connector] = emu.account(EU_TOKEN).connectors();
    const lic = emu.account(EU_TOKEN).licenses(connector!._id)[0]!;
    emu.account(EU_TOKEN).mutateLicense(connector!._id, lic._id, { expires: '2031-01-01T18:29:59.999Z' });
    expect((await cli(['sync'], env)).code).toBe(0);
    const changes = json((await cli(['changes', '--json', '--since', '1d'], env)).stdout).items;
    expect(changes).toEqual([
      expect.objectContaining({ licenseId: lic._id, kind: 'renewed', account: 'eu', changes: ['expires'] }),
    ]);
    // The baseline too: more rows than one page (1000) of the feed, one header row.
    const csv = await cli(['changes', '--csv', '--include-baseline', '--account', 'us'], env);
    const lines = csv.stdout.trimEnd().split('\r\n');
    const usLicenses = emu.connectors().reduce((n, c) => n + emu.licenses(c._id).length, 0);
    expect(usLicenses).toBeGreaterThan(1000);
    expect(lines[0]).toBe('observedAt,kind,licenseId,connectorId,account,email,changes');
    expect(lines).toHaveLength(usLicenses + 1);
    expect(lines.filter((l) => l.startsWith('observedAt,'))).toHaveLength(1);
  });

  it('answers bad input with one line on stderr and a non-zero exit', async () => {
    oneLine(await cli(['find', 'not-an-email'], env));
    oneLine(await cli(['find', '@not a domain'], env));
    const future = await cli(['changes', '--since', '2999-01-01'], env);
    oneLine(future);
    expect(future.stderr).toMatch(/since is in the future/);
    const unknown = await cli(['connectors', '--account', 'apac'], env);
    oneLine(unknown);
    expect(unknown.stderr).toMatch(/account apac is not one of .*eu, us/);
    const clash = await cli(['sync', '--token', 'x'], env);
    oneLine(clash);
    expect(clash.stderr).toMatch(/--accounts-file .* drop --token/);
  });

  it('one account failing fails only its own connectors: the other completes, nothing is marked deleted', async () => {
    writeFileSync(join(dir, 'eu.token'), 'a-revoked-token\n');
    const r = await cli(['sync', '--json'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/account eu/);
    expect(`${r.stdout}${r.stderr}`).not.toContain('a-revoked-token');
    const run = JSON.parse(r.stdout);
    expect(run.status).toBe('failed');
    expect(run.accountErrors).toEqual([expect.objectContaining({ account: 'eu', code: 'unauthorized' })]);
    const byStatus = (status: string) =>
      (run.connectors as { status: string; account: string }[]).filter((c) => c.status === status);
    expect(new Set(byStatus('completed').map((c) => c.account))).toEqual(new Set(['us']));
    expect(byStatus('failed').map((c) => c.account)).toEqual(['eu', 'eu']);
    const eu = json((await cli(['connectors', '--json', '--account', 'eu'], env)).stdout).items;
    expect(eu.every((c) => !c.deletedAt && (c.licenses as number) > 0)).toBe(true);
  });
});
