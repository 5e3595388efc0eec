// No hot items under DynamoDB's transaction conflicts (test/support/aws-dynamo.ts): a failing account never stops the
// plan of the others, walks finishing together all land in their run's one summary, and two sinks recording
// acceptances on the same claims at once both finish; the deleted rule reads in batches, not license by license.
import { afterAll, describe, expect, it } from 'vitest';
import { createPartnerApi } from '#celigo/client';
import { contentHash } from '#ledger/hash';
import { type ConnectorRun, zeroCounts } from '#ledger/schemas';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LicenseWrite } from '#ledger/store/port';
import { planSync } from '#ledger/sync';
import { licenseFacts } from '#ledger/view';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { meter } from '#local/store/meter';
import { evaluateAlerts } from '#watch/evaluate';
import { deletedWithin } from '#watch/rules';
import { alertLedger, idsOf, memorySink, NOW } from '../support/alert-ledger.ts';
import { freshTable } from '../support/tables.ts';

/** Every overlapping transaction conflicts, and transactions take 20 ms: the worst DynamoDB does. */
const CONFLICTS = { conflicts: { windowMs: 20 }, limits: {} };
const opened: Emulator[] = [];
afterAll(async () => {
  for (const emu of opened) await emu.close();
});

describe('the run summary under conflicts', () => {
  it('a failing account with many connectors never stops the plan of the healthy one', async () => {
    const { client, tableName, layer } = await freshTable('hot-plan', CONFLICTS);
    const ledger = createDynamoStore(client, tableName);
    const healthy = await startEmulator({
      token: 'healthy-token-0123',
      dataSet: { connectors: 3, licensesPerConnector: 1 },
    });
    const failing = await startEmulator({
      token: 'failing-token-0123',
      seed: 'failing',
      dataSet: { connectors: 30, licensesPerConnector: 1 },
    });
    opened.push(healthy, failing);
    const api = (emu: Emulator, token: string) => createPartnerApi({ apiUrl: emu.url, token, retries: 0 });
    const ok = { name: 'ok', api: () => api(healthy, 'healthy-token-0123') };
    await planSync({
      ledger,
      accounts: [ok, { name: 'bad', api: () => api(failing, 'failing-token-0123') }],
    });
    const down = {
      name: 'bad',
      api: () => {
        throw Object.assign(new Error('token secret unreadable'), { code: 'missing_secret' });
      },
    };
    const plan = await planSync({ ledger, accounts: [ok, down] });
    expect(plan.units).toHaveLength(3);
    expect(plan.failed).toHaveLength(30);
    const run = await ledger.getRun(plan.runId);
    expect(run).toMatchObject({ connectors: 33, failed: 30, completed: 0, status: 'running' });
    expect(run!.errors).toHaveLength(30);
    expect(await ledger.connectorRuns(plan.runId)).toHaveLength(30);
    process.stderr.write(`plan under conflicts: ${JSON.stringify(layer!.stats)}\n`);
  }, 60_000);

  it('walks finishing together all fold into the summary; none fails back into the queue', async () => {
    const { client, tableName, layer } = await freshTable('hot-walks', CONFLICTS);
    const ledger = createDynamoStore(client, tableName);
    const runId = 'run-hot';
    const at = new Date(NOW).toISOString();
    await ledger.startRun({ runId, startedAt: at, connectors: 24 });
    const walk = (i: number): ConnectorRun => ({
      runId,
      connectorId: `c0ffee00c0ffee00c0ff${String(i).padStart(4, '0')}`,
      account: 'default',
      status: 'completed',
      counts: { ...zeroCounts(), seen: 2, created: 1 },
      pages: 1,
      pagesUnchanged: 0,
      startedAt: at,
      finishedAt: at,
      durationMs: 1,
    });
    // Workers of a real deployment: 4 Lambdas with batches of 5 and more, all finishing at once.
    await Promise.all(Array.from({ length: 24 }, (_, i) => ledger.recordConnectorRun(walk(i))));
    const run = await ledger.getRun(runId);
    expect(run).toMatchObject({ completed: 24, failed: 0, status: 'completed' });
    expect(run!.counts).toMatchObject({ seen: 48, created: 24 });
    expect(layer!.stats.conflicts).toBeGreaterThan(0);
  }, 120_000);
});

describe('two sinks recording acceptances on the same claims at once', () => {
  it('both finish, each alert accepted once by each', async () => {
    const alerts = await alertLedger(600);
    // The same table, its client under conflicts.
    const { client, layer } = await freshTable('unused', CONFLICTS);
    const ledger = createDynamoStore(client, alerts.tableName, { now: () => new Date(NOW) });
    const sns = memorySink('sns:topic');
    const hook = memorySink('webhook:hook');
    const result = await evaluateAlerts({ ledger, sinks: [sns, hook] });
    expect(result.errors).toEqual([]);
    expect(idsOf(sns.got)).toHaveLength(600);
    expect(idsOf(hook.got)).toEqual(idsOf(sns.got));
    expect(result.pending).toBe(0);
    expect(layer!.stats.conflicts).toBeGreaterThan(0);
    process.stderr.write(`acceptances under conflicts: ${JSON.stringify(layer!.stats)}\n`);
  }, 180_000);
});

describe('the deleted rule', () => {
  it('reads the deleted licenses in batches (BatchGetItem), not one Query per license', async () => {
    const { client, tableName } = await freshTable('deleted-rule');
    const at = (t: number) => createDynamoStore(client, tableName, { now: () => new Date(t) });
    const cid = 'deadbeefdeadbeefdeadbeef';
    const n = 450;
    const raws = Array.from({ length: n }, (_, i) => ({
      _id: `${i.toString(16).padStart(8, '0')}${'d'.repeat(16)}`,
      expires: new Date(NOW + 300 * 86_400_000).toISOString(),
      created: new Date(NOW - 60 * 86_400_000).toISOString(),
      opts: { connectorEdition: 'standard' },
      user: { email: `gone${i}@example.com` },
      _integrationId: `${'c'.repeat(16)}${i.toString(16).padStart(8, '0')}`,
    }));
    const write = (raw: (typeof raws)[number], deleted: boolean): LicenseWrite => ({
      connectorId: cid,
      licenseId: raw._id,
      account: 'default',
      change: deleted ? 'deleted' : 'created',
      kind: deleted ? 'deleted' : 'created',
      baseline: !deleted,
      rev: deleted ? 2 : 1,
      ...(deleted ? { expectedRev: 1 } : {}),
      facts: licenseFacts(cid, raw),
      rawJson: JSON.stringify(raw),
      hash: contentHash(raw),
      changes: [],
      firstSeenAt: new Date(NOW - 2 * 86_400_000).toISOString(),
      observedAt: new Date(NOW - (deleted ? 1 : 2) * 86_400_000).toISOString(),
    });
    await at(NOW - 2 * 86_400_000).writeLicenses(raws.map((r) => write(r, false)));
    expect(await at(NOW - 86_400_000).writeLicenses(raws.map((r) => write(r, true)))).toEqual(
      raws.map(() => 'written'),
    );
    const m = meter(client);
    const views = await deletedWithin(at(NOW), 7);
    expect(views.map((v) => v.id).sort()).toEqual(raws.map((r) => r._id).sort());
    expect(m.calls.BatchGetItem).toBe(Math.ceil(n / 100));
    // The deletion index is read page by page, and each license's connector once: nothing per license.
    expect(m.calls.Query ?? 0).toBeLessThan(10);
  }, 60_000);
});
