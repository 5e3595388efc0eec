// Upgrades lose nothing: a ledger the previous version wrote (test/fixtures/ledger-v1.json) reads its install base on
// the next sync, writes no license version for it, raises no alert for what was already standing, then goes quiet.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { connectorInstalls } from '#app/installs';
import { createPartnerApi } from '#celigo/client';
import { allLicenses } from '#ledger/queries';
import { createDynamoStore, ensureTable } from '#ledger/store/dynamo/index';
import { planSync, runPlan } from '#ledger/sync';
import { startEmulator } from '#local/emulator/index';
import { localClients } from '#local/store/connect';
import { meter } from '#local/store/meter';
import { candidateAlerts, DEFAULT_WATCH_CONFIG } from '#watch/evaluate';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/ledger-v1.json', import.meta.url), 'utf8'));
type Item = Record<string, unknown> & { PK: string; SK: string };
const items = fixture.items as Item[];

describe('upgrading a ledger written by the previous version: the install base', () => {
  it('is recorded by the next sync with no license version, no new kind of alert, and then stays quiet', async () => {
    const { raw, client } = localClients(inject('dynamoEndpoint'));
    const table = `upgrade-installs-${randomBytes(4).toString('hex')}`;
    await raw.send(
      new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', ...fixture.table }),
    );
    for (let i = 0; i < items.length; i += 25) {
      const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      await client.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
    }
    await ensureTable(raw, table);
    let clock = Date.parse(fixture.now) + 3_600_000;
    const emu = await startEmulator({
      now: new Date(fixture.now),
      token: 't',
      dataSet: fixture.emulator.dataSet,
    });
    try {
      // The upstream as the fixture's ledger last saw it.
      const { renewed, deleted } = fixture.upstream;
      emu.mutateLicense(renewed.connectorId, renewed.licenseId, { expires: renewed.expires });
      emu.deleteLicense(deleted.connectorId, deleted.licenseId);
      const ledger = createDynamoStore(client, table, { now: () => new Date(clock++) });
      const api = createPartnerApi({ apiUrl: emu.url, token: 't', pageSize: fixture.emulator.pageSize });
      const sync = async () => runPlan({ ledger, api }, await planSync({ ledger, api }), 2);
      const alertsBefore = (await candidateAlerts(ledger, DEFAULT_WATCH_CONFIG))
        .map((c) => c.alert.alertId)
        .sort();
      const m = meter(client);

      const first = await sync();
      expect(first.map((r) => r.installBase?.status)).toEqual(['completed', 'completed']);
      expect(m.writtenByKind['LICENSE/V'] ?? 0).toBe(0);
      for (const c of emu.connectors()) {
        const recorded = await connectorInstalls(ledger, c._id);
        expect(recorded.map((i) => i.integrationId).sort()).toEqual(
          emu
            .installBase(c._id)
            .map((r) => r._integrationId)
            .sort(),
        );
      }
      const views = [];
      for await (const v of allLicenses(ledger)) views.push(v);
      const installed = views.filter((v) => v.integrationId);
      expect(installed.length).toBeGreaterThan(0);
      expect(installed.every((v) => typeof v.installedVersion === 'string')).toBe(true);

      // What was standing before the upgrade raises the same alerts as before, no more.
      const alertsAfter = (await candidateAlerts(ledger, DEFAULT_WATCH_CONFIG))
        .map((c) => c.alert.alertId)
        .sort();
      expect(alertsAfter).toEqual(alertsBefore);

      m.reset();
      await sync();
      expect(m.writtenByKind['CONNECTOR/INSTALL'] ?? 0).toBe(0);
      expect(m.writtenByKind['INSTALL/V'] ?? 0).toBe(0);
    } finally {
      await emu.close();
    }
  }, 120_000);
});
