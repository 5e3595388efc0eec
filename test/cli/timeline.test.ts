// The portfolio over time through the CLI (dist/cli) against the emulator and DynamoDB Local: --as-of on license,
// licenses and find; metrics; customers.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const TOKEN = 'cli-asof-token';
let emu: Emulator;
let env: Record<string, string>;
let cid: string;
let lid: string;
let domain: string;
let oldExpires: string;
let before: string;

const run = async (args: string[]) => {
  const r = await cli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: { connectors: 1, licensesPerConnector: 4 } });
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_ACCOUNTS_FILE: '',
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-asof-${randomBytes(4).toString('hex')}`,
  };
  cid = emu.connectors()[0]!._id;
  const lic = emu.licenses(cid)[0]!;
  lid = lic._id;
  domain = lic.user.email.split('@')[1]!;
  oldExpires = new Date(lic.expires).toISOString();
  expect((await cli(['sync'], env)).code).toBe(0);
  await new Promise((r) => setTimeout(r, 20));
  before = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  emu.mutateLicense(cid, lid, { expires: '2031-01-01T00:00:00.000Z' });
  emu.deleteLicense(cid, emu.licenses(cid)[1]!._id);
  expect((await cli(['sync'], env)).code).toBe(0);
}, 180_000);
afterAll(() => emu?.close());

describe('the portfolio over time', { timeout: 60_000 }, () => {
  it('license, licenses and find answer as the ledger held them then', async () => {
    expect((await run(['license', lid, '--json', '--as-of', before])).expires).toBe(oldExpires);
    expect((await run(['license', lid, '--json'])).expires).toBe('2031-01-01T00:00:00.000Z');
    const then = (await run(['licenses', '--json', '--as-of', before])).items as {
      id: string;
      expires: string;
    }[];
    expect(then).toHaveLength(4);
    expect(then.find((l) => l.id === lid)?.expires).toBe(oldExpires);
    expect((await run(['licenses', '--json'])).items).toHaveLength(3);
    const found = (await run(['find', `@${domain}`, '--json', '--as-of', before])).items as { id: string }[];
    expect(found.map((l) => l.id)).toContain(lid);
  });

  it('refuses a bad moment, and a license not seen yet, with one line on stderr', async () => {
    for (const args of [
      ['license', lid, '--as-of', 'yesterday'],
      ['licenses', '--as-of', '2999-01-01'],
      ['find', `@${domain}`, '--as-of', '2026-13-01'],
      ['license', lid, '--as-of', '2000-01-01'],
    ]) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });

  it('metrics prints the months as JSON and CSV; customers as JSON, filtered', async () => {
    const { items } = await run(['metrics', '--json', '--months', '2']);
    expect(items).toHaveLength(2);
    expect(items.at(-1)).toMatchObject({ renewed: 1, deleted: 1, live: 3 });
    const csv = await cli(['metrics', '--csv', '--months', '3', '--connector', cid], env);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.trimEnd().split('\r\n')).toHaveLength(4);
    const rows = (await run(['customers', '--json', '--domain', domain])).items;
    expect(rows).toEqual([expect.objectContaining({ domain: domain.toLowerCase() })]);
    const lapsed = (await run(['customers', '--json', '--status', 'lapsed'])).items as { status: string }[];
    expect(lapsed.every((r) => r.status === 'lapsed')).toBe(true);
    for (const args of [
      ['metrics', '--months', '0'],
      ['customers', '--status', 'happy'],
      ['customers', '--domain', 'not a domain'],
    ]) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
