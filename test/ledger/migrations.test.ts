// The table's upgrades (functions/ledger/store/dynamo/migrations): named steps, each applied once and recorded in
// the schema item; a step cut short by its deadline goes on from its cursor; two runners at once change each item
// once; a table this version creates is current from the start; the CLI runs them first, and `store migrate` on ask.
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { listChanges } from '#ledger/portfolio';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { emptyDataSet, startEmulator } from '#local/emulator/index';
import { openStore } from '#local/store/connect';
import { cli } from '../support/cli.ts';
import { v01, v01Table } from '../support/ledger-fixtures.ts';

const DATA_STEPS = [
  'account-on-every-item',
  'license-items-shape-3',
  'page-digests-shape-3',
  'connector-walk-marks',
];
const endpoint = () => inject('dynamoEndpoint');
const fresh = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Items 0.1 wrote that name no account: connectors, license items and versions. */
const withoutAccount = v01.items.filter(
  (i) =>
    i.account === undefined &&
    (i.SK === 'META' ||
      i.SK.startsWith('LICENSE#') ||
      (i.PK.startsWith('LICENSE#') && i.SK.startsWith('V#'))),
).length;

async function scanAll(client: DynamoDBDocumentClient, TableName: string) {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await client.send(new ScanCommand({ TableName, ExclusiveStartKey }));
    items.push(...(res.Items ?? []));
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

describe('the table upgrades', () => {
  it('apply each step once, in order; a step out of time goes on from its cursor next run', async () => {
    expect(withoutAccount).toBeGreaterThan(10);
    const { client, tableName } = await v01Table(endpoint(), fresh('migrate'));
    const ledger = createDynamoStore(client, tableName);
    // Time for two Scan pages of 5 items, then none: the first step is cut short.
    let pages = 0;
    const first = await ledger.migrate({ scanPageSize: 5, timeLeft: () => (pages++ < 2 ? 60_000 : 0) });
    expect(first.ran).toMatchObject([{ name: 'account-on-every-item', done: false }]);
    expect(first.pending).toEqual([...DATA_STEPS, 'outbox-per-sink']);
    expect(first.version).toBe(0);
    const status = await ledger.schemaStatus();
    expect(status.steps[0]).toMatchObject({ name: 'account-on-every-item', inProgress: true });
    expect(status.steps[0]!.appliedAt).toBeUndefined();

    const second = await ledger.migrate({ scanPageSize: 5 });
    expect(second.ran.map((r) => [r.name, r.done])).toEqual(DATA_STEPS.map((n) => [n, true]));
    // Every item once across both runs: the second went on from the first's cursor, not from the start.
    expect(first.ran[0]!.items + second.ran[0]!.items).toBe(withoutAccount);
    expect(second).toMatchObject({ version: 4, latest: 5, pending: ['outbox-per-sink'] });
    const items = await scanAll(client, tableName);
    for (const i of items.filter((i) => i.SK === 'META' || String(i.SK).startsWith('LICENSE#')))
      expect(i.account).toBe('default');
    const schema = await client.send(
      new GetCommand({ TableName: tableName, Key: { PK: 'SCHEMA', SK: 'VERSION' } }),
    );
    expect(schema.Item).toMatchObject({ version: 4, cursors: {} });
    expect(Object.keys(schema.Item!.applied).sort()).toEqual([...DATA_STEPS].sort());

    // Applied steps are never run again.
    expect((await ledger.migrate()).ran).toEqual([]);
  });

  it('two runners at once change each item once and count each step once', async () => {
    const { client, tableName } = await v01Table(endpoint(), fresh('migrate-twice'));
    const a = createDynamoStore(client, tableName);
    const b = createDynamoStore(client, tableName);
    const [x, y] = await Promise.all([a.migrate({ scanPageSize: 7 }), b.migrate({ scanPageSize: 7 })]);
    const changed = (name: string) =>
      [x, y].reduce((n, r) => n + (r.ran.find((s) => s.name === name)?.items ?? 0), 0);
    expect(changed('account-on-every-item')).toBe(withoutAccount);
    expect(changed('license-items-shape-3')).toBe(
      v01.items.filter((i) => i.SK.startsWith('LICENSE#')).length,
    );
    expect((await a.schemaStatus()).version).toBe(4);
  });

  it('connectors 0.1 walked count as walked before: a change after the upgrade is news, not baseline', async () => {
    const { client, tableName } = await v01Table(endpoint(), fresh('migrate-marks'));
    let clock = Date.parse(v01.now) + 3_600_000;
    const ledger = createDynamoStore(client, tableName, { now: () => new Date(clock++) });
    await ledger.migrate();
    const emu = await startEmulator({
      token: v01.token,
      now: new Date(v01.now),
      dataSet: { ...emptyDataSet(), ...v01.upstream },
    });
    try {
      const api = createPartnerApi({ apiUrl: emu.url, token: v01.token, pageSize: 5, retries: 0 });
      const walked = v01.items.find(
        (i) => i.SK === 'META' && i.lastCompleteWalkAt && !i.firstWalkCompletedAt,
      )!;
      const cid = walked.PK.slice('CONNECTOR#'.length);
      // A license created after the upgrade: news on a connector walked before, baseline on one never walked.
      const license = emu.addLicense(cid);
      const since = new Date(clock).toISOString();
      await runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
      const changes = await listChanges(ledger, { since, connectorId: cid });
      expect(changes.items.map((c) => c.licenseId)).toContain(license._id);
    } finally {
      await emu.close();
    }
  });

  it('a table this version creates is current: no step ever scans it', async () => {
    const store = await openStore({
      store: endpoint(),
      dataDir: '',
      table: fresh('migrate-new'),
      idleMinutes: 0,
    });
    try {
      const ledger = createDynamoStore(store.client, store.tableName);
      const status = await ledger.schemaStatus();
      expect(status).toMatchObject({ version: 5, latest: 5 });
      expect(status.steps.every((s) => s.appliedAt)).toBe(true);
      expect((await ledger.migrate()).ran).toEqual([]);
      expect((await ledger.migrate({ sinks: ['console'] })).ran).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('the CLI upgrades a table before its first command, and `store migrate` reports the steps', async () => {
    const env = {
      LICENSEWATCH_STORE: endpoint(),
      CELIGO_API_URL: 'http://127.0.0.1:9',
      CELIGO_API_TOKEN: 'x',
    };
    const { tableName } = await v01Table(endpoint(), fresh('migrate-cli'));
    const listed = await cli(['licenses', '--json'], {
      ...env,
      LICENSEWATCH_TABLE: tableName,
    });
    expect(listed.code).toBe(0);
    for (const step of DATA_STEPS) expect(listed.stderr).toContain(`upgraded the table: ${step}`);
    const { items } = JSON.parse(listed.stdout);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((v: { account: string }) => v.account === 'default')).toBe(true);

    const again = await cli(['store', 'migrate'], { ...env, LICENSEWATCH_TABLE: tableName });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('schema version 4 of 5');
    expect(again.stdout).toMatch(/account-on-every-item\s+applied \d{4}-/);
    expect(again.stdout).toContain('outbox-per-sink  pending: the next `alerts` run');

    const other = await v01Table(endpoint(), fresh('migrate-cli2'));
    const json = await cli(['store', 'migrate', '--json'], { ...env, LICENSEWATCH_TABLE: other.tableName });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ version: 4, latest: 5, pending: ['outbox-per-sink'] });
    expect(report.ran.map((r: { name: string }) => r.name)).toEqual(DATA_STEPS);
    expect(json.stderr).toBe('');
  }, 120_000);
});
