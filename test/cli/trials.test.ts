// The CLI end to end with trials and sandboxes: `report trials`, `--sandbox` on the lists and reports,
// `--trial-thresholds` / TRIAL_THRESHOLDS, against the emulator (an Integration App connector) and DynamoDB Local.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { cli } from '../support/cli.ts';

const TOKEN = 'cli-trials-token';
let emu: Emulator;
let env: Record<string, string>;
let appConnector: string;

type View = Record<string, unknown> & { id: string; sandbox: boolean };
const items = (stdout: string) => (JSON.parse(stdout) as { items: View[] }).items;
const oneLine = (r: { code: number; stderr: string; stdout: string }) => {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stdout).toBe('');
};

beforeAll(async () => {
  emu = await startEmulator({ token: TOKEN, dataSet: { connectors: 3, licensesPerConnector: 60 } });
  appConnector = emu.connectors().find((c) => c.name.includes('Integration App'))!._id;
  env = {
    CELIGO_API_URL: emu.url,
    CELIGO_API_TOKEN: TOKEN,
    LICENSEWATCH_ACCOUNTS_FILE: '',
    LICENSEWATCH_STORE: inject('dynamoEndpoint'),
    LICENSEWATCH_TABLE: `cli-trials-${randomBytes(4).toString('hex')}`,
  };
  const sync = await cli(['sync'], env);
  expect(sync.code, sync.stderr).toBe(0);
}, 60_000);
afterAll(() => emu?.close());

describe('trials and sandboxes through the CLI', { timeout: 120_000 }, () => {
  it('report trials: live trials ending within N days (default 14), soonest first, as JSON, CSV or a table', async () => {
    const r = await cli(['report', 'trials', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const trials = items(r.stdout);
    expect(trials.length).toBeGreaterThan(0);
    expect(trials.every((v) => v.trial === 'active' && (v.daysToTrialEnd as number) <= 14)).toBe(true);
    const ends = trials.map((v) => String(v.trialEndDate));
    expect(ends).toEqual([...ends].sort());
    const soon = items((await cli(['report', 'trials', '--within-days', '1', '--json'], env)).stdout);
    expect(soon.length).toBeLessThan(trials.length);
    expect(soon.every((v) => (v.daysToTrialEnd as number) <= 1)).toBe(true);

    const sandbox = items((await cli(['report', 'trials', '--sandbox', 'true', '--json'], env)).stdout);
    expect(sandbox.length).toBeGreaterThan(0);
    expect(sandbox.every((v) => v.sandbox)).toBe(true);
    const production = items((await cli(['report', 'trials', '--sandbox', 'false', '--json'], env)).stdout);
    expect(sandbox.length + production.length).toBe(trials.length);

    const csv = await cli(['report', 'trials', '--csv'], env);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/,sandbox,type,trialEndDate,daysToTrialEnd,trial$/);
    expect(lines).toHaveLength(trials.length + 1);
    const table = await cli(['report', 'trials'], env);
    expect(table.stdout).toMatch(/TRIAL/);
    expect(table.stdout).toMatch(/active \d{4}-\d{2}-\d{2}/);

    oneLine(await cli(['report', 'trials', '--sandbox', 'maybe'], env));
    expect((await cli(['report', 'trials', '--sandbox', 'maybe'], env)).stderr).toMatch(
      /--sandbox must be true or false/,
    );
    oneLine(await cli(['report', 'trials', '--within-days', 'soon'], env));
  });

  it('--sandbox on licenses, find and the other reports', async () => {
    const all = items((await cli(['licenses', '--connector', appConnector, '--json'], env)).stdout);
    const only = items(
      (await cli(['licenses', '--connector', appConnector, '--sandbox', 'true', '--json'], env)).stdout,
    );
    expect(only.length).toBeGreaterThan(0);
    expect(only.map((v) => v.id)).toEqual(all.filter((v) => v.sandbox).map((v) => v.id));
    const email = String(only[0]!.email);
    const found = items((await cli(['find', email, '--sandbox', 'false', '--json'], env)).stdout);
    expect(found).toEqual([]);
    expect(items((await cli(['find', email, '--sandbox', 'true', '--json'], env)).stdout)).toHaveLength(1);
    const expiring = items((await cli(['report', 'expiring', '--within-days', '60', '--json'], env)).stdout);
    const sandboxExpiring = items(
      (await cli(['report', 'expiring', '--within-days', '60', '--sandbox', 'true', '--json'], env)).stdout,
    );
    expect(sandboxExpiring.map((v) => v.id)).toEqual(expiring.filter((v) => v.sandbox).map((v) => v.id));
  });

  it('alerts: trial-ending on its own schedule (--trial-thresholds / TRIAL_THRESHOLDS), trial-ended once', async () => {
    oneLine(await cli(['alerts', '--json'], { ...env, TRIAL_THRESHOLDS: '7,soon' }));
    const r = await cli(['alerts', '--json', '--trial-thresholds', '30'], env);
    expect(r.code, r.stderr).toBe(0);
    const raised = items(r.stdout) as unknown as { rule: string; threshold?: number; sandbox?: boolean }[];
    const ending = raised.filter((a) => a.rule === 'trial-ending');
    expect(ending.length).toBeGreaterThan(0);
    expect(ending.every((a) => a.threshold === 30 && typeof a.sandbox === 'boolean')).toBe(true);
    expect(raised.some((a) => a.rule === 'trial-ended')).toBe(true);
    const again = await cli(['alerts', '--json', '--trial-thresholds', '30'], env);
    expect(items(again.stdout)).toEqual([]);
  });
});
