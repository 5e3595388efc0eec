// Upgrades lose nothing: a table exactly as licensewatch 0.1 left it (test/fixtures/ledger-v0.1.json, written by
// scripts/fixtures/ledger-v0.1.mjs at that commit) keeps working with this code.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consoleSink } from '#alerts/console';
import { webhookSink } from '#alerts/webhook';
import { createPartnerApi } from '#celigo/client';
import { allLicenses, getLicense, licenseHistory, listConnectors } from '#ledger/queries';
import { createDynamoStore } from '#ledger/store/dynamo/index';
import type { LedgerStore, MigrationReport } from '#ledger/store/port';
import { planSync, runPlan } from '#ledger/sync';
import { type Emulator, startEmulator } from '#local/emulator/index';
import { evaluateAlerts } from '#watch/evaluate';
import { v01, v01Table } from '../support/ledger-fixtures.ts';

const fixture = v01;

let emu: Emulator;
let ledger: LedgerStore;
let upgrade: MigrationReport;
let clock = Date.parse(fixture.now);
const hooks: string[] = [];
const hook = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    hooks.push(body);
    res.writeHead(200).end();
  });
});

beforeAll(async () => {
  const { client, tableName } = await v01Table(
    inject('dynamoEndpoint'),
    `upgrade-${Date.now().toString(36)}`,
  );
  const tick = () => {
    clock += 1000;
    return new Date(clock);
  };
  ledger = createDynamoStore(client, tableName, { now: tick });
  // As the first command (or the plan) does: the table's upgrades, each once.
  upgrade = await ledger.migrate();
  emu = await startEmulator({
    token: fixture.token,
    now: new Date(fixture.now),
    dataSet: { ...(await import('#local/emulator/index')).emptyDataSet(), ...fixture.upstream },
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await emu?.close();
  hook.close();
});

const claimed = fixture.items.filter((i) => i.SK.startsWith('ALERT#')).map((i) => i.alertId as string);
const pendingOutbox = fixture.items.filter((i) => i.PK === 'OUTBOX').map((i) => i.SK);

describe('a 0.1 table with this code', () => {
  it('reads as it was: connectors (account default), licenses, history, runs', async () => {
    // The data steps, each once; the outbox's waits for an evaluation with its sinks.
    expect(upgrade.ran.map((r) => [r.name, r.done])).toEqual([
      ['account-on-every-item', true],
      ['license-items-shape-3', true],
      ['page-digests-shape-3', true],
      ['connector-walk-marks', true],
    ]);
    expect(upgrade.pending).toEqual(['outbox-per-sink']);
    const connectors = await listConnectors(ledger);
    expect(connectors.length).toBe(fixture.items.filter((i) => i.SK === 'META').length);
    expect(connectors.every((c) => c.account === 'default')).toBe(true);
    const any = fixture.items.find((i) => i.SK.startsWith('LICENSE#'))!;
    const view = await getLicense(ledger, any.licenseId as string);
    expect(view).toMatchObject({
      id: any.licenseId,
      account: 'default',
      raw: JSON.parse(any.rawJson as string),
    });
    expect((await ledger.listRuns({})).items.length).toBe(
      fixture.items.filter((i) => i.SK === 'SUMMARY').length,
    );
  });

  it('the first walk of each connector compares every page, marks what 0.1 left unmarked, and equals upstream', async () => {
    const api = createPartnerApi({ apiUrl: emu.url, token: fixture.token, pageSize: 5, retries: 0 });
    const runs = await runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
    for (const run of runs) {
      expect(run.status).toBe('completed');
      expect(run.pagesUnchanged).toBe(0); // digests 0.1 wrote prove nothing now
    }
    expect(runs.reduce((n, r) => n + r.counts.deleted, 0)).toBe(1); // the deletion 0.1's failed walk saw
    for (const c of emu.connectors()) {
      const live: Record<string, unknown> = {};
      for await (const v of allLicenses(ledger, { connectorId: c._id })) live[v.id] = v.raw;
      expect(live).toEqual(Object.fromEntries(emu.licenses(c._id).map((l) => [l._id, l])));
    }
    // Every history is one chain: revisions 1..n, no gap, none twice.
    for await (const v of allLicenses(ledger, { includeDeleted: true })) {
      const revs = (await licenseHistory(ledger, v.id, { limit: 100 })).items.length;
      const versions = fixture.items.filter(
        (i) => i.PK === `LICENSE#${v.id}` && i.SK.startsWith('V#'),
      ).length;
      expect(revs).toBeGreaterThanOrEqual(versions);
    }
    // A second walk now skips every page: the proof is whole again.
    const again = await runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
    expect(again.every((r) => r.pages === r.pagesUnchanged)).toBe(true);
  });

  it('raises no standing alert again, and delivers what 0.1 left pending', async () => {
    expect(claimed.length).toBeGreaterThan(0);
    expect(pendingOutbox.length).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const result = await evaluateAlerts({ ledger, sinks: [consoleSink(() => undefined), webhookSink(url)] });
    for (const id of claimed) expect(result.items.map((a) => a.alertId)).not.toContain(id);
    const delivered = hooks.join('\n');
    for (const id of pendingOutbox) expect(delivered).toContain(id);
    const listed = (await ledger.listAlerts({ limit: 100 })).items;
    for (const id of claimed) expect(listed.find((a) => a.alertId === id)!.status).toBe('sent');
    // And again: nothing new, nothing re-sent.
    hooks.length = 0;
    const second = await evaluateAlerts({ ledger, sinks: [consoleSink(() => undefined), webhookSink(url)] });
    expect(second.items).toEqual([]);
    expect(hooks).toEqual([]);
  });
});
